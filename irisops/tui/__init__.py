"""The Textual dashboard: ``irisops tui [--endpoint URL]``.

``run(endpoint)`` attaches to the server at ``endpoint``; without one it attaches to
the default endpoint when a server answers there, or starts an embedded one (a child
``irisops serve --ephemeral``, stopped when the dashboard exits). With ``scenario`` (an
object with ``run(progress)``, see ``irisops.tui.scenario``) the dashboard opens on a
Scenario pane that runs and draws it; ``run`` then returns 1 if the scenario failed.
"""

from __future__ import annotations

import sys
from typing import Any

from irisops.tui.aws import Aws


def run(
    endpoint: str | None,
    *,
    default_endpoint: str = "",
    scenario: Any = None,
    light: bool = False,
) -> int:
    """Run the dashboard until it is quit; 1 if the server is missing or the given
    scenario failed, else 0."""
    from irisops.sdk.server import ServerProcess
    from irisops.tui.app import IrisOpsApp
    from irisops.tui.scenario import endpoint_of, stop_server

    embedded: ServerProcess | None = None
    url: str | None
    if endpoint:
        if not Aws(endpoint).answers():
            print(f"irisops tui: no irisops server answers at {endpoint}", file=sys.stderr)
            return 1
        url = endpoint
    elif scenario is not None:
        url = endpoint_of(scenario)  # else: attached once the scenario's server is up
    elif default_endpoint and Aws(default_endpoint).answers():
        url = default_endpoint
    else:
        print("irisops tui: starting an embedded server…", file=sys.stderr)
        embedded = ServerProcess().start()
        url = embedded.url
    app = IrisOpsApp(url, scenario=scenario, light=light)
    try:
        app.run()
    finally:
        if embedded is not None:
            embedded.stop()
        if scenario is not None:
            stop_server(scenario)
    return 1 if app.scenario_outcome == "failed" else 0
