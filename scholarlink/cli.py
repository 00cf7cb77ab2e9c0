"""`scholarlink …`: operator tasks from the command line."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from scholarlink.settings import load_settings_or_exit


def _migrate(_: argparse.Namespace) -> int:
    from scholarlink.db import DatabaseUnavailable, ping
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
    from scholarlink.db import session_scope
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
        "version": f"synthetic-{args.seed}-{args.count}",
        "notes": "Synthetic benchmark catalogue; not real scholarships.",
        "scholarships": list(synthetic_entries(args.count, seed=args.seed)),
    }
    Path(args.out).write_text(json.dumps(document, indent=1), encoding="utf-8")
    print(f"wrote {args.count} synthetic entries to {args.out}")
    return 0


def _create_user(args: argparse.Namespace) -> int:
    from scholarlink.db import session_scope
    from scholarlink.services.accounts import create_user
    from scholarlink.services.errors import ServiceError

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scholarlink", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=_migrate)

    catalogue = sub.add_parser("catalogue", help="scholarship catalogue").add_subparsers(
        dest="catalogue_command", required=True
    )
    load = catalogue.add_parser("load", help="load (upsert) a catalogue file")
    load.add_argument("--file", help="catalogue JSON (default: the shipped catalogue)")
    load.add_argument("--source", default="catalogue", choices=["catalogue", "synthetic"])
    load.set_defaults(func=_load_catalogue)
    synth = catalogue.add_parser("synthetic", help="write a seeded synthetic catalogue file")
    synth.add_argument("--count", type=int, default=10_000)
    synth.add_argument("--seed", type=int, default=1)
    synth.add_argument("--out", required=True)
    synth.set_defaults(func=_synthetic)

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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    load_settings_or_exit()
    from scholarlink.observability.logs import configure_logging

    configure_logging()
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
