"""The help screen: what each pane shows and the keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# irisops dashboard

Live view of an irisops server: every pane re-reads its data when the server's event
stream (`/_irisops/events`) says it changed, at most a few times a second.

| key | does |
| --- | --- |
| `1`…`6` | CI/CD, Registry, Jobs, Endpoints, Predict, Approvals (`7` Scenario) |
| `↑` `↓` / mouse | select a row (its log or details follow) |
| `a` / `x` | approve / reject the selected approval |
| `r` | re-read every pane |
| `t` | light / dark theme |
| `ctrl+p` | command palette |
| `?` | this help (`escape` closes it) |
| `q` | quit |

- **CI/CD**: each pipeline's latest executions, stages Source → Build in colour
  (✔ done, ● running, ✘ failed, ○ not reached), commit, time; the selected
  execution's build log, live.
- **Registry**: ECR repositories and images: tags, digest, size, push time.
- **Jobs**: training, processing and transform jobs: status, secondary status,
  duration, final metrics; the selected job's log, live.
- **Endpoints**: status, variants, instances and their health, invocations, errors,
  p50/p99 latency; the selected endpoint's p99 as a sparkline.
- **Predict**: four iris features (or a sample), an endpoint: the species and latency.
- **Approvals**: manual approvals waiting in CodePipeline.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP)
