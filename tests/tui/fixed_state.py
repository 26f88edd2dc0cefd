"""A fixed state of every pane (as the data sources would read it), for snapshots:
no server, no clock, nothing that changes from one run to the next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from irisops.tui.app import IrisOpsApp
from irisops.tui.data.approvals import PendingApproval
from irisops.tui.data.cicd import ExecutionRow
from irisops.tui.data.endpoints import EndpointRow, Instance, Variant
from irisops.tui.data.jobs import JobRow
from irisops.tui.data.predict import Prediction
from irisops.tui.data.registry import ImageRow, RepositoryRow
from irisops.tui.screens.endpoints import EndpointsPane
from irisops.tui.screens.predict import PredictPane
from irisops.tui.widgets.log_tail import LogTail

URL = "http://127.0.0.1:4566"
T0 = datetime(2026, 12, 1, 9, 30, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


EXECUTIONS = [
    ExecutionRow(
        "iris-inference", "4b1f0c2e-0000", "InProgress", "9f3c2a1b",
        [("Source", "Succeeded"), ("Build", "InProgress")], at(300), at(304),
    ),
    ExecutionRow(
        "iris-training", "a83d9e77-0000", "Succeeded", "1c0ffee5",
        [("Source", "Succeeded"), ("Build", "Succeeded")], at(120), at(171),
    ),
    ExecutionRow(
        "iris-training", "77aa01bc-0000", "Failed", "0badc0de",
        [("Source", "Succeeded"), ("Build", "Failed")], at(0), at(38),
    ),
]  # fmt: skip
BUILD_LOG = [
    "[Container] 2026/12/01 09:35:01 Entering phase BUILD",
    "[Container] 2026/12/01 09:35:01 Running command docker build -t iris-inference .",
    "Step 1/6 : ARG BASE_IMAGE",
    "Step 2/6 : FROM $BASE_IMAGE",
    "Step 3/6 : COPY iris_predict.py serve /opt/program/",
]
REPOSITORIES = [
    RepositoryRow("iris-inference", "localhost:4566/iris-inference", 2),
    RepositoryRow("iris-training", "localhost:4566/iris-training", 1),
]
IMAGES = [
    ImageRow("iris-inference", ["latest", "v2"], "sha256:5e1f0a" + "0" * 58, 48_330_112, at(171),
             "localhost:4566/iris-inference"),
    ImageRow("iris-inference", ["v1"], "sha256:93ab2c" + "1" * 58, 48_329_001, at(60),
             "localhost:4566/iris-inference"),
    ImageRow("iris-training", ["latest"], "sha256:c0ffee" + "2" * 58, 47_901_440, at(150),
             "localhost:4566/iris-training"),
]  # fmt: skip
JOBS = [
    JobRow("transform", "iris-batch-1", "InProgress", "", at(400), at(409), {}),
    JobRow("processing", "iris-eval-1", "Completed", "", at(350), at(362), {}),
    JobRow("training", "iris-train-2", "Completed", "Completed", at(200), at(231),
           {"train:accuracy": 0.96, "validation:accuracy": 0.9333}),
    JobRow("training", "iris-train-1", "Failed", "Failed", at(180), at(184), {},
           "AlgorithmError: no rows in /opt/ml/input/data/train"),
]  # fmt: skip
JOB_LOG = [
    "trained on 150 rows from 1 file(s), 3 classes",
    "epoch=1 train_accuracy=0.9533",
    "epoch=2 train_accuracy=0.9600",
    "train_accuracy=0.9600",
]
ENDPOINTS = [
    EndpointRow(
        "iris", "arn:aws:sagemaker:us-east-1:123456789012:endpoint/iris", "InService",
        "iris-config-2", [Variant("AllTraffic", 2, 2, 1.0)],
        [Instance("AllTraffic", 32768, "4f5e6d7c8b9a", True),
         Instance("AllTraffic", 32769, "0a1b2c3d4e5f", True)],
        1240, 2, 3.1, 9.8,
    ),
    EndpointRow(
        "iris-canary", "arn:aws:sagemaker:us-east-1:123456789012:endpoint/iris-canary",
        "Updating", "iris-canary-2", [Variant("Canary", 1, 2, 0.1)],
        [Instance("Canary", 32770, "99aa88bb77cc", False)], 0, 0, None, None,
    ),
]  # fmt: skip
LATENCY = [
    {"EndpointName": "iris", "P99Ms": p99, "Invocations": n}
    for p99, n in [(8.1, 40), (9.5, 52), (12.0, 61), (9.8, 58), (7.7, 44), (15.2, 70),
                   (10.4, 63), (9.1, 49), (8.8, 45), (11.7, 66), (9.9, 57), (9.8, 60)]
]  # fmt: skip
PREDICTIONS = [
    Prediction("iris", [5.1, 3.5, 1.4, 0.2], "setosa", 4.2, at(500)),
    Prediction("iris", [6.4, 3.2, 4.5, 1.5], "versicolor", 3.8, at(510)),
    Prediction("iris", [6.8, 3.0, 5.5, 2.1], "virginica", 3.5, at(520)),
]
APPROVALS = [
    PendingApproval("iris-release", "Approve", "ManualApproval", "t-1", "5d6e7f80-0000", None),
]


def fill(app: IrisOpsApp) -> None:
    """Draw the fixed state in every pane of a ``live=False`` app."""
    app.pane("cicd").show(EXECUTIONS)
    log = app.query_one("#build-log", LogTail)
    log.border_title = "build iris-inference-build:4b1f0c2e"
    for line in BUILD_LOG:
        log.write(line)
    app.pane("registry").show((REPOSITORIES, IMAGES))
    app.pane("jobs").show(JOBS)
    job_log = app.query_one("#job-log", LogTail)
    job_log.border_title = "training job iris-train-2"
    for line in JOB_LOG:
        job_log.write(line)
    endpoints = app.query_one(EndpointsPane)
    endpoints.show(ENDPOINTS)
    endpoints.invocations(LATENCY)
    predict = app.query_one(PredictPane)
    predict.show(["iris", "iris-canary"])
    predict.fill([6.8, 3.0, 5.5, 2.1])
    for outcome in PREDICTIONS:
        predict._predicted(outcome)
    app.pane("approvals").show(APPROVALS)
