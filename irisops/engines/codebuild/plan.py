"""Everything a runner needs to know about one build, fixed when the build starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class BuildPlan:
    build_id: str
    uuid: str
    arn: str
    account: str
    region: str
    project_name: str
    build_number: int
    work_dir: Path
    source_type: str
    source_location: str = ""
    source_version: str = ""
    #: Project or override buildspec: inline YAML or a path in the source (None: default).
    buildspec: str | None = None
    #: ``[(name, value)]`` in precedence order (later wins): project, then override.
    variables: list[tuple[str, str]] = field(default_factory=list)
    image: str = ""
    privileged: bool = False
    timeout_seconds: float = 3600.0
    initiator: str = ""
    log_group: str = ""
    log_stream: str = ""
    #: Project artifacts: ``{"type", "location", "path", "name", "namespaceType",
    #: "packaging", "overrideArtifactName"}``.
    artifacts: dict[str, object] = field(default_factory=dict)
    #: CodePipeline: input artifact zips (bucket, key) and the output artifact's.
    input_artifacts: list[tuple[str, str]] = field(default_factory=list)
    output_artifact: tuple[str, str] | None = None
    #: CodePipeline: the source revision (commit) the input artifact was made from.
    resolved_source_version: str = ""
    #: CodeCommit clone URL base (``http://localhost:PORT``), injectable for tests.
    git_base_url: str = ""

    @property
    def src_dir(self) -> Path:
        return self.work_dir / "src"
