"""The one way to reach the database: a cached engine, a transactional session scope, and
`use_case`, which gives each public service function its own transaction.

A use case is written as `def f(session, *, ...)`. Called with no session, it opens one, commits
on success and rolls back on any error: that is how pages, shared state, HTTP routes and agent
capabilities call it. Called with the caller's session (another use case composing it into one
atomic unit: finishing a task and queueing its callback; fulfilling a purchase and booking its
credits), it only flushes into that transaction and the outermost caller commits.

A use case that only reads (`read_use_case`: who holds a session, what a page shows) runs its
statements without a transaction of its own (`read_scope`): on PostgreSQL that saves the BEGIN
and COMMIT round trips of every websocket event (each statement already read the latest
committed data under READ COMMITTED), on SQLite it takes no write lock, so readers never queue
behind writers (WAL lets them read beside one). A write slipped into one commits by itself."""

from __future__ import annotations

import functools
import select
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from scholarlink.core.errors import NotFound
from scholarlink.core.settings import get_settings


class DatabaseUnavailable(RuntimeError):
    """The configured database cannot be reached; the message is one line for an operator."""


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


READS_ONLY = "scholarlink_reads_only"  # an execution option of the reading engine


def _begin_immediate(conn: sa.Connection) -> None:
    if not conn.get_execution_options().get(READS_ONLY):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def build_engine(url: str, *, pool_size: int = 5) -> Engine:
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        # Take the write lock at BEGIN so concurrent writers queue instead of deadlocking.
        sa.event.listen(engine, "begin", _begin_immediate)
        _disable_pysqlite_autobegin(engine)
    else:
        engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)
        sa.event.listen(engine, "checkout", _discard_if_closed_by_server)
    return engine


