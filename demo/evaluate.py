"""The iris demo's processing job: evaluate the trained model on the data set.

Inputs (SageMaker processing paths): ``input/model/model.tar.gz`` (the training job's
artifact, ``model.json`` inside), ``input/data/iris.csv``. Output:
``output/evaluation.json`` with the accuracy overall and per species, and the job's
exit message. Runs in the iris training image (``iris_model`` is in /opt/program).
"""

import json
import sys
import tarfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, "/opt/program")

import iris_model

BASE = Path("/opt/ml/processing")


def main() -> None:
    with tarfile.open(next((BASE / "input" / "model").glob("*.tar.gz"))) as archive:
        member = archive.extractfile("model.json")
        model = json.load(member)
    _, xs, ys = iris_model.read_rows(sorted((BASE / "input" / "data").glob("*.csv")))
    right, seen = Counter(), Counter(ys)
    for x, y in zip(xs, ys, strict=True):
        right[y] += iris_model.predict(model, x) == y
    report = {
        "rows": len(ys),
        "accuracy": round(sum(right.values()) / len(ys), 4),
        "per_species": {s: round(right[s] / n, 4) for s, n in sorted(seen.items())},
    }
    out = BASE / "output"
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(report, indent=2) + "\n")
    message = f"accuracy {report['accuracy']:.4f} on {len(ys)} rows"
    Path("/opt/ml/output").mkdir(parents=True, exist_ok=True)
    Path("/opt/ml/output/message").write_text(message)
    print(message, json.dumps(report["per_species"]))


if __name__ == "__main__":
    main()
