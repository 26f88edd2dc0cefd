"""Keys, the command palette, the mouse and the theme, on an app drawing no server."""

from __future__ import annotations

import subprocess
import sys

from irisops.tui.app import DARK, LIGHT, IrisOpsApp
from irisops.tui.screens.help import HelpScreen
from tests.tui.fixed_state import URL, fill
from tests.tui.scene import screen_text, until


async def test_number_keys_switch_panes_and_move_focus_into_them() -> None:
    app = IrisOpsApp(URL, live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.active_tab == "cicd" and app.focused is not None
        for key, tab in zip(
            "234561", ["registry", "jobs", "endpoints", "predict", "approvals", "cicd"], strict=True
        ):
            await pilot.press(key)
            assert app.active_tab == tab
            assert app.focused is not None and tab in {n.id for n in app.focused.ancestors if n.id}
        await pilot.press("7")  # no scenario: nothing happens
        assert app.active_tab == "cicd"


async def test_approve_keys_show_only_on_the_approvals_pane() -> None:
    app = IrisOpsApp(URL, live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "Approve" not in screen_text(app)
        await pilot.press("6")
        await pilot.pause()
        assert "a Approve" in screen_text(app) and "x Reject" in screen_text(app)
        await pilot.press("a")  # nothing selected: said so, nothing sent
        await pilot.pause()
        assert "select a waiting approval first" in screen_text(app)


async def test_command_palette_switches_pane_and_theme() -> None:
    app = IrisOpsApp(URL, live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"Show Registry")
        await until(pilot, lambda: "Switch to the Registry pane" in screen_text(app), "the command")
        await pilot.press("enter")
        await until(pilot, lambda: app.active_tab == "registry", "the Registry pane")
        assert app.theme == DARK
        await pilot.press("t")
        assert app.theme == LIGHT
        await pilot.press("t")
        assert app.theme == DARK


async def test_mouse_selects_tabs_and_rows_and_help_opens() -> None:
    app = IrisOpsApp(URL, live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        fill(app)
        await pilot.click("#--content-tab-endpoints")
        assert app.active_tab == "endpoints"
        await pilot.pause()
        assert "iris  config iris-config-2" in screen_text(app)
        await pilot.click("#endpoint-table", offset=(2, 2))  # the second row
        await until(pilot, lambda: "iris-canary  config iris-canary-2" in screen_text(app), "row")
        assert "✘ out" in screen_text(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


def test_tui_command_says_when_no_server_answers() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "irisops", "tui", "--endpoint", "http://127.0.0.1:9"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "no irisops server answers at http://127.0.0.1:9" in done.stderr
