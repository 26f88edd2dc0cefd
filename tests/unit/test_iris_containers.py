"""The iris images' entry points, run with the host's python on SageMaker-shaped dirs:
``train`` writes a model ``serve`` answers with."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.iris_data import iris_csv

ROOT = Path(__file__).resolve().parents[2] / "containers"


def run_train(tmp_path: Path, files: dict[str, str]) -> subprocess.CompletedProcess[str]:
    train_dir = tmp_path / "input" / "data" / "train"
    train_dir.mkdir(parents=True)
    for name, text in files.items():
        (train_dir / name).write_text(text)
    env = {
        **os.environ,
        "SM_CHANNEL_TRAIN": str(train_dir),
        "SM_MODEL_DIR": str(tmp_path / "model"),
        "SM_OUTPUT_DIR": str(tmp_path / "output"),
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "training" / "train")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    assert run_train(tmp_path, {"iris.csv": iris_csv()}).returncode == 0
    port = free_port()
    env = {
        **os.environ,
        "SM_MODEL_DIR": str(tmp_path / "model"),
        "SAGEMAKER_BIND_TO_PORT": str(port),
    }
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "inference" / "serve")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/ping", timeout=2) as resp:
                    assert resp.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def test_train_writes_a_model(tmp_path: Path) -> None:
    done = run_train(tmp_path, {"part-1.csv": iris_csv()})
    assert done.returncode == 0, done.stderr
    model = json.loads((tmp_path / "model" / "model.json").read_text())
    assert model["type"] == "nearest-centroid"
    assert model["features"] == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert sorted(model["centroids"]) == ["setosa", "versicolor", "virginica"]
    assert model["trainingAccuracy"] >= 0.9
    assert "train_accuracy=" in done.stdout


def test_train_without_data_reports_a_failure(tmp_path: Path) -> None:
    done = run_train(tmp_path, {"notes.txt": "no csv here"})
    assert done.returncode == 1
    failure = (tmp_path / "output" / "failure").read_text()
    assert "no .csv file" in failure


def test_train_with_bad_rows_reports_a_failure(tmp_path: Path) -> None:
    done = run_train(tmp_path, {"iris.csv": "a,b,c\n1,x,setosa\n2,y,virginica\n"})
    assert done.returncode == 1
    failure = (tmp_path / "output" / "failure").read_text()
    assert failure.startswith("ValueError: could not convert string to float")
    assert not (tmp_path / "model" / "model.json").exists()


def test_train_saves_and_exits_on_sigterm(tmp_path: Path) -> None:
    train_dir = tmp_path / "input" / "data" / "train"
    config_dir = tmp_path / "input" / "config"
    train_dir.mkdir(parents=True)
    config_dir.mkdir(parents=True)
    (train_dir / "iris.csv").write_text(iris_csv())
    hyperparameters = {"epochs": "1000", "seconds_per_epoch": "0.05"}
    (config_dir / "hyperparameters.json").write_text(json.dumps(hyperparameters))
    env = {
        **os.environ,
        "SM_CHANNEL_TRAIN": str(train_dir),
        "SM_MODEL_DIR": str(tmp_path / "model"),
        "SM_OUTPUT_DIR": str(tmp_path / "output"),
        "SM_INPUT_CONFIG_DIR": str(config_dir),
    }
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "training" / "train")],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        while not proc.stdout.readline().startswith("epoch=2 "):
            assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        rest = proc.stdout.read()
        assert proc.wait(30) == 0
    finally:
        proc.kill()
    assert "SIGTERM: stopping after epoch" in rest
    model = json.loads((tmp_path / "model" / "model.json").read_text())
    assert 2 <= model["epochs"] < 1000
    assert sorted(model["centroids"]) == ["setosa", "versicolor", "virginica"]


def post(url: str, body: bytes, content_type: str, accept: str = "") -> tuple[int, bytes]:
    req = urllib.request.Request(
        f"{url}/invocations",
        data=body,
        headers={"Content-Type": content_type, **({"Accept": accept} if accept else {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_serve_predicts_csv_and_json(served: str) -> None:
    status, body = post(served, b"5.0,3.4,1.5,0.2\n6.7,3.0,5.2,2.3\n", "text/csv")
    assert (status, body) == (200, b"setosa\nvirginica\n")
    status, body = post(
        served, json.dumps({"features": [6.0, 2.9, 4.5, 1.5]}).encode(), "application/json"
    )
    assert status == 200
    assert json.loads(body) == {"prediction": "versicolor", "features": [6.0, 2.9, 4.5, 1.5]}
    status, body = post(
        served, json.dumps({"instances": [[6.0, 2.9, 4.5, 1.5]]}).encode(), "application/json",
        accept="text/csv",
    )  # fmt: skip
    assert (status, body) == (200, b"versicolor\n")
    status, body = post(served, b"5.0,3.4,1.5,0.2\n", "text/csv", accept="application/json")
    assert json.loads(body) == {"predictions": ["setosa"]}
    status, body = post(served, b"1,2\n", "text/csv")
    assert status == 400 and b"expected 4 features" in body
    status, body = post(served, b'{"features": "x"}', "application/json")
    assert status == 400


def test_serve_keeps_the_connection_alive(served: str) -> None:
    import http.client

    host, port = served.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        for _ in range(3):
            conn.request("POST", "/invocations", b"5.0,3.4,1.5,0.2", {"Content-Type": "text/csv"})
            resp = conn.getresponse()
            assert (resp.status, resp.read()) == (200, b"setosa\n")
        assert conn.sock is not None  # the same socket served every request
    finally:
        conn.close()
