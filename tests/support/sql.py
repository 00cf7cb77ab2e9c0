"""What a block of code sends to the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from scholarlink.core.db import get_engine


@contextmanager
def statements_sent() -> Iterator[list[str]]:
    """The SQL statements the app's engine sends inside the block, in order."""
    sent: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        sent.append(statement)

    engine = get_engine()
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
