"""The iris scenario end to end, as ``irisops demo`` runs it.

Two images go through CI/CD for real (CodeCommit repository -> ``git push`` ->
CodePipeline -> CodeBuild ``docker build`` + ``docker push`` -> ECR), then the model
lifecycle runs on them (S3 data -> training job -> Model -> EndpointConfig -> Endpoint
-> invocations -> UpdateEndpoint to a second config -> batch transform -> processing job
that evaluates the model). Every step is an SDK call (:class:`~irisops.sdk.Stack`), so
the demo and the tests share one implementation.
"""

from __future__ import annotations

import asyncio
import csv
import math
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from irisops.scenario.progress import NullObserver, Prediction, ScenarioObserver, Summary
from irisops.scenario.runner import Step, StepContext, run_steps
from irisops.sdk.stack import Stack

IMAGES = ("training", "inference")
BUCKET = "iris-demo"
SECONDARY = ("Starting", "Downloading", "Training", "Uploading", "Completed")
ENDPOINT = "iris-endpoint"
BUILD_PHASES = (
    "SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD",
    "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING", "COMPLETED",
)  # fmt: skip
ACCURACY_METRIC = {"Name": "train:accuracy", "Regex": r"train_accuracy=([0-9.]+)"}


@dataclass
class Layout:
    """Where the scenario's inputs are: ``containers/`` (the two images) and ``demo/``
    (``iris.csv`` and the processing job's ``evaluate.py``)."""

    containers: Path
    demo: Path

    @classmethod
    def of_checkout(cls, root: Path) -> Layout:
        return cls(root / "containers", root / "demo")


def species_samples(csv_path: Path) -> list[tuple[tuple[float, ...], str]]:
    """One typical flower of each species: the row nearest its species' mean, as
    (features, species), in the order the species first appear."""
    rows: dict[str, list[tuple[float, ...]]] = {}
    with csv_path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            species = row.pop("species")
            rows.setdefault(species, []).append(tuple(float(v) for v in row.values()))
    samples = []
    for species, flowers in rows.items():
        mean = [sum(column) / len(flowers) for column in zip(*flowers, strict=True)]
        samples.append((min(flowers, key=lambda f: math.dist(f, mean)), species))
    return samples


def pipeline_fraction(message: str) -> float:
    """How far an image pipeline is, from a progress line of ``wait_pipeline``: the
    source is a fifth of it, the build's phases the rest."""
    words = message.split()
    if words[:2] == ["stage", "Source"]:
        return 0.2 if words[-1] == "Succeeded" else 0.05
    if words[:1] == ["build"] and words[1] in BUILD_PHASES:
        return 0.2 + 0.8 * BUILD_PHASES.index(words[1]) / (len(BUILD_PHASES) - 1)
    return 1.0 if message == "stage Build Succeeded" else 0.0


async def all_of(*steps: Coroutine[Any, Any, None]) -> None:
    """Run ``steps`` at once; the first failure cancels the others and is raised as is
    (not as an ExceptionGroup), so the step's error names what failed."""
    try:
        async with asyncio.TaskGroup() as group:
            for step in steps:
                group.create_task(step)
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from None


