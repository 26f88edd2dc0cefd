"""SageMaker endpoints: status and variants (DescribeEndpoint), and what the runtime
measured (``/_irisops/state``: invocations, errors, latency, instances' health)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from irisops.tui.aws import Aws


@dataclass
class Variant:
    name: str
    current: int
    desired: int
    weight: float


@dataclass
class Instance:
    variant: str
    port: int
    container: str
    healthy: bool


@dataclass
class EndpointRow:
    name: str
    arn: str
    status: str
    config: str
    variants: list[Variant] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    invocations: int = 0
    errors: int = 0
    p50: float | None = None
    p99: float | None = None
    failure: str = ""

    @property
    def key(self) -> str:
        return self.name

    @property
    def healthy(self) -> int:
        return sum(1 for i in self.instances if i.healthy)


def endpoints(aws: Aws) -> list[EndpointRow]:
    sm = aws.client("sagemaker")
    runtime = runtime_stats(aws)
    rows = []
    for page in sm.get_paginator("list_endpoints").paginate(
        SortBy="CreationTime", SortOrder="Descending"
    ):
        for summary in page["Endpoints"]:
            try:
                ep = sm.describe_endpoint(EndpointName=summary["EndpointName"])
            except sm.exceptions.ClientError:
                continue  # deleted since it was listed
            stats = runtime.get(ep["EndpointArn"], {})
            rows.append(
                EndpointRow(
                    name=ep["EndpointName"],
                    arn=ep["EndpointArn"],
                    status=ep["EndpointStatus"],
                    config=ep.get("EndpointConfigName", ""),
                    variants=[
                        Variant(
                            v["VariantName"],
                            v.get("CurrentInstanceCount", 0),
                            v.get("DesiredInstanceCount", 0),
                            v.get("CurrentWeight", 0.0),
                        )
                        for v in ep.get("ProductionVariants") or []
                    ],
                    instances=[
                        Instance(i["Variant"], i["Port"], i["Container"], i["Healthy"])
                        for i in stats.get("Instances", [])
                    ],
                    invocations=stats.get("Invocations", 0),
                    errors=stats.get("Errors", 0),
                    p50=stats.get("P50Ms"),
                    p99=stats.get("P99Ms"),
                    failure=ep.get("FailureReason", ""),
                )
            )
    return rows


def runtime_stats(aws: Aws) -> dict[str, Any]:
    """``{endpoint ARN: {Invocations, Errors, P50Ms, P99Ms, Instances}}``."""
    state = aws.internal("state")
    stats: dict[str, Any] = state.get("services", {}).get("sagemaker-runtime", {})
    return dict(stats.get("endpoints", {}))


def in_service(aws: Aws) -> list[str]:
    sm = aws.client("sagemaker")
    found = sm.list_endpoints(StatusEquals="InService", MaxResults=100)["Endpoints"]
    return sorted(e["EndpointName"] for e in found)
