"""Floors the benchmarks compare against: the same work with nothing of ours in it.

- `fresh_database(url)`: an empty, migrated schema (SQLite: a temp file; PostgreSQL: the
  given database, emptied — never point it at a database you care about).
- `StaticServer`: recorded HTTP answers served as they are, in a process of its own, so a
  floor is the network and parsing only, not a fake marketplace's own work.
- `fetch_floor`: the same requests by a plain httpx client, each body `json.loads`-ed.
- `copy_rows` / `insert_floor` / `insert_rows`: the rows a run wrote, written again by
  DB-API `executemany` into the same schema, in as many transactions as the run committed
  (or in the caller's).
- `Timer`: wall and process CPU time together (the machine is shared: CPU is steadier).
"""

from __future__ import annotations

import json
import multiprocessing
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection as Pipe
from typing import Any

import httpx
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from adapters.db import migrate
from adapters.db.engine import make_engine

# --- the database ----------------------------------------------------------------------


def fresh_database(url: str | None) -> tuple[str, Callable[[], None]]:
    """(url, cleanup): a new SQLite file, or the PostgreSQL database `url` emptied."""
    if url is None:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/bench.db"
        migrate.upgrade(url)
        return url, tmp.cleanup
    if make_url(url).get_backend_name() != "postgresql":
        raise SystemExit("--database-url: PostgreSQL only (SQLite runs in a temp file)")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate.upgrade(url)
    return url, lambda: None


# --- timing ------------------------------------------------------------------------------


@dataclass
class Timed:
    wall: float = 0.0
    cpu: float = 0.0

    def line(self, n: int, unit: str) -> str:
        return f"{self.wall:6.2f}s wall {self.cpu:6.2f}s cpu = {n / self.wall:>8,.0f} {unit}/s"


class Timer:
    """`with Timer() as t:` then t.wall, t.cpu (this process, all its threads)."""

    def __enter__(self) -> Timed:
        self.timed = Timed()
        self._wall = time.perf_counter()
        self._cpu = time.process_time()
        return self.timed

    def __exit__(self, *exc: object) -> None:
        self.timed.wall = time.perf_counter() - self._wall
        self.timed.cpu = time.process_time() - self._cpu


def compare(label: str, ours: Timed, floor: Timed) -> str:
    """`label: ours / floor / ratio`, wall and CPU."""
    return (
        f"{label}: {ours.wall:.2f}s / {floor.wall:.2f}s / {ours.wall / floor.wall:.2f}x wall; "
        f"cpu {ours.cpu:.2f}s / {floor.cpu:.2f}s / {ours.cpu / max(floor.cpu, 1e-9):.2f}x"
    )


# --- HTTP --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class Recording(httpx.BaseTransport):
    """Passes requests to `inner`, keeping each request (path + query as sent, headers) and
    its answer, to serve again statically and to replay for the floor."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent: list[tuple[str, dict[str, str]]] = []
        self.answers: dict[str, Recorded] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        self.sent.append((path, dict(request.headers)))
        response = self.inner.handle_request(request)
        body = response.read()
        kept = [(k, v) for k, v in response.headers.items() if k.lower() == "content-type"]
        self.answers[path] = Recorded(response.status_code, tuple(kept), body)
        return httpx.Response(response.status_code, headers=response.headers, content=body)


def _serve_static(answers: Mapping[str, Recorded], conn: Pipe) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 64 * 1024  # headers and body in one segment
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            answer = answers.get(self.path)
            if answer is None:
                self.send_error(404, "not recorded")
                return
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    host, port = server.server_address[:2]
    conn.send(f"http://{host!s}:{port}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    conn.recv()  # until the parent is done
    server.shutdown()


class StaticServer:
    """`with StaticServer(answers) as base_url:` — answers by exact path + query."""

    def __init__(self, answers: Mapping[str, Recorded]) -> None:
        self.answers = dict(answers)

    def __enter__(self) -> str:
        self._conn, child = multiprocessing.Pipe()
        self._process = multiprocessing.Process(
            target=_serve_static, args=(self.answers, child), daemon=True
        )
        self._process.start()
        base_url: str = self._conn.recv()
        return base_url

    def __exit__(self, *exc: object) -> None:
        self._conn.send("done")
        self._process.join(timeout=5)


def fetch_floor(base_url: str, requests: Sequence[tuple[str, dict[str, str]]]) -> Timed:
    """The same requests (signed headers included) by a plain client; bodies json.loads-ed."""
    with httpx.Client(base_url=base_url) as client, Timer() as timed:
        for path, headers in requests:
            json.loads(client.get(path, headers=headers).content)
    return timed


# --- rows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rows:
    table: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def copy_rows(engine: Engine, tables: Sequence[str]) -> list[Rows]:
    """The rows of `tables` as the run left them (in id order), then emptied."""
    out = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table in tables:
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")
            columns = tuple(d[0] for d in cursor.description)
            out.append(Rows(table, columns, [tuple(r) for r in cursor.fetchall()]))
        for table in reversed(tables):
            cursor.execute(f"DELETE FROM {table}")
        raw.commit()
    finally:
        raw.close()
    return out


def _chunks(rows: list[tuple[Any, ...]], parts: int) -> Iterator[list[tuple[Any, ...]]]:
    size = -(-len(rows) // parts)
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _insert_sql(rows: Rows, mark: str) -> str:
    marks = ", ".join([mark] * len(rows.columns))
    return f"INSERT INTO {rows.table} ({', '.join(rows.columns)}) VALUES ({marks})"


def insert_rows(conn: Connection, tables: Sequence[Rows]) -> None:
    """Every row of `tables` inserted by `executemany`, in the caller's transaction."""
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    cursor = conn.connection.cursor()
    for rows in tables:
        if rows.rows:
            cursor.executemany(_insert_sql(rows, mark), rows.rows)


def insert_floor(engine: Engine, tables: Sequence[Rows], commits: int) -> Timed:
    """Every row of `tables` inserted again by `executemany`, cut into `commits`
    transactions (each one a slice of every table, in order)."""
    raw = engine.raw_connection()
    # Both drivers take "format"/"pyformat" or "qmark" placeholders.
    sqlite = engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    try:
        cursor = raw.cursor()
        statements = [_insert_sql(t, mark) for t in tables]
        parts = [list(_chunks(t.rows, commits)) for t in tables]
        with Timer() as timed:
            for i in range(commits):
                if sqlite:  # the engine's sqlite3 connections autocommit unless told
                    cursor.execute("BEGIN IMMEDIATE")
                for statement, chunks in zip(statements, parts, strict=True):
                    if i < len(chunks):
                        cursor.executemany(statement, chunks[i])
                raw.commit()
    finally:
        raw.close()
    return timed
