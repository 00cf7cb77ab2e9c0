"""`scholarlink …`: operator tasks from the command line."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from scholarlink.core.settings import load_settings_or_exit


def _migrate(_: argparse.Namespace) -> int:
    from scholarlink.core.db import DatabaseUnavailable, ping
    from scholarlink.migrations import current_revisions, upgrade_to_head

    try:
        ping()
    except DatabaseUnavailable as exc:
        print(f"scholarlink: {exc}", file=sys.stderr)
        return 2
    upgrade_to_head()
    print(f"database at revision {', '.join(sorted(current_revisions())) or '(none)'}")
    return 0


def _load_catalogue(args: argparse.Namespace) -> int:
    from scholarlink.core.db import session_scope
    from scholarlink.services.catalogue import (
        DEFAULT_CATALOGUE,
        CatalogueFileError,
        load_catalogue,
        parse_catalogue,
    )

    path = Path(args.file) if args.file else DEFAULT_CATALOGUE
    try:
        parsed = parse_catalogue(path)
    except CatalogueFileError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    with session_scope() as session:
        report = load_catalogue(session, parsed.entries, version=parsed.version, source=args.source)
    print(
        f"catalogue {report.version}: {report.inserted} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.deactivated} deactivated"
    )
    return 0


def _synthetic(args: argparse.Namespace) -> int:
    from scholarlink.services.synthetic import synthetic_entries

    document = {
        "format": 2,
        "notes": "Synthetic benchmark catalogue; not real scholarships.",
        "entries": list(synthetic_entries(args.count, seed=args.seed)),
    }
    Path(args.out).write_text(json.dumps(document, indent=1), encoding="utf-8")
    print(f"wrote {args.count} synthetic entries to {args.out}")
    return 0


def _reports(args: argparse.Namespace) -> int:
    from scholarlink.services.catalogue import list_reports

    rows = list_reports(status=args.status)
    for report, slug in rows:
        line = f"#{report.id} {report.created_at:%Y-%m-%d} {slug} [{report.what}] {report.message}"
        if report.correct_value:
            line += f" | correct: {report.correct_value}"
        if report.link:
            line += f" | {report.link}"
        print(line)
    print(f"{len(rows)} {args.status} report(s)")
    return 0


def _create_user(args: argparse.Namespace) -> int:
    from scholarlink.core.db import session_scope
    from scholarlink.core.errors import ServiceError
    from scholarlink.services.accounts import create_user

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass()
    try:
        with session_scope() as session:
            user = create_user(
                session, email=args.email, password=password, display_name=args.name or ""
            )
    except ServiceError as exc:
        print(f"scholarlink: {exc.message}", file=sys.stderr)
        return 1
    print(f"created user {user.email} (student id {user.public_id})")
    return 0


def _worker(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from scholarlink.agent.runtime import run_standalone_worker
    from scholarlink.core.settings import get_settings

    if get_settings().bridge_mode == "disabled":
        print(
            "scholarlink: the agent bridge is disabled (SHARED_SECRET is not set)", file=sys.stderr
        )
        return 2

    if args.metrics_port:
        # The worker's own task, delivery and AI counters, for Prometheus to scrape.
        from prometheus_client import start_http_server

        from scholarlink.observability.exposition import multiprocess_registry

        start_http_server(
            args.metrics_port, addr=args.metrics_host, registry=multiprocess_registry()
        )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_standalone_worker(stop)

    from scholarlink.core import heap

    heap.settle()  # what the imports built stays out of full collections (scholarlink.core.heap)
    asyncio.run(main())
    return 0


def _dead_letters(_: argparse.Namespace) -> int:
    from scholarlink.agent import outbox
    from scholarlink.core.db import session_scope

    with session_scope() as session:
        rows = [outbox.message_view(m) for m in outbox.dead_letters(session, limit=1000)]
    if not rows:
        print("no dead letters")
    for r in rows:
        print(
            f"{r['id']:>6}  {r['kind']:<9} {r['message_id']:<60} attempts={r['attempts']} last={r['last_status_code'] or r['last_error']}"
        )
    return 0


def _replay(args: argparse.Namespace) -> int:
    from scholarlink.agent import outbox
    from scholarlink.core.db import session_scope

    with session_scope() as session:
        msg = outbox.replay(session, args.id)
    if msg is None:
        print(f"scholarlink: no dead letter with id {args.id}", file=sys.stderr)
        return 1
    print(f"message {args.id} ({msg.message_id}) queued for delivery")
    return 0


def _notify_run(args: argparse.Namespace) -> int:
    import json

    from scholarlink.services import notify

    print(json.dumps(notify.run_pass().as_dict(), sort_keys=True))
    return 0


def _notify_failed(args: argparse.Namespace) -> int:
    from scholarlink.core.db import session_scope
    from scholarlink.services import mail

    with session_scope() as session:
        rows = mail.failed_mails(session)
        counts = mail.mail_counts(session)
        for row in rows:
            print(
                f"{row.id}\t{row.kind}\t{row.to_address}\t{row.attempts} attempts\t"
                f"{row.last_error or ''}\t{row.created_at:%Y-%m-%d %H:%M}"
            )
    print(
        f"{len(rows)} failed; outbox: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    return 0


def _notify_retry(args: argparse.Namespace) -> int:
    from scholarlink.core.db import session_scope
    from scholarlink.core.errors import ServiceError
    from scholarlink.services import mail

    try:
        with session_scope() as session:
            mail.retry_failed(session, mail_id=args.id)
    except ServiceError as exc:
        print(f"scholarlink: {exc.message}", file=sys.stderr)
        return 1
    print(f"mail {args.id} queued again")
    return 0


def _grant(args: argparse.Namespace) -> int:
    import uuid

    from scholarlink.core.db import session_scope
    from scholarlink.core.errors import ServiceError
    from scholarlink.core.settings import get_settings
    from scholarlink.services import students
    from scholarlink.services.credits import MILLI, post_entry

    if args.credits <= 0:
        print("scholarlink: --credits must be positive", file=sys.stderr)
        return 1
    try:
        with session_scope() as session:
            if args.student == get_settings().agent_billing_user:
                user = students.agent_account(session)
            else:
                user = students.find_student(session, args.student)
            assert user.id is not None
            entry = post_entry(
                session,
                user_id=user.id,
                amount=args.credits * MILLI,
                kind="grant",
                reference=f"grant:{uuid.uuid4()}",
                description=args.reason,
            )
    except ServiceError as exc:
        print(f"scholarlink: {exc.message}", file=sys.stderr)
        return 1
    print(
        f"granted {args.credits:,} credits to {args.student}; balance {entry.balance_after // MILLI:,}"
    )
    return 0


def _cc_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from scholarlink.agent.simulator import CommandCenter
    from scholarlink.core.settings import get_settings

    settings = get_settings()
    if settings.shared_secret is None:
        print("scholarlink: set SHARED_SECRET (the same as the agent's)", file=sys.stderr)
        return 2
    cc = CommandCenter(settings.shared_secret.get_secret_value(), agent_id=settings.agent_id)
    print(f"Command Center simulator on http://127.0.0.1:{args.port} (agent {settings.agent_id})")
    uvicorn.run(cc.app(), host="127.0.0.1", port=args.port, log_level="info")
    return 0


def _cc_dispatch(args: argparse.Namespace) -> int:
    import httpx

    from scholarlink.agent.simulator import CommandCenter, task_body
    from scholarlink.core.settings import get_settings

    settings = get_settings()
    if settings.shared_secret is None:
        print("scholarlink: set SHARED_SECRET (the same as the agent's)", file=sys.stderr)
        return 2
    try:
        payload = json.loads(args.payload)
    except json.JSONDecodeError as exc:
        print(f"scholarlink: --payload is not JSON: {exc}", file=sys.stderr)
        return 1
    cc = CommandCenter(settings.shared_secret.get_secret_value(), agent_id=settings.agent_id)
    body = task_body(args.action, payload, reply_to=args.reply_to)
    try:
        response = cc.dispatch(args.agent.rstrip("/"), body)
    except httpx.HTTPError as exc:
        print(f"scholarlink: could not reach {args.agent}: {exc}", file=sys.stderr)
        return 1
    print(f"{response.status_code} {response.text}")
    if response.status_code != 202 or not args.wait:
        return 0 if response.status_code == 202 else 1
    import time

    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline:
        view = cc.status(args.agent.rstrip("/"), body["task_id"]).json()
        if view.get("status") in ("succeeded", "failed", "rejected", "canceled"):
            print(json.dumps(view, indent=2))
            return 0 if view["status"] == "succeeded" else 1
        time.sleep(0.3)
    print("scholarlink: no terminal state yet", file=sys.stderr)
    return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scholarlink", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=_migrate)

    catalogue = sub.add_parser("catalogue", help="scholarship catalogue").add_subparsers(
        dest="catalogue_command", required=True
    )
    load = catalogue.add_parser(
        "load", help="load (upsert) the catalogue: a directory of format-2 files, or one file"
    )
    load.add_argument("--file", help="catalogue JSON (default: the shipped catalogue)")
    load.add_argument("--source", default="catalogue", choices=["catalogue", "synthetic"])
    load.set_defaults(func=_load_catalogue)
    synth = catalogue.add_parser("synthetic", help="write a seeded synthetic catalogue file")
    synth.add_argument("--count", type=int, default=10_000)
    synth.add_argument("--seed", type=int, default=1)
    synth.add_argument("--out", required=True)
    synth.set_defaults(func=_synthetic)
    reports = catalogue.add_parser("reports", help="list students' reports of catalogue problems")
    reports.add_argument("--status", default="open")
    reports.set_defaults(func=_reports)

    user = sub.add_parser("user", help="accounts").add_subparsers(
        dest="user_command", required=True
    )
    create = user.add_parser("create", help="create a local account")
    create.add_argument("--email", required=True)
    create.add_argument("--name")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    create.set_defaults(func=_create_user)

    worker = sub.add_parser("worker", help="run the agent task worker and outbox on their own")
    worker.add_argument("--metrics-port", type=int, default=0, help="serve /metrics on this port")
    worker.add_argument("--metrics-host", default="0.0.0.0", help="address for --metrics-port")  # noqa: S104
    worker.set_defaults(func=_worker)

    agent = sub.add_parser("agent", help="agent bridge operations").add_subparsers(
        dest="agent_command", required=True
    )
    agent.add_parser("dead-letters", help="list outbound messages that gave up").set_defaults(
        func=_dead_letters
    )
    rep = agent.add_parser("replay", help="deliver a dead letter again")
    rep.add_argument("id", type=int)
    rep.set_defaults(func=_replay)

    notify_cmd = sub.add_parser(
        "notify", help="alerts, reminders and the mail outbox"
    ).add_subparsers(dest="notify_command", required=True)
    notify_cmd.add_parser(
        "run", help="one pass now: new matches, watchlist, reminders, digests, then send mail"
    ).set_defaults(func=_notify_run)
    notify_cmd.add_parser("failed", help="list mail that gave up after its retries").set_defaults(
        func=_notify_failed
    )
    retry = notify_cmd.add_parser("retry", help="queue a failed mail again")
    retry.add_argument("id", type=int)
    retry.set_defaults(func=_notify_retry)

    credits = sub.add_parser("credits", help="credit ledger").add_subparsers(
        dest="credits_command", required=True
    )
    grant = credits.add_parser("grant", help="grant credits (an admin ledger entry)")
    grant.add_argument("--student", required=True, help="student id, or the agent billing account")
    grant.add_argument("--credits", type=int, required=True)
    grant.add_argument("--reason", default="Admin grant")
    grant.set_defaults(func=_grant)

    cc = sub.add_parser("cc", help="the Command Center simulator").add_subparsers(
        dest="cc_command", required=True
    )
    serve = cc.add_parser("serve", help="receive registration, heartbeats, callbacks and events")
    serve.add_argument("--port", type=int, default=9000)
    serve.set_defaults(func=_cc_serve)
    dispatch = cc.add_parser("dispatch", help="sign and send one task to a running agent")
    dispatch.add_argument("--agent", default="http://127.0.0.1:8000")
    dispatch.add_argument("--action", required=True)
    dispatch.add_argument("--payload", default="{}")
    dispatch.add_argument("--reply-to", default="http://127.0.0.1:9000/orchestrator/tasks/callback")
    dispatch.add_argument(
        "--wait", type=float, default=30.0, help="seconds to wait for the result (0: don't)"
    )
    dispatch.set_defaults(func=_cc_dispatch)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    load_settings_or_exit()
    from scholarlink.observability.logs import configure_logging

    configure_logging()
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
