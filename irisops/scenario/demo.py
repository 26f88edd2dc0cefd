"""``irisops demo``: the iris scenario on an embedded server, printed as it runs."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

from irisops.scenario.console import ConsoleProgress, make_console
from irisops.scenario.iris import IrisScenario, Layout
from irisops.scenario.progress import ScenarioObserver
from irisops.sdk.stack import Stack

DEFAULT_BASE_IMAGE = "python:3.12-slim"


def checkout_root() -> Path:
    """The checkout this irisops runs from (it has containers/ and demo/)."""
    return Path(__file__).resolve().parents[2]


def base_image_for(root: Path, given: str | None) -> str:
    """--base-image, else IRISOPS_BASE_IMAGE, else what scripts/setup.sh recorded."""
    if given:
        return given
    if name := os.environ.get("IRISOPS_BASE_IMAGE", "").strip():
        return name
    recorded = root / ".irisops" / "base-image"
    if recorded.is_file() and (words := recorded.read_text().split()):
        return words[0]
    return DEFAULT_BASE_IMAGE


def image_is_local(image: str) -> bool:
    try:
        done = subprocess.run(
            ["docker", "image", "inspect", image], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def make_scenario(
    *,
    endpoint: str | None = None,
    root: Path | None = None,
    base_image: str | None = None,
    observer: ScenarioObserver | None = None,
    keep_server: bool = False,
) -> IrisScenario:
    """The scenario ``irisops demo`` runs (the dashboard can run the same one with its
    own observer): on a new embedded server, or on the one at ``endpoint``."""
    root = root or checkout_root()
    stack = Stack.attach(endpoint) if endpoint else Stack()
    return IrisScenario(
        stack=stack,
        base_image=base_image_for(root, base_image),
        layout=Layout.of_checkout(root),
        observer=observer or ConsoleProgress(),
        keep_server=keep_server,
    )


def run_demo(
    endpoint: str | None = None,
    root: Path | None = None,
    base_image: str | None = None,
    keep: bool = False,
) -> int:
    """Run the scenario with the console printer; 0 when every step passed, else 1.
    With ``keep`` the server stays up afterwards until Ctrl-C."""
    console = make_console()
    scenario = make_scenario(
        endpoint=endpoint,
        root=root,
        base_image=base_image,
        observer=ConsoleProgress(console),
        keep_server=keep,
    )
    if problem := not_ready(scenario):
        console.print(f"irisops demo: {problem}", highlight=False)
        return 1
    console.print(
        f"irisops demo: the iris scenario end to end (base image {scenario.base_image})",
        highlight=False,
    )
    # SIGTERM (a CI job cancelled, `timeout`) ends the demo as Ctrl-C does: the server
    # and every container it started are stopped, nothing is left behind.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        summary = asyncio.run(scenario.run())
        if keep and scenario.stack.owns_server:
            wait_for_ctrl_c(scenario.stack, console)
    except KeyboardInterrupt:
        scenario.stack.stop()
        console.print("irisops demo: interrupted; the server and its containers are stopped")
        return 130
    return 0 if summary.ok else 1


def not_ready(scenario: IrisScenario) -> str | None:
    """Why the scenario cannot run here, or None."""
    layout = scenario.layout
    missing = [
        p for p in (layout.containers / "training", layout.demo / "iris.csv") if not p.exists()
    ]
    if missing:
        return f"{missing[0]} is missing; run it from an irisops checkout"
    if not image_is_local(scenario.base_image):
        return (
            f"the base image {scenario.base_image} is not in the local Docker engine (or no "
            "engine answers); run `bash scripts/setup.sh` first"
        )
    return None


def run_demo_in_dashboard(
    endpoint: str | None = None,
    root: Path | None = None,
    base_image: str | None = None,
    light: bool = False,
) -> int:
    """``irisops demo --tui``: the same scenario, watched in the dashboard (its Scenario
    pane, and every other pane once the scenario's server is up). The server stays up
    until the dashboard is quit; 0 when every step passed, else 1."""
    from irisops.tui import run

    scenario = make_scenario(endpoint=endpoint, root=root, base_image=base_image, keep_server=True)
    if problem := not_ready(scenario):
        print(f"irisops demo: {problem}", file=sys.stderr)
        return 1
    return run(None, scenario=scenario, light=light)


def wait_for_ctrl_c(stack: Stack, console: Console) -> None:
    console.print(
        f"irisops demo: the server keeps running on {stack.endpoint_url} "
        f"(AWS_ENDPOINT_URL={stack.endpoint_url}); Ctrl-C stops it",
        highlight=False,
    )
    try:
        while stack.server is not None and stack.server.proc is not None:
            if stack.server.proc.poll() is not None:
                break
            time.sleep(0.5)
    finally:
        stack.stop()
