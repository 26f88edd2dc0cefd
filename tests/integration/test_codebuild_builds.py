"""CodeBuild builds through boto3 against the real server: buildspecs really run on the
host, with CodeBuild's variables, logs in CloudWatch Logs and artifacts in S3."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from tests.integration.codebuild_helpers import (
    ENVIRONMENT,
    create_project,
    log_lines,
    phase_statuses,
    process_gone,
    wait_build,
    wait_log_line,
    zip_bytes,
)

ACCOUNT = "123456789012"

FULL_SPEC = """version: 0.2
env:
  shell: bash
  variables:
    FROM_SPEC: spec
    OVERRIDDEN: by-spec
  exported-variables:
    - IMAGE_TAG
    - NEVER_SET
phases:
  install:
    commands:
      - mkdir -p out/nested && cd out
      - export STAGE=installed
  pre_build:
    commands:
      - echo "cwd=$(basename $PWD) stage=$STAGE"
  build:
    commands:
      - echo "$FROM_SPEC $FROM_PROJECT $OVERRIDDEN" > vars.txt
      - env | grep -E '^(CODEBUILD_|AWS_)' | sort > nested/env.txt
      - export IMAGE_TAG=v$CODEBUILD_BUILD_NUMBER
  post_build:
    commands:
      - echo "post succeeding=$CODEBUILD_BUILD_SUCCEEDING"
artifacts:
  files:
    - '**/*'
  base-directory: out
"""


def read_env(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines())


def test_no_source_build_runs_buildspec_with_variables_and_artifacts(client: Any) -> None:
    cb, s3, logs = client("codebuild"), client("s3"), client("logs")
    s3.create_bucket(Bucket="artifacts")
    create_project(
        cb,
        "full",
        FULL_SPEC,
        artifacts={
            "type": "S3",
            "location": "artifacts",
            "path": "builds",
            "name": "out.zip",
            "packaging": "ZIP",
            "namespaceType": "BUILD_ID",
        },
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "environmentVariables": [
                {"name": "FROM_PROJECT", "value": "project"},
                {"name": "OVERRIDDEN", "value": "by-project"},
            ],
        },
    )
    started = cb.start_build(
        projectName="full",
        sourceVersion="v-1",
        environmentVariablesOverride=[{"name": "OVERRIDDEN", "value": "by-override"}],
    )["build"]
    assert started["buildStatus"] == "IN_PROGRESS"
    assert started["id"].startswith("full:")
    build = wait_build(cb, started["id"])
    assert build["buildStatus"] == "SUCCEEDED", phase_statuses(build)
    assert build["currentPhase"] == "COMPLETED"
    assert build["buildNumber"] == 1
    assert build["sourceVersion"] == "v-1"
    assert build["initiator"] == "root"
    assert [p for p, _ in phase_statuses(build)] == [
        "SUBMITTED",
        "QUEUED",
        "PROVISIONING",
        "DOWNLOAD_SOURCE",
        "INSTALL",
        "PRE_BUILD",
        "BUILD",
        "POST_BUILD",
        "UPLOAD_ARTIFACTS",
        "FINALIZING",
        "COMPLETED",
    ]
    for phase in build["phases"][:-1]:
        assert phase["phaseStatus"] == "SUCCEEDED"
        assert phase["durationInSeconds"] >= 0
        assert phase["endTime"] >= phase["startTime"]
    assert build["exportedEnvironmentVariables"] == [
        {"name": "IMAGE_TAG", "value": "v1"},
        {"name": "NEVER_SET", "value": ""},
    ]
    uuid = build["id"].split(":", 1)[1]
    key = f"builds/{uuid}/out.zip"
    assert build["artifacts"]["location"] == f"arn:aws:s3:::artifacts/{key}"
    body = s3.get_object(Bucket="artifacts", Key=key)["Body"].read()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert sorted(archive.namelist()) == ["nested/env.txt", "vars.txt"]
        assert archive.read("vars.txt") == b"spec project by-override\n"
        env = read_env(archive.read("nested/env.txt").decode())
    assert env["CODEBUILD_BUILD_ID"] == build["id"]
    assert env["CODEBUILD_BUILD_ARN"] == build["arn"]
    assert env["CODEBUILD_BUILD_NUMBER"] == "1"
    assert env["CODEBUILD_SOURCE_VERSION"] == "v-1"
    assert env["CODEBUILD_BUILD_SUCCEEDING"] == "1"
    assert env["CODEBUILD_BUILD_IMAGE"] == "aws/codebuild/standard:7.0"
    assert env["CODEBUILD_LOG_PATH"] == uuid
    assert env["CODEBUILD_START_TIME"].isdigit()
    assert env["CODEBUILD_SRC_DIR"].endswith(f"{uuid}/src")
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_ACCESS_KEY_ID"] == ACCOUNT
    assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")

    assert build["logs"]["groupName"] == "/aws/codebuild/full"
    assert build["logs"]["streamName"] == uuid
    assert "deepLink" in build["logs"]
    lines = log_lines(logs, build)
    assert any(
        line.startswith("[Container] ") and "Running on irisops" in line for line in lines[:3]
    )
    assert any(line.endswith("Running command export STAGE=installed") for line in lines)
    assert "cwd=out stage=installed" in lines
    assert "post succeeding=1" in lines
    assert any(line.endswith("Phase complete: BUILD State: SUCCEEDED") for line in lines)


def test_s3_source_is_unzipped_with_modes_and_files_upload_unzipped(client: Any) -> None:
    cb, s3 = client("codebuild"), client("s3")
    s3.create_bucket(Bucket="src")
    s3.create_bucket(Bucket="out")
    spec = (
        "version: 0.2\nphases:\n  build:\n    commands:\n      - ./make.sh\n"
        "artifacts:\n  files:\n    - dist/*\n  discard-paths: yes\n"
    )
    source = zip_bytes(
        {
            "buildspec.yml": (spec, 0o644),
            "make.sh": ("#!/bin/sh\nmkdir -p dist && echo built > dist/app.txt\n", 0o755),
        }
    )
    s3.put_object(Bucket="src", Key="app/source.zip", Body=source)
    create_project(
        cb,
        "from-s3",
        source={"type": "S3", "location": "src/app/source.zip"},
        artifacts={"type": "S3", "location": "out", "name": "files"},
    )
    build = wait_build(cb, cb.start_build(projectName="from-s3")["build"]["id"])
    assert build["buildStatus"] == "SUCCEEDED", phase_statuses(build)
    assert s3.get_object(Bucket="out", Key="files/app.txt")["Body"].read() == b"built\n"


def test_failing_command_fails_its_phase_and_post_build_and_finally_still_run(client: Any) -> None:
    cb, logs = client("codebuild"), client("logs")
    spec = """version: 0.2
