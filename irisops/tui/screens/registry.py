"""Registry: ECR repositories with each image's tags, digest, size and push time."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from irisops.tui.data.registry import ImageRow, RepositoryRow, registry
from irisops.tui.data.timing import clock, size
from irisops.tui.widgets.pane import LivePane
from irisops.tui.widgets.resource_table import ResourceTable

COLUMNS = ["Repository", "Tags", "Digest", "Size", "Pushed"]


class RegistryPane(LivePane):
    topic = "registry"

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-notice")
        yield Static(id="repositories", classes="pane-summary")
        yield ResourceTable(COLUMNS, "no repository yet", id="images")

    def fetch(self) -> tuple[list[RepositoryRow], list[ImageRow]]:
        return registry(self.aws)

    def show(self, data: tuple[list[RepositoryRow], list[ImageRow]]) -> None:
        repos, images = data
        self.query_one("#repositories", Static).update(
            f"{len(repos)} repositories, {len(images)} images"
            + (f"  ·  {repos[0].uri.rsplit('/', 1)[0]}/…" if repos else "")
        )
        rows = [
            (
                image.key,
                [
                    image.repository,
                    ", ".join(image.tags) or "<untagged>",
                    image.digest.removeprefix("sha256:")[:12],
                    size(image.size),
                    clock(image.pushed),
                ],
            )
            for image in images
        ]
        imaged = {image.repository for image in images}
        rows += [
            (f"{r.name}@", [r.name, "(no images)", "", "", ""])
            for r in repos
            if r.name not in imaged
        ]
        self.query_one(ResourceTable).set_rows(rows)
