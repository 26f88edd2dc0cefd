"""Resource state in SQLite (WAL) under the data dir.

Writes run one at a time on a dedicated writer thread, each inside its own transaction;
``await store.write(fn)`` returns once the transaction has committed, so anything a
handler acknowledges is on disk in the WAL and survives a SIGKILL of the server.

Point reads (an indexed lookup of one row, a bounded page of rows) run on the event-loop
thread through a separate read connection: with WAL they never wait for the writer and
take microseconds, less than a hop to a thread would. Scans that may touch many rows go
through :meth:`Store.query`, which runs on a reader thread.

Each service declares its own tables with :meth:`Store.add_schema` before the store opens;
every statement must be idempotent (``CREATE TABLE IF NOT EXISTS``).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # NORMAL in WAL mode: a commit is durable against a crash of the process (kill -9);
    # FULL (set when fsync is on) also against power loss.
    "PRAGMA synchronous={sync}",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA temp_store=MEMORY",
)


class Store:
    def __init__(self, path: Path, *, fsync: bool = True) -> None:
        self.path = path
        self._fsync = fsync
        self._schemas: list[str] = []
        self._writer_pool: ThreadPoolExecutor | None = None
        self._reader_pool: ThreadPoolExecutor | None = None
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._local = threading.local()
        self._thread_conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def add_schema(self, ddl: str) -> None:
        if self._writer is not None:
            raise RuntimeError("schemas must be added before the store opens")
        self._schemas.append(ddl)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        conn.row_factory = sqlite3.Row
        sync = "FULL" if self._fsync else "NORMAL"
        for pragma in _PRAGMAS:
            conn.execute(pragma.format(sync=sync))
        return conn

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer_pool = ThreadPoolExecutor(1, thread_name_prefix="store-writer")
        self._reader_pool = ThreadPoolExecutor(2, thread_name_prefix="store-reader")

        def init() -> sqlite3.Connection:
            conn = self._connect()
            for ddl in self._schemas:
                conn.executescript(ddl)
            return conn

        self._writer = await asyncio.get_running_loop().run_in_executor(self._writer_pool, init)
        self._reader = self._connect()

    async def close(self) -> None:
        if self._writer_pool is None:
            return
        writer = self._writer

        def close_writer() -> None:
            if writer is not None:
                writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                writer.close()

        await asyncio.get_running_loop().run_in_executor(self._writer_pool, close_writer)
        self._writer_pool.shutdown(wait=True)
        if self._reader_pool is not None:
            self._reader_pool.shutdown(wait=True)
        if self._reader is not None:
            self._reader.close()
        with self._lock:
            for conn in self._thread_conns:
                conn.close()
            self._thread_conns.clear()
        self._writer = self._reader = None
        self._writer_pool = self._reader_pool = None

    # -- writes ---------------------------------------------------------------------------

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` in one transaction on the writer thread; commit, then return."""
        assert self._writer_pool is not None, "store is not open"
        conn = self._writer
        assert conn is not None

        def run() -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

        return await asyncio.get_running_loop().run_in_executor(self._writer_pool, run)

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """One write statement in its own transaction; returns the number of rows changed."""
        return await self.write(lambda conn: conn.execute(sql, params).rowcount)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        await self.write(lambda conn: conn.executemany(sql, rows))

    # -- reads ----------------------------------------------------------------------------

    def read(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        """A bounded read on the calling (event-loop) thread."""
        assert self._reader is not None, "store is not open"
        return self._reader.execute(sql, params).fetchall()

    def read_one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        assert self._reader is not None, "store is not open"
        return self._reader.execute(sql, params).fetchone()

    async def query(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> list[sqlite3.Row]:
        """A read that may scan many rows, on a reader thread."""
        assert self._reader_pool is not None, "store is not open"

        def run() -> list[sqlite3.Row]:
            return self._thread_conn().execute(sql, params).fetchall()

        return await asyncio.get_running_loop().run_in_executor(self._reader_pool, run)

    def _thread_conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._thread_conns.append(conn)
        return conn
