"""Running the app: bind, announce readiness, stop cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
import tempfile
from pathlib import Path

from aiohttp import web

from irisops.config import Config
from irisops.gateway.app import FAST_ROUTES, make_app
from irisops.gateway.fast_lane import GatewaySite

log = logging.getLogger("irisops")


async def serve(config: Config, ready_message: bool = True) -> None:
    if config.ephemeral:
        config.data_dir = Path(tempfile.mkdtemp(prefix="irisops-"))
    app = make_app(config)
    runner = web.AppRunner(
        app,
        access_log=log if config.log_level == "DEBUG" else None,
        handle_signals=False,
        shutdown_timeout=10,
        # Bodies reach handlers as sent: an S3 object PUT with Content-Encoding: gzip is
        # stored as those gzip bytes, as S3 stores it; the git bridge inflates its own.
        auto_decompress=False,
    )
    await runner.setup()
    site = GatewaySite(runner, config.host, config.port, app[FAST_ROUTES], backlog=1024)
    await site.start()
    server = site._server
    assert server is not None
    config.port = server.sockets[0].getsockname()[1]  # the real port when 0 was asked
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if ready_message:
        print(f"irisops ready on {config.endpoint_url}", flush=True)
    log.info("data dir %s", config.data_dir)
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        await runner.cleanup()
