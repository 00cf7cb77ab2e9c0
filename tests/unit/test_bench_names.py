"""The websocket benchmark addresses the app's states and events by name: when a page module or
an event is renamed the benchmark must follow (it runs outside CI, so this is where it breaks)."""

from __future__ import annotations

import pytest

from bench.ws import Names


def test_the_benchmark_finds_every_state_and_event_it_sends() -> None:
    from scholarlink.pages.essay_editor import EssayEditorState
    from scholarlink.pages.matches import MatchesState

    names = Names()
    assert names.matches == MatchesState.get_full_name()
    for event in ("set_view", "toggle_bookmark", "ask_dismiss", "confirm_dismiss", "undo_dismiss"):
        assert event in MatchesState.event_handlers, event
    for event in ("autosave", "run_tool"):
        assert event in EssayEditorState.event_handlers, event
    for var in ("running", "error"):
        assert var in EssayEditorState.base_vars, var
    assert "items" in MatchesState.base_vars


@pytest.mark.parametrize("path", ["/dashboard", "/matches", "/scholarships/1", "/essays/1"])
def test_the_pages_it_opens_exist(path: str) -> None:
    from scholarlink import routes

    known = {
        value for name, value in vars(routes).items() if name.isupper() and isinstance(value, str)
    }
    templated = {p.split("[")[0].rstrip("/") for p in known if "[" in p}
    assert path in known or path.rsplit("/", 1)[0] in templated, path


def test_the_client_processes_share_the_students_out_and_their_figures_back() -> None:
    import pickle

    from bench.ws import CLIENTS, Stats, _split

    students = list(range(7))
    groups = _split(students)
    assert len(groups) == min(CLIENTS, len(students))
    assert sorted(s for g in groups for s in g) == students  # each exactly once
    total = Stats()
    for k, group in enumerate(groups):
        one = Stats()
        for s in group:
            one.ms["bookmark"].append(float(s))
        one.errors["dismiss"] += k
        one.samples.setdefault("dismiss", f"timeout in {k}")
        total.merge(pickle.loads(pickle.dumps(one.parts())))  # noqa: S301 - as between processes
    assert sorted(total.ms["bookmark"]) == [float(s) for s in students]
    assert total.errors["dismiss"] == sum(range(len(groups)))
    assert total.samples["dismiss"] == "timeout in 0"