phases:
  build:
    commands:
      - echo first
      - exit 7
      - echo never-printed
    finally:
      - echo "finally succeeding=$CODEBUILD_BUILD_SUCCEEDING"
  post_build:
    commands:
      - echo "post succeeding=$CODEBUILD_BUILD_SUCCEEDING"
"""
    create_project(cb, "failing", spec)
    build = wait_build(cb, cb.start_build(projectName="failing")["build"]["id"])
    assert build["buildStatus"] == "FAILED"
    assert phase_statuses(build)[6:] == [
        ("BUILD", "FAILED"),
        ("POST_BUILD", "SUCCEEDED"),
        ("UPLOAD_ARTIFACTS", "SUCCEEDED"),
        ("FINALIZING", "SUCCEEDED"),
        ("COMPLETED", None),
    ]
    assert build["phases"][6]["contexts"] == [
        {
            "statusCode": "COMMAND_EXECUTION_ERROR",
            "message": "Error while executing command: exit 7. Reason: exit status 7",
        }
    ]
    lines = log_lines(logs, build)
    assert "never-printed" not in lines
    assert "finally succeeding=0" in lines
    assert "post succeeding=0" in lines
    assert any(
        line.endswith("Command did not exit successfully exit 7 exit status 7") for line in lines
    )


def test_aws_cli_and_boto3_inside_a_build_reach_irisops(client: Any) -> None:
    cb, s3, logs = client("codebuild"), client("s3"), client("logs")
    s3.create_bucket(Bucket="visible-from-build")
    spec = """version: 0.2
phases:
  build:
    commands:
      - aws s3 ls
      - aws sts get-caller-identity --query Account --output text
      - python3 -c "import boto3; print('boto3', [b['Name'] for b in $LIST])"
      - echo made-in-build > f.txt && aws s3 cp f.txt s3://visible-from-build/f.txt
