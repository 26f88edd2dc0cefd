"""SVG snapshots of the main screens at 80x24, drawn from a fixed state (no server, no
clock), compared with the SVGs committed in tests/tui/snapshots/. A change in what a
screen shows fails the test; after a deliberate change, regenerate them with
``IRISOPS_UPDATE_SNAPSHOTS=1 pytest tests/tui/test_snapshots.py`` and review the diff."""

from __future__ import annotations

import difflib
import os
import re
import time
from pathlib import Path

import pytest

from irisops.tui.app import IrisOpsApp
from irisops.tui.data import timing
from tests.tui.fixed_state import URL, at, fill
from tests.tui.scene import screen_text

SNAPSHOTS = Path(__file__).parent / "snapshots"
SIZE = (80, 24)
SCREENS = [
    ("cicd", "1", False),
    ("registry", "2", False),
    ("jobs", "3", False),
    ("endpoints", "4", False),
    ("predict", "5", False),
    ("approvals", "6", False),
    ("endpoints-light", "4", True),
    ("help", "question_mark", False),
]


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mask the clock: times are printed in local time (made UTC here) and a running
    execution's duration counts to now (made a fixed moment)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(timing, "now", lambda: at(600))


def normalised(svg: str) -> str:
    # Rich names the SVG's CSS classes after a hash of the whole content: a change
    # anywhere renames them all. Give them stable names so a diff shows what changed.
    return re.sub(r"terminal-\d+", "terminal", svg)


@pytest.mark.parametrize(("name", "key", "light"), SCREENS, ids=[s[0] for s in SCREENS])
async def test_screen_matches_its_snapshot(
    name: str, key: str, light: bool, tmp_path: Path
) -> None:
    app = IrisOpsApp(URL, live=False, light=light)
    async with app.run_test(size=SIZE) as pilot:
        fill(app)
        await pilot.press(key)
        await pilot.pause(0.2)
        await pilot.wait_for_scheduled_animations()
        svg = normalised(app.export_screenshot(title=f"irisops tui: {name}"))
        text = screen_text(app)
    expected_path = SNAPSHOTS / f"{name}.svg"
    if os.environ.get("IRISOPS_UPDATE_SNAPSHOTS") == "1":
        expected_path.write_text(svg)
        (SNAPSHOTS / f"{name}.txt").write_text(text)
    assert expected_path.exists(), (
        f"no snapshot {expected_path}: run with IRISOPS_UPDATE_SNAPSHOTS=1"
    )
    expected_text = (SNAPSHOTS / f"{name}.txt").read_text()
    if svg != expected_path.read_text():
        actual = tmp_path / f"{name}.svg"
        actual.write_text(svg)
        diff = "\n".join(
            difflib.unified_diff(
                expected_text.splitlines(), text.splitlines(), "snapshot", "now", lineterm=""
            )
        )
        pytest.fail(f"{name} differs from {expected_path} (now: {actual})\n{diff or '(styles)'}")
