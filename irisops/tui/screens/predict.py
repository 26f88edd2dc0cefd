"""Predict: four iris features (typed, or a sample of each species), an endpoint, the
prediction and its latency, and a running history."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Select, Static

from irisops.tui.data.endpoints import in_service
from irisops.tui.data.predict import FEATURES, SAMPLES, Prediction, predict
from irisops.tui.data.timing import clock
from irisops.tui.handoff import hand_to_app
from irisops.tui.widgets.pane import LivePane
from irisops.tui.widgets.resource_table import ResourceTable
from irisops.tui.widgets.status import STYLES

COLUMNS = ["At", "Endpoint", "Features", "Prediction", "Latency"]


class PredictPane(LivePane):
    topic = "predict"

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-notice")
        yield Select[str]([], prompt="endpoint (InService)", id="endpoint")
        with Horizontal(id="features"):
            for index, label in enumerate(FEATURES):
                yield Input(placeholder=label, id=f"feature-{index}", type="number")
        with Horizontal(id="predict-buttons"):
            for species in SAMPLES:
                yield Button(species, id=f"sample-{species}", classes="sample")
            yield Button("Predict", id="predict-button", variant="primary")
        yield Static("fill the features or pick a sample", id="prediction")
        yield ResourceTable(COLUMNS, "no prediction yet", id="history")

    def on_mount(self) -> None:
        self.history: list[Prediction] = []

    def focus_main(self) -> None:
        self.query_one("#predict-button", Button).focus()

    def fetch(self) -> list[str]:
        return in_service(self.aws)

    def show(self, data: list[str]) -> None:
        if data == getattr(self, "endpoints", None):
            return  # unchanged: leave the choice (and an open list) alone
        self.endpoints = data
        select = self.query_one("#endpoint", Select)
        current = select.value
        select.set_options((name, name) for name in data)
        if current in data:
            select.value = current
        elif data:
            select.value = data[0]

    @on(Button.Pressed, ".sample")
    def _sample(self, event: Button.Pressed) -> None:
        species = str(event.button.label)
        self.fill(SAMPLES[species])

    def fill(self, features: list[float]) -> None:
        for index, value in enumerate(features):
            self.query_one(f"#feature-{index}", Input).value = f"{value:g}"

    @on(Button.Pressed, "#predict-button")
    @on(Input.Submitted)
    def _predict(self) -> None:
        self.action_predict()

    def action_predict(self) -> None:
        select = self.query_one("#endpoint", Select)
        result = self.query_one("#prediction", Static)
        if not isinstance(select.value, str):
            result.update("no endpoint InService to ask")
            return
        try:
            features = [
                float(self.query_one(f"#feature-{i}", Input).value) for i in range(len(FEATURES))
            ]
        except ValueError:
            result.update("four numbers are needed (or pick a sample)")
            return
        result.update(f"asking {select.value}…")
        self._invoke(select.value, features)

    @work(thread=True, exit_on_error=False, group="predict")
    def _invoke(self, endpoint: str, features: list[float]) -> None:
        outcome = predict(self.aws, endpoint, features)
        hand_to_app(self.app, self._predicted, outcome)

    def _predicted(self, outcome: Prediction) -> None:
        result = self.query_one("#prediction", Static)
        if outcome.error:
            result.update(Text(outcome.error, style=STYLES["bad"]))
        else:
            result.update(
                Text.assemble(
                    (outcome.species, STYLES["good"]),
                    f" from {outcome.endpoint} in {outcome.latency_ms:.1f} ms",
                )
            )
        self.history.insert(0, outcome)
        self.query_one(ResourceTable).set_rows(
            (
                str(len(self.history) - index),
                [
                    clock(p.at),
                    p.endpoint,
                    " ".join(f"{x:g}" for x in p.features),
                    p.species or "error",
                    f"{p.latency_ms:.1f} ms",
                ],
            )
            for index, p in enumerate(self.history)
        )
