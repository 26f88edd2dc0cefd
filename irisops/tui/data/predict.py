"""One prediction from an endpoint, timed as the client sees it."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime

from irisops.tui.aws import Aws
from irisops.tui.data.timing import now

FEATURES = ["sepal length", "sepal width", "petal length", "petal width"]
#: One flower of each species from demo/iris.csv.
SAMPLES: dict[str, list[float]] = {
    "setosa": [5.1, 3.5, 1.4, 0.2],
    "versicolor": [6.4, 3.2, 4.5, 1.5],
    "virginica": [6.8, 3.0, 5.5, 2.1],
}


@dataclass
class Prediction:
    endpoint: str
    features: list[float]
    species: str
    latency_ms: float
    at: datetime
    error: str = ""


def predict(aws: Aws, endpoint: str, features: list[float]) -> Prediction:
    runtime = aws.client("sagemaker-runtime")
    started = time.perf_counter()
    try:
        out = runtime.invoke_endpoint(
            EndpointName=endpoint,
            Body=json.dumps({"features": features}),
            ContentType="application/json",
            Accept="application/json",
        )
        body = json.loads(out["Body"].read())
    except runtime.exceptions.ClientError as exc:
        latency = (time.perf_counter() - started) * 1000
        return Prediction(endpoint, features, "", latency, now(), str(exc))
    latency = (time.perf_counter() - started) * 1000
    species = body.get("prediction") or (body.get("predictions") or [""])[0]
    return Prediction(endpoint, features, str(species), latency, now())
