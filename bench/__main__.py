"""python -m bench [matching|agent|ui|load|ws] — run the benchmarks (all by default)."""

from __future__ import annotations

import sys

from bench import agent, load, matching, ui, ws

SUITES = {
    "matching": matching.main,
    "agent": agent.main,
    "ui": ui.main,
    "load": load.main,
    "ws": ws.main,
}

if __name__ == "__main__":
    names = sys.argv[1:] or list(SUITES)
    for name in names:
        SUITES[name]()
