"""Buildspec v0.2 parsing and validation: what a build runs, and the YAML_FILE_ERROR
reasons for what CodeBuild refuses."""

from __future__ import annotations

import pytest

from irisops.engines.buildspec.spec import BuildspecError, parse_buildspec

FULL = """
version: 0.2
env:
  shell: bash
  variables:
    NAME: iris
    COUNT: 3
    FLAG: true
    PYTHON: 3.10
  exported-variables:
    - IMAGE_TAG
phases:
  install:
    runtime-versions:
      python: 3.12
    commands:
      - pip --version
  pre_build:
    on-failure: CONTINUE
    commands:
      - echo pre
  build:
    run-as: root
    commands:
      - make
    finally:
      - echo cleanup
  post_build:
    commands: []
reports:
  unit:
    files: ['*.xml']
artifacts:
  files:
    - '**/*'
  base-directory: dist
  discard-paths: yes
  name: app.zip
  exclude-paths:
    - '**/*.log'
"""


def test_full_buildspec_parses() -> None:
    spec = parse_buildspec(FULL)
    assert spec.version == "0.2"
    assert spec.shell == "/bin/bash"
    assert spec.variables == {"NAME": "iris", "COUNT": "3", "FLAG": "true", "PYTHON": "3.10"}
    assert spec.exported_variables == ["IMAGE_TAG"]
    assert list(spec.phases) == ["install", "pre_build", "build", "post_build"]
    assert spec.phases["install"].commands == ["pip --version"]
    assert spec.phases["pre_build"].on_failure == "CONTINUE"
    assert spec.phases["build"].on_failure == "ABORT"
    assert spec.phases["build"].finally_commands == ["echo cleanup"]
    assert spec.phases["post_build"].commands == []
    assert spec.artifacts is not None
    assert spec.artifacts.files == ["**/*"]
    assert spec.artifacts.base_directory == "dist"
    assert spec.artifacts.discard_paths is True
    assert spec.artifacts.name == "app.zip"
    assert spec.artifacts.exclude_paths == ["**/*.log"]


def test_defaults() -> None:
    spec = parse_buildspec(
        "version: 0.2\nenv:\nphases:\n  install:\n  build:\n    commands:\n      - echo hi\n"
    )
    assert spec.phases["install"].commands == []
    assert spec.shell == "/bin/sh"
    assert spec.variables == {}
    assert spec.artifacts is None
    assert spec.phases["build"].finally_commands == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("version: 0.2\nphases:\n  build:\n    commands:\n   - x\n  bad", "yaml: line"),
        ("- a\n- b\n", "must be a YAML mapping"),
        ("phases:\n  build:\n    commands: [x]\n", "missing top-level key 'version'"),
        ("version: 0.3\n", "invalid buildspec version"),
        ("version: 0.1\n", "0.1 is not supported"),
        ("version: 0.2\nphases:\n  deploy:\n    commands: [x]\n", "unknown phase 'deploy'"),
        ("version: 0.2\nphases:\n  build:\n    comands: [x]\n", "unknown key 'comands'"),
        ("version: 0.2\nphases:\n  build:\n    commands: echo\n", "must be a list"),
        ("version: 0.2\nphases:\n  build:\n    commands: [{a: b}]\n", "entries must be strings"),
        (
            "version: 0.2\nphases:\n  build:\n    on-failure: RETRY_LATER\n    commands: [x]\n",
            "on-failure must be ABORT or CONTINUE",
        ),
        ("version: 0.2\nenv:\n  shell: zsh\n", "unsupported env.shell 'zsh'"),
        ("version: 0.2\nenv:\n  variables: [A]\n", "'env.variables' must be a mapping"),
        ("version: 0.2\nenv:\n  variables:\n    A: {b: c}\n", "'env.variables.A' must be"),
        ("version: 0.2\nenv:\n  exported-variables: [AWS_X]\n", "may not start with AWS_"),
        ("version: 0.2\nartifacts:\n  name: x\n", "'artifacts.files' is required"),
        ("version: 0.2\nphases: [build]\n", "'phases' must be a mapping"),
    ],
)
def test_invalid_buildspecs_say_why(text: str, reason: str) -> None:
    with pytest.raises(BuildspecError) as info:
        parse_buildspec(text)
    assert reason in str(info.value)


def test_single_file_string_is_a_list() -> None:
    spec = parse_buildspec("version: 0.2\nartifacts:\n  files: out.txt\n")
    assert spec.artifacts is not None and spec.artifacts.files == ["out.txt"]
