from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from irisops.core.store import Store

SCHEMA = "CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);"


async def open_store(path: Path) -> Store:
    store = Store(path / "state.db", fsync=False)
    store.add_schema(SCHEMA)
    await store.open()
    return store


async def test_write_then_read_sees_the_commit(tmp_path: Path) -> None:
    store = await open_store(tmp_path)
    await store.execute("INSERT INTO kv VALUES (?, ?)", ("a", "1"))
    row = store.read_one("SELECT v FROM kv WHERE k = ?", ("a",))
    assert row is not None and row["v"] == "1"
    assert [r["k"] for r in await store.query("SELECT k FROM kv")] == ["a"]
    await store.close()


async def test_failed_write_rolls_back_whole_transaction(tmp_path: Path) -> None:
    store = await open_store(tmp_path)

    def two_inserts(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO kv VALUES ('x', '1')")
        conn.execute("INSERT INTO kv VALUES ('x', '2')")  # primary key clash

    with pytest.raises(sqlite3.IntegrityError):
        await store.write(two_inserts)
    assert store.read("SELECT * FROM kv") == []
    await store.close()


async def test_concurrent_writes_are_serialized(tmp_path: Path) -> None:
    store = await open_store(tmp_path)
    await store.execute("INSERT INTO kv VALUES ('n', '0')")

    def increment(conn: sqlite3.Connection) -> None:
        value = int(conn.execute("SELECT v FROM kv WHERE k='n'").fetchone()[0])
        conn.execute("UPDATE kv SET v = ? WHERE k='n'", (str(value + 1),))

    await asyncio.gather(*(store.write(increment) for _ in range(200)))
    assert store.read_one("SELECT v FROM kv WHERE k='n'")["v"] == "200"
    await store.close()


def test_schema_after_open_is_refused(tmp_path: Path) -> None:
    async def run() -> None:
        store = await open_store(tmp_path)
        with pytest.raises(RuntimeError):
            store.add_schema(SCHEMA)
        await store.close()

    asyncio.run(run())


CHILD = """
import asyncio, os, signal, sys
from pathlib import Path
from irisops.core.store import Store
async def main():
    store = Store(Path(sys.argv[1]) / "state.db", fsync=False)
    store.add_schema("CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);")
    await store.open()
    for i in range(50):
        await store.execute("INSERT INTO kv VALUES (?, ?)", (str(i), "v"))
    print("acknowledged", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
asyncio.run(main())
"""


def test_acknowledged_writes_survive_sigkill(tmp_path: Path) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert child.returncode == -9
    assert "acknowledged" in child.stdout

    async def check() -> int:
        store = await open_store(tmp_path)
        count = store.read_one("SELECT count(*) AS n FROM kv")["n"]
        await store.close()
        return count

    assert asyncio.run(check()) == 50
