"""Driving a server with one replayed request from N kept-alive clients for a fixed time.

The generator is ``wrk`` (C, epoll) with a Lua script that replays the pre-signed request
and counts every response's status; where wrk is missing and cannot be installed, the
fallback is bench/rawgen.py (asyncio protocols on raw sockets, its own process), which
also drives HEAD requests: wrk 4.1 waits for a body after a HEAD response's
Content-Length. Either way a run with any non-2xx response or socket error raises: a
bench of errors is no bench.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.cpus import confined
from bench.signing import ReplayRequest

BENCH_DIR = Path(__file__).resolve().parent
RESULT_MARKER = "BENCH-RESULT "
#: A response slower than this counts as a timeout error.
TIMEOUT_S = 10


class LoadError(RuntimeError):
    """The run saw failed requests, or the generator itself failed."""


@dataclass
class LoadResult:
    generator: str
    connections: int
    duration_s: float
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    statuses: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    #: CPU the generator process used, in cores (1.0 = one CPU busy all the time).
    generator_cpu_cores: float | None = None

    def failures(self) -> list[str]:
        bad = [f"{n} x HTTP {c}" for c, n in self.statuses.items() if not c.startswith("2")]
        bad += [f"{n} x {kind} error" for kind, n in self.errors.items() if n]
        if self.requests == 0:
            bad.append("no request completed")
        return bad

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def lua_string(value: str) -> str:
    """A Lua string literal for any text (decimal escapes for anything not printable)."""
    out = []
    for byte in value.encode("latin-1"):
        char = chr(byte)
        if char in '"\\':
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def wrk_script(request: ReplayRequest) -> str:
    """The Lua script: replay one request; count statuses per thread; print JSON at the end."""
    headers = ",\n".join(
        f"  [{lua_string(k)}] = {lua_string(v)}" for k, v in request.wire_headers().items()
    )
    body = lua_string(request.body.decode("latin-1")) if request.body else "nil"
    return f"""
local method = {lua_string(request.method)}
local path = {lua_string(request.target)}
local headers = {{
{headers}
}}
local body = {body}
local threads = {{}}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {{}}
  prepared = wrk.format(method, path, headers, body)
end

function request()
  return prepared
end

function response(status, hdrs, resp_body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {{}}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do
      counts[code] = (counts[code] or 0) + n
    end
  end
  local parts = {{}}
  for code, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    '{RESULT_MARKER}{{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"mean_us": %f, "max_us": %d, "statuses": {{%s}}, "errors": {{"connect": %d, ' ..
    '"read": %d, "write": %d, "timeout": %d}}}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, latency.max, table.concat(parts, ", "),
    e.connect, e.read, e.write, e.timeout))
end
"""


def parse_result(output: str, generator: str, connections: int) -> LoadResult:
    for line in output.splitlines():
        if line.startswith(RESULT_MARKER):
            data = json.loads(line[len(RESULT_MARKER) :])
            break
    else:
        raise LoadError(f"{generator} printed no result:\n{output[-2000:]}")
    duration_s = data["duration_us"] / 1e6
    return LoadResult(
        generator=generator,
        connections=connections,
        duration_s=duration_s,
        requests=data["requests"],
        rps=data["requests"] / duration_s if duration_s else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        mean_ms=data["mean_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        statuses={str(k): v for k, v in data["statuses"].items()},
        errors=data["errors"],
    )


def ensure_wrk() -> str | None:
    """wrk's path; installed with apt-get when missing and we are root, else None."""
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("bench: installing wrk with apt-get", file=sys.stderr, flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        if subprocess.run(cmd, env=env, capture_output=True, check=False).returncode != 0:
            return None
    return shutil.which("wrk")


class LoadGenerator:
    """One generator for the whole run, so every server is driven the same way."""

    def __init__(self, prefer: str = "auto", cpu: int | None = None) -> None:
        #: The one CPU the generator runs on (None: wherever the scheduler puts it).
        self.cpu = cpu
        self.wrk = ensure_wrk() if prefer in {"auto", "wrk"} else None
        if prefer == "wrk" and not self.wrk:
            raise LoadError("wrk was asked for and is not installed (and cannot be)")
        self.name = "wrk" if self.wrk else "rawgen"

    def describe(self) -> str:
        if self.wrk:
            version = subprocess.run(
                [self.wrk, "--version"], capture_output=True, text=True, check=False
            ).stdout.split(" [")[0]
            return f"{version.strip()} -t1 with a Lua status check (HEAD: bench/rawgen.py)"
        return "bench/rawgen.py (asyncio raw sockets, own process)"

    def run(self, request: ReplayRequest, connections: int, duration_s: int) -> LoadResult:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = self._run_once(request, connections, duration_s)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        result.generator_cpu_cores = used / result.duration_s if result.duration_s else None
        failures = result.failures()
        if failures:
            raise LoadError(
                f"{request.method} {request.url} with {connections} clients: " + ", ".join(failures)
            )
        return result

    def _run_once(self, request: ReplayRequest, connections: int, duration_s: int) -> LoadResult:
        if self.wrk and request.method != "HEAD":
            return self._run_wrk(request, connections, duration_s)
        return self._run_rawgen(request, connections, duration_s)

    def _run_wrk(self, request: ReplayRequest, connections: int, duration_s: int) -> LoadResult:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(wrk_script(request))
        try:
            # One wrk thread: the servers are single-process, the machine small, and the
            # ceiling check shows one thread drives far more than either server needs.
            cmd = [
                self.wrk,
                "-t1",
                f"-c{connections}",
                f"-d{duration_s}s",
                f"--timeout={TIMEOUT_S}s",
                "-s",
                script.name,
                request.origin,
            ]
            proc = subprocess.run(
                confined(cmd, self.cpu),
                capture_output=True,
                text=True,
                timeout=duration_s + 60,
                check=False,
            )
        finally:
            os.unlink(script.name)
        if proc.returncode != 0:
            raise LoadError(f"wrk exited {proc.returncode}: {proc.stderr.strip()}")
        return parse_result(proc.stdout, "wrk", connections)

    def _run_rawgen(self, request: ReplayRequest, connections: int, duration_s: int) -> LoadResult:
        spec = json.dumps(
            {
                "request": request.to_json(),
                "connections": connections,
                "duration_s": duration_s,
                "timeout_s": TIMEOUT_S,
            }
        )
        proc = subprocess.run(
            confined([sys.executable, str(BENCH_DIR / "rawgen.py")], self.cpu),
            input=spec,
            capture_output=True,
            text=True,
            timeout=duration_s + 60,
            check=False,
        )
        if proc.returncode != 0:
            raise LoadError(f"rawgen exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
        return parse_result(proc.stdout, "rawgen", connections)