@dataclass
class IrisScenario:
    """One run of the scenario on ``stack`` (started by the first step unless it was
    attached); ``observer`` is told about every step."""

    stack: Stack
    base_image: str
    layout: Layout
    observer: ScenarioObserver = field(default_factory=NullObserver)
    build_timeout: float = 900
    #: Leave the server running after the run (a dashboard showing what it made); the
    #: caller then stops it with ``stack.stop()``.
    keep_server: bool = False
    images: dict[str, str] = field(default_factory=dict)
    commits: dict[str, str] = field(default_factory=dict)
    model_data: str = ""

    def steps(self) -> list[Step]:
        return [
            Step("server", "start the irisops server", self.start_server),
            Step("repositories", "create CodeCommit repositories and pipelines", self.setup),
            Step("push", "git push containers/training and containers/inference", self.push),
            Step("pipelines", "pipelines build both images and push them to ECR", self.build),
            Step("data", "upload demo/iris.csv to S3", self.upload_data),
            Step("training", "train the model (SageMaker training job)", self.train),
            Step("endpoint", "create Model -> EndpointConfig -> Endpoint", self.deploy),
            Step("predict", "invoke the endpoint with a sample of each species", self.predict),
            Step("update", "UpdateEndpoint to a second config (2 instances)", self.update),
            Step("transform", "batch transform of the whole data set", self.transform),
            Step("processing", "processing job: evaluate the model", self.process),
        ]

    async def run(self) -> Summary:
        """Every step, then the server stopped (if this run started it and
        ``keep_server`` is off); the summary goes to ``observer.scenario_finished`` and
        is returned."""
        summary = Summary()
        try:
            await run_steps(self.steps(), self.observer, summary)
        finally:
            if not self.keep_server:
                began = time.monotonic()
                await asyncio.to_thread(self.stack.stop)
                summary.teardown_seconds = time.monotonic() - began
        self.observer.scenario_finished(summary)
        return summary

    # -- CI/CD ------------------------------------------------------------------------

    async def start_server(self, step: StepContext) -> str:
        await asyncio.to_thread(self.stack.start)
        step.summary.endpoint_url = self.stack.endpoint_url
        if not self.stack.owns_server:
            return f"attached to {self.stack.endpoint_url}"
        return f"irisops serve on {self.stack.endpoint_url}"

    def name(self, image: str) -> str:
        return f"iris-{image}"

    async def setup(self, step: StepContext) -> str:
        async def one(image: str) -> None:
            name = self.name(image)
            made = await self.stack.create_image_pipeline(name, base_image=self.base_image)
            step.resource("CodeCommit repository", name, "created", made.clone_url)
            step.resource("ECR repository", name, "created", made.repository_uri)
            step.resource("CodeBuild project", made.project, "created")
            step.progress(f"{name}: repository, project and pipeline ready")

        await all_of(*(one(image) for image in IMAGES))
        return "2 CodeCommit + 2 ECR repositories, 2 CodeBuild projects, 2 pipelines"

    async def push(self, step: StepContext) -> str:
        for image in IMAGES:
            name = self.name(image)
            commit = await self.stack.push_directory(
                self.layout.containers / image, name, message=f"iris {image} image"
            )
            self.commits[image] = commit
            step.progress(f"pushed {name} {commit[:12]}")
        return ", ".join(f"{self.name(i)} {c[:12]}" for i, c in self.commits.items())

    async def build(self, step: StepContext) -> str:
        done: dict[str, float] = dict.fromkeys(IMAGES, 0.0)

        async def one(image: str) -> None:
            name = self.name(image)

            def moved(message: str) -> None:
                done[image] = max(done[image], pipeline_fraction(message))
                step.progress(f"{name}: {message}", sum(done.values()) / len(done))

            execution = await self.stack.wait_pipeline(
                name, commit=self.commits[image], timeout=self.build_timeout, on_progress=moved
            )
            uri = await self.pushed_image(name, self.commits[image])
            self.images[image] = uri
            step.resource("pipeline execution", name, execution["status"], uri)

        await all_of(*(one(image) for image in IMAGES))
        return ", ".join(self.images.values())

    async def pushed_image(self, name: str, commit: str) -> str:
        found = await self.stack.call("ecr", "describe_images", repositoryName=name)
        tags = {t for image in found["imageDetails"] for t in image.get("imageTags", [])}
        if commit not in tags:
            raise RuntimeError(f"ECR repository {name} has no image tagged {commit}")
        repo = await self.stack.call("ecr", "describe_repositories", repositoryNames=[name])
        return f"{repo['repositories'][0]['repositoryUri']}:{commit}"

    # -- SageMaker --------------------------------------------------------------------

    async def upload_data(self, step: StepContext) -> str:
        uri = await self.stack.upload(
            self.layout.demo / "iris.csv", f"s3://{BUCKET}/train/iris.csv"
        )
        features = [",".join(map(str, f)) for f, _ in self.all_rows()]
        await self.stack.upload(
            ("\n".join(features) + "\n").encode(), f"s3://{BUCKET}/batch/iris-features.csv"
        )
        script = self.layout.demo / "evaluate.py"
        await self.stack.upload(script, f"s3://{BUCKET}/code/evaluate.py")
        step.resource("S3 bucket", BUCKET, "created", "train/, batch/, code/")
        return f"{uri} ({len(features)} rows), batch input and evaluation script"

    def all_rows(self) -> list[tuple[tuple[float, ...], str]]:
        with (self.layout.demo / "iris.csv").open(newline="") as handle:
            rows = []
            for row in csv.DictReader(handle):
                species = row.pop("species")
                rows.append((tuple(float(v) for v in row.values()), species))
        return rows

    async def train(self, step: StepContext) -> str:
        def moved(status: str, detail: dict[str, Any]) -> None:
            secondary = str(detail.get("SecondaryStatus", status))
            index = SECONDARY.index(secondary) if secondary in SECONDARY else 0
            step.progress(f"iris-training-job: {secondary}", index / (len(SECONDARY) - 1))

        job = await self.stack.train(
            "iris-training-job",
            self.images["training"],
            inputs=f"s3://{BUCKET}/train/",
            output=f"s3://{BUCKET}/models",
            metric_definitions=[ACCURACY_METRIC],
            on_status=moved,
        )
        self.model_data = job["ModelArtifacts"]["S3ModelArtifacts"]
        metrics = {m["MetricName"]: m["Value"] for m in job.get("FinalMetricDataList", [])}
        accuracy = metrics.get("train:accuracy")
        detail = f"train:accuracy {accuracy:.4f}" if accuracy is not None else ""
        step.resource("training job", "iris-training-job", job["TrainingJobStatus"], detail)
        return f"{self.model_data}" + (f", {detail}" if detail else "")

    async def deploy(self, step: StepContext) -> str:
        await self.stack.create_model("iris-model", self.images["inference"], self.model_data)
        step.resource("model", "iris-model", "created", self.images["inference"])
        step.progress("model iris-model created; endpoint Creating", 0.3)
        described = await self.stack.deploy(
            ENDPOINT,
            "iris-model",
            config="iris-config-1",
            on_status=lambda status, _d: step.progress(f"{ENDPOINT}: {status}", 0.6),
        )
        step.resource("endpoint config", "iris-config-1", "created", "1 instance")
        step.resource("endpoint", ENDPOINT, described["EndpointStatus"], "iris-config-1")
        return f"{ENDPOINT} {described['EndpointStatus']} on iris-config-1"

    async def invoke_samples(self, step: StepContext, label: str) -> list[Prediction]:
        made = []
        for features, expected in species_samples(self.layout.demo / "iris.csv"):
            began = time.perf_counter()
            answer = await self.stack.predict(ENDPOINT, {"features": list(features)})
            latency = (time.perf_counter() - began) * 1000
            made.append(Prediction(label, features, expected, answer["prediction"], latency))
            step.progress(f"{list(features)} -> {answer['prediction']} ({latency:.1f} ms)")
        step.summary.predictions += made
        wrong = [p for p in made if not p.correct]
        if wrong:
            raise AssertionError(
                "wrong species: "
                + "; ".join(f"{list(p.features)} is {p.expected}, got {p.predicted}" for p in wrong)
            )
        return made

    async def predict(self, step: StepContext) -> str:
        made = await self.invoke_samples(step, f"{ENDPOINT} (config 1)")
        return ", ".join(f"{p.expected} ok" for p in made)

    async def update(self, step: StepContext) -> str:
        await self.stack.create_endpoint_config("iris-config-2", "iris-model", instance_count=2)
        step.resource("endpoint config", "iris-config-2", "created", "2 instances")
        described = await self.stack.update_endpoint(
            ENDPOINT,
            "iris-config-2",
            on_status=lambda status, _d: step.progress(f"{ENDPOINT}: {status}"),
        )
        config = described["EndpointConfigName"]
        instances = sum(v.get("CurrentInstanceCount", 0) for v in described["ProductionVariants"])
        step.resource(
            "endpoint", ENDPOINT, described["EndpointStatus"], f"{config}, {instances} instances"
        )
        made = await self.invoke_samples(step, f"{ENDPOINT} (config 2)")
        return f"{ENDPOINT} on {config} with {instances} instances; {len(made)} predictions ok"

    async def transform(self, step: StepContext) -> str:
        job = await self.stack.transform(
            "iris-batch-transform",
            "iris-model",
            input=f"s3://{BUCKET}/batch/",
            output=f"s3://{BUCKET}/batch-output",
            accept="text/csv",
            on_status=lambda status, _d: step.progress(f"iris-batch-transform: {status}"),
        )
        body = await self.stack.call(
            "s3", "get_object", Bucket=BUCKET, Key="batch-output/iris-features.csv.out"
        )
        labels = (await asyncio.to_thread(body["Body"].read)).decode().split()
        truth = [species for _, species in self.all_rows()]
        right = sum(a == b for a, b in zip(labels, truth, strict=False))
        if len(labels) != len(truth):
            raise AssertionError(f"{len(labels)} predictions for {len(truth)} rows")
        detail = f"{right}/{len(truth)} rows right"
        step.resource("transform job", "iris-batch-transform", job["TransformJobStatus"], detail)
        return f"s3://{BUCKET}/batch-output/iris-features.csv.out: {detail}"

    async def process(self, step: StepContext) -> str:
        job = await self.stack.process(
            "iris-evaluation",
            self.images["training"],
            entrypoint=["python3", "/opt/ml/processing/input/code/evaluate.py"],
            inputs={
                "/opt/ml/processing/input/code": f"s3://{BUCKET}/code/",
                "/opt/ml/processing/input/data": f"s3://{BUCKET}/train/",
                "/opt/ml/processing/input/model": self.model_data,
            },
            outputs={"/opt/ml/processing/output": f"s3://{BUCKET}/evaluation"},
            on_status=lambda status, _d: step.progress(f"iris-evaluation: {status}"),
        )
        message = job.get("ExitMessage", "")
        step.resource("processing job", "iris-evaluation", job["ProcessingJobStatus"], message)
        return f"s3://{BUCKET}/evaluation/evaluation.json: {message}"