"""
    create_project(
        cb,
        "uses-aws",
        spec,
        environment={
            **ENVIRONMENT,
            "environmentVariables": [
                {"name": "LIST", "value": "boto3.client('s3').list_buckets()['Buckets']"}
            ],
        },
    )
    build = wait_build(cb, cb.start_build(projectName="uses-aws")["build"]["id"])
    lines = log_lines(logs, build)
    assert build["buildStatus"] == "SUCCEEDED", lines
    assert any(line.endswith(" visible-from-build") for line in lines)
    assert ACCOUNT in lines
    assert "boto3 ['visible-from-build']" in lines
    body = s3.get_object(Bucket="visible-from-build", Key="f.txt")["Body"].read()
    assert body == b"made-in-build\n"


def test_docker_without_privileged_mode_fails_readably(client: Any) -> None:
    cb, logs = client("codebuild"), client("logs")
    spec = "version: 0.2\nphases:\n  build:\n    commands:\n      - docker build -t x .\n"
    create_project(cb, "no-docker", spec)
    build = wait_build(cb, cb.start_build(projectName="no-docker")["build"]["id"])
    assert build["buildStatus"] == "FAILED"
    assert (
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
        "Is the docker daemon running?"
    ) in log_lines(logs, build)


def test_stop_build_ends_the_process_tree(client: Any) -> None:
    cb, logs = client("codebuild"), client("logs")
    spec = (
        "version: 0.2\nphases:\n  build:\n    commands:\n"
        "      - sleep 300 & echo SLEEPER=$! ; wait\n"
    )
    create_project(cb, "long", spec)
    build_id = cb.start_build(projectName="long")["build"]["id"]
    pid = int(wait_log_line(logs, cb, build_id, "SLEEPER=").split("=")[1])
    assert not process_gone(pid, wait_s=0)
    stopped = cb.stop_build(id=build_id)["build"]
    assert stopped["id"] == build_id
    build = wait_build(cb, build_id)
    assert build["buildStatus"] == "STOPPED"
    assert ("BUILD", "STOPPED") in phase_statuses(build)
    assert phase_statuses(build)[-2:] == [("FINALIZING", "SUCCEEDED"), ("COMPLETED", None)]
    assert process_gone(pid)


def test_listings_build_numbers_and_deletion(client: Any) -> None:
    cb = client("codebuild")
    create_project(cb, "listed", "version: 0.2\nphases:\n  build:\n    commands:\n      - 'true'\n")
    create_project(cb, "other", "version: 0.2\n")
    ids = [cb.start_build(projectName="listed")["build"]["id"] for _ in range(3)]
    other = cb.start_build(projectName="other")["build"]["id"]
    builds = [wait_build(cb, build_id) for build_id in [*ids, other]]
    assert [b["buildNumber"] for b in builds] == [1, 2, 3, 1]
    assert cb.list_builds_for_project(projectName="listed")["ids"] == ids[::-1]
    assert cb.list_builds_for_project(projectName="listed", sortOrder="ASCENDING")["ids"] == ids
    assert cb.list_builds()["ids"] == [other, *ids[::-1]]
    got = cb.batch_get_builds(ids=[ids[0], "listed:nope"])
    assert [b["id"] for b in got["builds"]] == [ids[0]]
    assert got["buildsNotFound"] == ["listed:nope"]
    deleted = cb.batch_delete_builds(ids=[ids[0]])
    assert deleted["buildsDeleted"] == [ids[0]]
    assert cb.list_builds_for_project(projectName="listed")["ids"] == ids[:0:-1]


def test_project_api_and_errors(client: Any) -> None:
    cb = client("codebuild")
    created = create_project(cb, "api")
    assert created["arn"] == f"arn:aws:codebuild:us-east-1:{ACCOUNT}:project/api"
    try:
        create_project(cb, "api")
    except cb.exceptions.ResourceAlreadyExistsException as exc:
        assert exc.response["Error"]["Message"] == f"Project already exists: {created['arn']}"
    else:
        raise AssertionError("duplicate CreateProject succeeded")
    updated = cb.update_project(name="api", description="changed")["project"]
    assert updated["description"] == "changed"
    assert cb.batch_get_projects(names=["api", "ghost"])["projectsNotFound"] == ["ghost"]
    assert cb.list_projects()["projects"] == ["api"]
    try:
        cb.start_build(projectName="ghost")
    except cb.exceptions.ResourceNotFoundException as exc:
        assert "Project cannot be found" in exc.response["Error"]["Message"]
    else:
        raise AssertionError("StartBuild of a missing project succeeded")
    try:
        cb.stop_build(id="nonsense")
    except cb.exceptions.InvalidInputException as exc:
        assert exc.response["Error"]["Message"] == "Invalid build ID provided"
    else:
        raise AssertionError("StopBuild of a malformed id succeeded")
    cb.delete_project(name="api")
    assert cb.list_projects()["projects"] == []


def test_initiator_is_the_iam_user_that_started_the_build(client: Any) -> None:
    iam = client("iam")
    iam.create_user(UserName="ci-bot")
    key = iam.create_access_key(UserName="ci-bot")["AccessKey"]
    cb = client(
        "codebuild",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    create_project(cb, "by-user")
    assert cb.start_build(projectName="by-user")["build"]["initiator"] == "ci-bot"


def test_retry_build_runs_the_same_settings_again(client: Any) -> None:
    cb, logs = client("codebuild"), client("logs")
    create_project(cb, "retried", "version: 0.2\n")
    spec = (
        "version: 0.2\nphases:\n  build:\n    commands:\n"
        '      - echo "v=$CODEBUILD_SOURCE_VERSION x=$X"\n'
    )
    first = cb.start_build(
        projectName="retried",
        buildspecOverride=spec,
        sourceVersion="abc",
        environmentVariablesOverride=[{"name": "X", "value": "1"}],
    )["build"]
    wait_build(cb, first["id"])
    again = wait_build(cb, cb.retry_build(id=first["id"])["build"]["id"])
    assert again["id"] != first["id"]
    assert again["buildNumber"] == 2
    assert again["buildStatus"] == "SUCCEEDED"
    assert "v=abc x=1" in log_lines(logs, again)
    try:
        cb.retry_build(id="retried:00000000-0000-0000-0000-000000000000")
    except cb.exceptions.ResourceNotFoundException:
        pass
    else:
        raise AssertionError("RetryBuild of a missing build succeeded")
