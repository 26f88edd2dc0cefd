"""Loading the model `train` wrote and answering predictions with it."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def load(model_dir: Path) -> dict[str, Any]:
    model = json.loads((model_dir / "model.json").read_text())
    if model.get("type") != "nearest-centroid" or not model.get("centroids"):
        raise ValueError(f"{model_dir / 'model.json'} is not a nearest-centroid model")
    return model


def predict(model: dict[str, Any], x: Sequence[float]) -> str:
    centroids = model["centroids"]
    width = len(model["features"])
    if len(x) != width:
        raise ValueError(f"expected {width} features, got {len(x)}")
    return min(centroids, key=lambda label: math.dist(centroids[label], x))


def _media_type(value: str) -> str:
    return value.split(";")[0].strip().lower()


def invoke(model: dict[str, Any], body: bytes, content_type: str, accept: str) -> tuple[bytes, str]:
    """The answer to one ``POST /invocations``: its body and content type.

    * ``application/json`` ``{"features": [sl, sw, pl, pw]}`` ->
      ``{"prediction": "<species>", "features": [...]}``;
      ``{"instances": [[...], ...]}`` (or a bare list of rows) -> ``{"predictions": [...]}``;
    * ``text/csv``, one row a line -> one prediction a line (``text/csv``), or
      ``{"predictions": [...]}`` when ``Accept: application/json``.

    Raises ValueError (or KeyError/TypeError) on a body that is not such a request.
    """
    text = body.decode("utf-8")
    wants = _media_type(accept) if accept else ""
    if _media_type(content_type) == "application/json":
        value = json.loads(text)
        if isinstance(value, dict) and "features" in value:
            features = [float(v) for v in value["features"]]
            label = predict(model, features)
            if wants == "text/csv":
                return (label + "\n").encode(), "text/csv"
            return json.dumps({"prediction": label, "features": features}).encode(), (
                "application/json"
            )
        rows = value["instances"] if isinstance(value, dict) else value
        if rows and not isinstance(rows[0], list):
            rows = [rows]
        labels = [predict(model, [float(v) for v in row]) for row in rows]
        if wants == "text/csv":
            return ("\n".join(labels) + "\n").encode(), "text/csv"
        return json.dumps({"predictions": labels}).encode(), "application/json"
    rows = [[float(v) for v in row] for row in csv.reader(io.StringIO(text)) if row]
    if not rows:
        raise ValueError("no CSV rows in the request")
    labels = [predict(model, row) for row in rows]
    if wants == "application/json":
        return json.dumps({"predictions": labels}).encode(), "application/json"
    return ("\n".join(labels) + "\n").encode(), "text/csv"
