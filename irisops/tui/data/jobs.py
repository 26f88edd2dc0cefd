"""SageMaker training, processing and transform jobs, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from irisops.tui.aws import Aws

TERMINAL = {"Completed", "Failed", "Stopped"}
LOG_GROUPS = {
    "training": "/aws/sagemaker/TrainingJobs",
    "processing": "/aws/sagemaker/ProcessingJobs",
    "transform": "/aws/sagemaker/TransformJobs",
}


@dataclass
class JobRow:
    kind: str
    name: str
    status: str
    secondary: str
    started: datetime | None
    ended: datetime | None
    metrics: dict[str, float]
    failure: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def log_group(self) -> str:
        return LOG_GROUPS[self.kind]


class JobsSource:
    """Lists every kind of job; a finished training job is described once and kept."""

    def __init__(self, aws: Aws, limit: int = 20) -> None:
        self.aws = aws
        self.limit = limit
        self._finished: dict[str, JobRow] = {}

    def rows(self) -> list[JobRow]:
        sm = self.aws.client("sagemaker")
        rows = [self._training(sm, s) for s in self._list(sm.list_training_jobs, "Training")]
        for s in self._list(sm.list_processing_jobs, "Processing"):
            rows.append(
                JobRow(
                    "processing",
                    s["ProcessingJobName"],
                    s["ProcessingJobStatus"],
                    "",
                    s.get("CreationTime"),
                    s.get("ProcessingEndTime"),
                    {},
                    s.get("FailureReason", ""),
                )
            )
        for s in self._list(sm.list_transform_jobs, "Transform"):
            rows.append(
                JobRow(
                    "transform",
                    s["TransformJobName"],
                    s["TransformJobStatus"],
                    "",
                    s.get("CreationTime"),
                    s.get("TransformEndTime"),
                    {},
                    s.get("FailureReason", ""),
                )
            )
        rows.sort(key=lambda r: -(r.started.timestamp() if r.started else 0))
        return rows

    def _list(self, call: Any, kind: str) -> list[dict[str, Any]]:
        page = call(MaxResults=self.limit, SortBy="CreationTime", SortOrder="Descending")
        summaries: list[dict[str, Any]] = page[f"{kind}JobSummaries"]
        return summaries

    def _training(self, sm: Any, summary: dict[str, Any]) -> JobRow:
        name = summary["TrainingJobName"]
        if name in self._finished:
            return self._finished[name]
        job = sm.describe_training_job(TrainingJobName=name)
        row = JobRow(
            "training",
            name,
            job["TrainingJobStatus"],
            job.get("SecondaryStatus", ""),
            job.get("CreationTime"),
            job.get("TrainingEndTime"),
            {m["MetricName"]: m["Value"] for m in job.get("FinalMetricDataList") or []},
            job.get("FailureReason", ""),
        )
        if row.status in TERMINAL:
            self._finished[name] = row
        return row


def job_log_stream(aws: Aws, job: JobRow) -> str | None:
    """The job's first log stream (``<job>/algo-1-...``), once it has one."""
    streams = aws.client("logs").describe_log_streams(
        logGroupName=job.log_group, logStreamNamePrefix=f"{job.name}/"
    )["logStreams"]
    return streams[0]["logStreamName"] if streams else None
