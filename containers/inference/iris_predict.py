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


def parse(body: bytes, content_type: str) -> list[list[float]]:
    """Rows from ``text/csv`` (one row a line) or JSON (``{"instances": [[...]]}``, a
    list of rows, or one row)."""
    text = body.decode("utf-8")
    if content_type.split(";")[0].strip() == "application/json":
        value = json.loads(text)
        rows = value["instances"] if isinstance(value, dict) else value
        if rows and not isinstance(rows[0], list):
            rows = [rows]
        return [[float(v) for v in row] for row in rows]
    return [[float(v) for v in row] for row in csv.reader(io.StringIO(text)) if row]


def answer(predictions: list[str], accept: str) -> tuple[bytes, str]:
    if "text/csv" in accept:
        return ("\n".join(predictions) + "\n").encode(), "text/csv"
    return json.dumps({"predictions": predictions}).encode(), "application/json"