def _discard_if_closed_by_server(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    """At checkout, a pooled PostgreSQL connection the server has ended (a restart, an idle
    timeout, pg_terminate_backend) is swapped for a new one (the pool retries on
    DisconnectionError), as `pool_pre_ping` would do — without its round trip on every
    checkout (one per use case, several per websocket event): an idle connection has nothing
    to read unless the server sent its goodbye or closed the socket, which `poll` sees
    locally."""
    if dbapi_conn.closed:
        raise sa.exc.DisconnectionError("connection closed")
    poller = select.poll()
    poller.register(dbapi_conn.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    if poller.poll(0):
        raise sa.exc.DisconnectionError("the server ended the connection")


def _disable_pysqlite_autobegin(engine: Engine) -> None:
    # pysqlite issues its own BEGIN; hand transaction control to SQLAlchemy (documented recipe).
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    settings = get_settings()
    return build_engine(settings.database_url, pool_size=settings.database_pool_size)


@lru_cache(maxsize=1)
def _reading_engine(engine: Engine) -> Engine:
    """The engine's pool, its connections used without a transaction: PostgreSQL's in
    autocommit; SQLite's driver already runs without one of its own (see above), and the
    BEGIN IMMEDIATE of writers is not sent."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{READS_ONLY: True})
    return engine.execution_options(isolation_level="AUTOCOMMIT", **{READS_ONLY: True})


def reset_engine() -> None:
    """Dispose of the cached engine (tests switch databases; the CLI after migrations)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    _reading_engine.cache_clear()


@contextmanager
def _scope(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def session_scope() -> AbstractContextManager[Session]:
    """A session whose transaction commits on success and rolls back on any error."""
    return _scope(get_engine())


def read_scope() -> AbstractContextManager[Session]:
    """A session for reading: each statement on its own, no transaction to begin or commit
    (a change left in the session is flushed at the end, each statement committing itself)."""
    return _scope(_reading_engine(get_engine()))


def ping(engine: Engine | None = None) -> float:
    """Round-trip a trivial query; returns latency in milliseconds or raises DatabaseUnavailable."""
    engine = engine or get_engine()
    start = time.perf_counter()
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        raise DatabaseUnavailable(describe_db_error(exc)) from exc
    return (time.perf_counter() - start) * 1000


def describe_db_error(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    url = sa.engine.make_url(get_settings().database_url)
    return f"database {url.render_as_string(hide_password=True)} is unreachable: {first}"


P = ParamSpec("P")
R = TypeVar("R")


class UseCase(Generic[P, R]):
    """A service function that owns its transaction unless it is given the caller's."""

    def __init__(self, fn: Callable[Concatenate[Session, P], R], *, reads: bool = False) -> None:
        self._fn = fn
        self._scope = read_scope if reads else session_scope
        functools.update_wrapper(self, fn)

    def __call__(self, session: Session | None = None, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if session is not None:
            return self._fn(session, *args, **kwargs)
        with self._scope() as own:
            return self._fn(own, *args, **kwargs)

    def __get__(self, obj: Any, objtype: Any = None) -> UseCase[P, R]:
        return self


def use_case(fn: Callable[Concatenate[Session, P], R]) -> UseCase[P, R]:
    return UseCase(fn)


def read_use_case(fn: Callable[Concatenate[Session, P], R]) -> UseCase[P, R]:
    """A use case that only reads: called on its own it runs in `read_scope`; given the
    caller's session it reads within the caller's transaction."""
    return UseCase(fn, reads=True)


T = TypeVar("T")


def owned(
    session: Session,
    model: type[T],
    row_id: int,
    *,
    owner_id: int,
    what: str,
    owner_field: str = "user_id",
) -> T:
    """The row `row_id` of `model` if it belongs to `owner_id`; otherwise NotFound ("No such
    <what>"), the same answer whether the row is someone else's or does not exist, so ids reveal
    nothing. The one ownership check every service uses."""
    row = session.get(model, row_id)
    if row is None or getattr(row, owner_field) != owner_id:
        raise NotFound(f"No such {what}")
    return row


def update_owned(
    session: Session,
    model: type[Any],
    row_id: int,
    *,
    owner_id: int,
    what: str,
    values: dict[str, Any],
    returning: tuple[str, ...],
    also: tuple[sa.ColumnElement[Any], ...] = (),
    owner_field: str = "user_id",
) -> sa.Row[*tuple[Any, ...]]:
    """Change the row `row_id` of `model` only if it belongs to `owner_id`, in one statement
    (`UPDATE … WHERE id AND owner … RETURNING` the columns named in `returning`), and return
    what it returns; otherwise NotFound, the same answer as `owned`. For a change that needs no
    object: the ownership check and the write are one round trip instead of a read of the
    whole row and a flush. Objects of that row already held by `session` are not refreshed.
    `also`: expressions returned after those columns (a scalar subquery of a related row),
    built once by the caller."""
    statement = _owned_update(model.__table__, owner_field, tuple(values), returning, also)
    found = session.connection().execute(
        statement, {**values, "row_id_": row_id, "owner_id_": owner_id}
    )
    row = found.first()
    if row is None:
        raise NotFound(f"No such {what}")
    return row


@cache
def _owned_update(
    table: sa.Table,
    owner_field: str,
    names: tuple[str, ...],
    returning: tuple[str, ...],
    also: tuple[sa.ColumnElement[Any], ...],
) -> sa.Update:
    """`update_owned`'s statement, built once (its values are bound parameters)."""
    return (
        sa.update(table)
        .where(
            table.c.id == sa.bindparam("row_id_"),
            table.c[owner_field] == sa.bindparam("owner_id_"),
        )
        .values({name: sa.bindparam(name) for name in names})
        .returning(*(table.c[name] for name in returning), *also)
    )


@cache
def insert_unless_present(table: sa.Table, key: str, dialect: str) -> sa.Insert:
    """`INSERT … ON CONFLICT (key) DO NOTHING RETURNING key` on `table` for `dialect`, built
    once (its values are the execute parameters, so the compiled form is reused): a row is
    returned only when one was inserted."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=[key]).returning(table.c[key])
