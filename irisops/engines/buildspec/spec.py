"""Parsing and validating a buildspec (version 0.2) into plain dataclasses.

A buildspec that does not parse or does not follow the v0.2 layout raises
:class:`BuildspecError`; CodeBuild reports it as a ``YAML_FILE_ERROR`` failure of the
DOWNLOAD_SOURCE phase, and so does the runner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

COMMAND_PHASES = ("install", "pre_build", "build", "post_build")
SHELLS = {"bash": "/bin/bash", "/bin/bash": "/bin/bash", "sh": "/bin/sh", "/bin/sh": "/bin/sh"}
ON_FAILURE = ("ABORT", "CONTINUE")
DEFAULT_SHELL = "/bin/sh"


class BuildspecError(ValueError):
    """A buildspec CodeBuild would refuse (``YAML_FILE_ERROR``)."""


@dataclass
class PhaseSpec:
    commands: list[str] = field(default_factory=list)
    finally_commands: list[str] = field(default_factory=list)
    on_failure: str = "ABORT"


@dataclass
class ArtifactsSpec:
    files: list[str] = field(default_factory=list)
    exclude_paths: list[str] = field(default_factory=list)
    base_directory: str = ""
    discard_paths: bool = False
    name: str | None = None


@dataclass
class Buildspec:
    version: str
    shell: str = DEFAULT_SHELL
    variables: dict[str, str] = field(default_factory=dict)
    exported_variables: list[str] = field(default_factory=list)
    phases: dict[str, PhaseSpec] = field(default_factory=dict)
    artifacts: ArtifactsSpec | None = None


def parse_buildspec(text: str) -> Buildspec:
    try:
        # Every scalar stays the string it was written as (``3.10`` is not ``3.1``), as
        # CodeBuild reads its string-typed buildspec fields.
        doc = yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        raise BuildspecError(f"yaml: {_yaml_reason(exc)}") from exc
    if not isinstance(doc, dict):
        raise BuildspecError("buildspec must be a YAML mapping with a version")
    version = _value(doc.get("version"))
    if version is None:
        raise BuildspecError("missing top-level key 'version'")
    if not isinstance(version, str) or version not in ("0.2", "0.1"):
        raise BuildspecError(f"invalid buildspec version {version!r}: expected 0.2")
    if version == "0.1":
        raise BuildspecError("buildspec version 0.1 is not supported by irisops: use 0.2")
    spec = Buildspec(version="0.2")
    _parse_env(_value(doc.get("env")), spec)
    phases = _value(doc.get("phases"))
    if phases is not None:
        if not isinstance(phases, dict):
            raise BuildspecError("'phases' must be a mapping of phase names")
        for name, body in phases.items():
            if name not in COMMAND_PHASES:
                raise BuildspecError(
                    f"unknown phase {name!r} in phases: expected one of {', '.join(COMMAND_PHASES)}"
                )
            spec.phases[name] = _parse_phase(name, body)
    if _value(doc.get("artifacts")) is not None:
        spec.artifacts = _parse_artifacts(doc["artifacts"])
    return spec


def _value(value: Any) -> Any:
    """None for a key written without a value (the base loader reads it as "")."""
    return None if value == "" else value


def _yaml_reason(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return f"line {mark.line + 1}: {problem}" if mark is not None else problem


def _parse_env(env: Any, spec: Buildspec) -> None:
    if env is None:
        return
    if not isinstance(env, dict):
        raise BuildspecError("'env' must be a mapping")
    shell = _value(env.get("shell"))
    if shell is not None:
        if shell not in SHELLS:
            raise BuildspecError(f"unsupported env.shell {shell!r}: expected bash or /bin/sh")
        spec.shell = SHELLS[shell]
    variables = _value(env.get("variables"))
    if variables is not None:
        if not isinstance(variables, dict):
            raise BuildspecError("'env.variables' must be a mapping of names to values")
        spec.variables = {str(k): _scalar("env.variables", k, v) for k, v in variables.items()}
    exported = _value(env.get("exported-variables"))
    if exported is not None:
        spec.exported_variables = _string_list("env.exported-variables", exported)
        for name in spec.exported_variables:
            if name.startswith("AWS_"):
                raise BuildspecError(f"exported variable {name!r}: names may not start with AWS_")


def _scalar(where: str, key: Any, value: Any) -> str:
    if isinstance(value, dict | list):
        raise BuildspecError(f"'{where}.{key}' must be a string value")
    return str(value)


def _string_list(where: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise BuildspecError(f"'{where}' must be a list")
    out = []
    for item in value:
        if isinstance(item, dict | list):
            raise BuildspecError(f"'{where}' entries must be strings, got {item!r}")
        out.append(str(item))
    return out


def _parse_phase(name: str, body: Any) -> PhaseSpec:
    if _value(body) is None:
        return PhaseSpec()
    if not isinstance(body, dict):
        raise BuildspecError(f"phase {name!r} must be a mapping with 'commands'")
    phase = PhaseSpec()
    for key, value in body.items():
        if key == "commands":
            phase.commands = _string_list(f"phases.{name}.commands", _value(value) or [])
        elif key == "finally":
            phase.finally_commands = _string_list(f"phases.{name}.finally", _value(value) or [])
        elif key == "on-failure":
            if value not in ON_FAILURE:
                raise BuildspecError(
                    f"phases.{name}.on-failure must be ABORT or CONTINUE, got {value!r}"
                )
            phase.on_failure = value
        elif (key == "runtime-versions" and name == "install") or key == "run-as":
            continue  # the tools and the user of the host or image are what they are
        else:
            raise BuildspecError(f"unknown key {key!r} in phase {name!r}")
    return phase


def _parse_artifacts(body: Any) -> ArtifactsSpec:
    if not isinstance(body, dict):
        raise BuildspecError("'artifacts' must be a mapping")
    files = _value(body.get("files"))
    if files is None:
        raise BuildspecError("'artifacts.files' is required when 'artifacts' is given")
    if isinstance(files, str):
        files = [files]
    artifacts = ArtifactsSpec(files=_string_list("artifacts.files", files))
    excluded = _value(body.get("exclude-paths"))
    if excluded is not None:
        if isinstance(excluded, str):
            excluded = [excluded]
        artifacts.exclude_paths = _string_list("artifacts.exclude-paths", excluded)
    base = _value(body.get("base-directory"))
    if base is not None:
        artifacts.base_directory = str(base)
    artifacts.discard_paths = str(body.get("discard-paths", "no")).lower() in ("yes", "true")
    if _value(body.get("name")) is not None:
        artifacts.name = str(body["name"])
    return artifacts
