"""Batch transform beyond one container: a Serial pipeline model (the iris model, then
tests/images/postprocess) runs its chain on every record; InstanceCount instances share
the input objects and give the same outputs as one."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.sagemaker_endpoint_setup import (
    create_pipeline_model,
    inference_image,
    model_tarball,
    postprocess_image,
    put_model_data,
)
from tests.integration.test_sagemaker_transform import (
    id_rows,
    iris_model,
    job_containers,
    transform_request,
    wait_done,
)

__all__ = ["inference_image", "postprocess_image"]

pytestmark = pytest.mark.docker
GROUP = "/aws/sagemaker/TransformJobs"


def streams(client: Any, job: str) -> list[str]:
    found = client("logs").describe_log_streams(logGroupName=GROUP, logStreamNamePrefix=f"{job}/")
    return sorted(s["logStreamName"] for s in found["logStreams"])


def test_serial_model_transforms_through_its_chain(
    client: Any, inference_image: str, postprocess_image: str
) -> None:
    sm, s3 = client("sagemaker"), client("s3")
    url = put_model_data(client, "models", "pipe-tm/model.tar.gz", model_tarball())
    create_pipeline_model(
        client,
        "pipe-tm",
        [{"Image": inference_image, "ModelDataUrl": url}, {"Image": postprocess_image}],
    )
    s3.create_bucket(Bucket="data")
    rows = id_rows()
    s3.put_object(
        Bucket="data", Key="p/in.csv", Body="".join(f"{f}\n" for _, f, _ in rows).encode()
    )
    sm.create_transform_job(
        **transform_request("Pipe-Batch", "pipe-tm", "s3://data/p/", BatchStrategy="MultiRecord")
    )
    described = wait_done(sm, "Pipe-Batch")
    assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
    out = s3.get_object(Bucket="data", Key="Pipe-Batch/out/in.csv.out")["Body"].read().decode()
    assert out.splitlines() == [species.upper() for _, _, species in rows]
    names = streams(client, "Pipe-Batch")
    assert len(names) == 2 and {n.rsplit("/", 1)[-1] for n in names} == {
        "container-1",
        "container-2",
    }
    assert len({n.split("/")[1] for n in names}) == 1
    assert job_containers("Pipe-Batch") == []


def test_instances_share_the_objects_with_the_same_outputs(
    client: Any, inference_image: str
) -> None:
    sm, s3 = client("sagemaker"), client("s3")
    iris_model(client, "iris-tm", inference_image)
    s3.create_bucket(Bucket="data")
    rows = id_rows()
    for part in range(5):
        chunk = rows[part * 30 : (part + 1) * 30]
        body = "".join(f"{rid},{features}\n" for rid, features, _ in chunk)
        s3.put_object(Bucket="data", Key=f"many/part-{part}.csv", Body=body.encode())
    outputs: dict[int, dict[str, str]] = {}
    for count in (1, 3):
        name = f"fleet-{count}"
        sm.create_transform_job(
            **transform_request(
                name, "iris-tm", "s3://data/many/",
                DataProcessing={"InputFilter": "$[1:]", "JoinSource": "Input"},
                TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": count},
            )
        )  # fmt: skip
        described = wait_done(sm, name)
        assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
        assert described["TransformResources"]["InstanceCount"] == count
        listed = s3.list_objects_v2(Bucket="data", Prefix=f"{name}/out/")["Contents"]
        outputs[count] = {
            o["Key"].rsplit("/", 1)[-1]: s3.get_object(Bucket="data", Key=o["Key"])["Body"]
            .read()
            .decode()
            for o in listed
        }
        # One container (and log stream) per instance.
        assert len({n.split("/")[1] for n in streams(client, name)}) == count
        assert job_containers(name) == []
    assert sorted(outputs[3]) == [f"part-{i}.csv.out" for i in range(5)]
    assert outputs[3] == outputs[1]
    joined = [line for key in sorted(outputs[3]) for line in outputs[3][key].splitlines()]
    assert joined == [f"{rid},{features},{species}" for rid, features, species in rows]
