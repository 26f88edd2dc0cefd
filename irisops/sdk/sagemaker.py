"""SageMaker helpers of :class:`~irisops.sdk.stack.Stack`: data to S3, an execution
role, train (-> the finished job), model, deploy (-> the InService endpoint), update,
predict, batch transform and processing jobs. Each waits on the event stream and
raises :class:`~irisops.sdk.errors.ResourceFailed` with the container's last log lines
when the job or endpoint fails."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from irisops.sdk.errors import aws_error_code

if TYPE_CHECKING:
    from irisops.sdk.stack import Stack

INSTANCE_TYPE = "ml.m5.large"
ROLE_NAME = "irisops-sagemaker"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
OnStatus = Callable[[str, dict[str, Any]], None]


def split_s3(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri}")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def s3_input(channel: str, uri: str, content_type: str) -> dict[str, Any]:
    return {
        "ChannelName": channel,
        "ContentType": content_type,
        "DataSource": {
            "S3DataSource": {
                "S3DataType": "S3Prefix",
                "S3Uri": uri,
                "S3DataDistributionType": "FullyReplicated",
            }
        },
    }


class SageMakerHelpers:
    async def upload(self: Stack, data: bytes | str | Path, uri: str) -> str:
        """Put ``data`` (bytes, or a file's path) at ``s3://bucket/key``, creating the
        bucket when missing; the URI."""
        s3 = self.client("s3")
        bucket, key = split_s3(uri)

        def put() -> None:
            body = data if isinstance(data, bytes) else Path(data).read_bytes()
            try:
                s3.head_bucket(Bucket=bucket)
            except ClientError as exc:
                if aws_error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
                    raise
                s3.create_bucket(Bucket=bucket)
            s3.put_object(Bucket=bucket, Key=key, Body=body)

        await asyncio.to_thread(put)
        return uri

    async def execution_role(self: Stack, name: str = ROLE_NAME) -> str:
        """The ARN of IAM role ``name`` that SageMaker may assume (created when missing)."""
        iam = self.client("iam")

        def ensure() -> str:
            try:
                return str(iam.get_role(RoleName=name)["Role"]["Arn"])
            except ClientError as exc:
                if aws_error_code(exc) != "NoSuchEntity":
                    raise
                made = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
                return str(made["Role"]["Arn"])

        return await asyncio.to_thread(ensure)

    async def train(
        self: Stack,
        name: str,
        image: str,
        *,
        inputs: str | dict[str, str],
        output: str,
        hyperparameters: dict[str, str] | None = None,
        metric_definitions: list[dict[str, str]] | None = None,
        content_type: str = "text/csv",
        timeout: float = 900,
        on_status: OnStatus | None = None,
        **request: Any,
    ) -> dict[str, Any]:
        """Run training job ``name`` on ``image``: ``inputs`` an S3 prefix for channel
        ``train`` or {channel: S3 prefix}, the model written under ``output``. Returns
        ``DescribeTrainingJob`` once Completed (``ModelArtifacts.S3ModelArtifacts`` is the
        model); Failed or Stopped raises ResourceFailed with the job's last log lines.
        ``request`` adds or overrides CreateTrainingJob parameters."""
        channels = {"train": inputs} if isinstance(inputs, str) else inputs
        algorithm: dict[str, Any] = {"TrainingImage": image, "TrainingInputMode": "File"}
        if metric_definitions:
            algorithm["MetricDefinitions"] = metric_definitions
        params: dict[str, Any] = {
            "TrainingJobName": name,
            "AlgorithmSpecification": algorithm,
            "RoleArn": await self.execution_role(),
            "InputDataConfig": [s3_input(c, uri, content_type) for c, uri in channels.items()],
            "OutputDataConfig": {"S3OutputPath": output},
            "ResourceConfig": {
                "InstanceType": INSTANCE_TYPE,
                "InstanceCount": 1,
                "VolumeSizeInGB": 1,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": int(timeout)},
        }
        if hyperparameters:
            params["HyperParameters"] = {k: str(v) for k, v in hyperparameters.items()}
        params.update(request)
        await self.call("sagemaker", "create_training_job", **params)
        return await self.wait_for(
            name, "Completed", timeout, kind="training-job", on_status=on_status
        )

    async def create_model(
        self: Stack, name: str, image: str, model_data: str | None = None, **request: Any
    ) -> str:
        """SageMaker model ``name`` serving ``image`` with ``model_data`` (a
        model.tar.gz in S3); its ARN."""
        container: dict[str, Any] = {"Image": image}
        if model_data:
            container["ModelDataUrl"] = model_data
        made = await self.call(
            "sagemaker",
            "create_model",
            ModelName=name,
            PrimaryContainer=container,
            ExecutionRoleArn=await self.execution_role(),
            **request,
        )
        return str(made["ModelArn"])

    async def create_endpoint_config(
        self: Stack,
        name: str,
        model: str,
        *,
        instance_count: int = 1,
        variant: str = "AllTraffic",
        **request: Any,
    ) -> str:
        """Endpoint config ``name``: one variant of ``model``; its ARN."""
        made = await self.call(
            "sagemaker",
            "create_endpoint_config",
            EndpointConfigName=name,
            ProductionVariants=[
                {
                    "VariantName": variant,
                    "ModelName": model,
                    "InitialInstanceCount": instance_count,
                    "InitialVariantWeight": 1.0,
                    "InstanceType": INSTANCE_TYPE,
                }
            ],
            **request,
        )
        return str(made["EndpointConfigArn"])

    async def deploy(
        self: Stack,
        endpoint: str,
        model: str,
        *,
        config: str | None = None,
        instance_count: int = 1,
        timeout: float = 300,
        on_status: OnStatus | None = None,
    ) -> dict[str, Any]:
        """Endpoint ``endpoint`` serving ``model`` (through endpoint config ``config``,
        default ``<endpoint>-config``, created here); ``DescribeEndpoint`` once
        InService. Failed raises ResourceFailed with the instance's last log lines."""
        config = config or f"{endpoint}-config"
        await self.create_endpoint_config(config, model, instance_count=instance_count)
        await self.call(
            "sagemaker", "create_endpoint", EndpointName=endpoint, EndpointConfigName=config
        )
        return await self.wait_for(
            endpoint, "InService", timeout, kind="endpoint", on_status=on_status
        )

    async def update_endpoint(
        self: Stack,
        endpoint: str,
        config: str,
        *,
        timeout: float = 300,
        on_status: OnStatus | None = None,
    ) -> dict[str, Any]:
        """UpdateEndpoint to endpoint config ``config`` (blue/green); ``DescribeEndpoint``
        once InService again."""
        await self.call(
            "sagemaker", "update_endpoint", EndpointName=endpoint, EndpointConfigName=config
        )
        return await self.wait_for(
            endpoint, "InService", timeout, kind="endpoint", on_status=on_status
        )

    async def predict(
        self: Stack,
        endpoint: str,
        payload: Any,
        *,
        content_type: str | None = None,
        accept: str | None = None,
    ) -> Any:
        """InvokeEndpoint: ``payload`` bytes/str as given (str defaults to text/csv),
        anything else as JSON. A JSON answer is decoded, any other returned as text."""
        if isinstance(payload, bytes | str):
            body = payload.encode() if isinstance(payload, str) else payload
            content_type = content_type or "text/csv"
        else:
            body = json.dumps(payload).encode()
            content_type = content_type or "application/json"
        params: dict[str, Any] = {
            "EndpointName": endpoint,
            "Body": body,
            "ContentType": content_type,
        }
        if accept:
            params["Accept"] = accept

        def invoke() -> tuple[str, bytes]:
            out = self.client("sagemaker-runtime").invoke_endpoint(**params)
            return str(out.get("ContentType", "")), out["Body"].read()

        answer_type, data = await asyncio.to_thread(invoke)
        if "json" in answer_type:
            return json.loads(data)
        return data.decode()

    async def transform(
        self: Stack,
        name: str,
        model: str,
        *,
        input: str,
        output: str,
        content_type: str = "text/csv",
        split: str = "Line",
        accept: str | None = None,
        timeout: float = 600,
        on_status: OnStatus | None = None,
        **request: Any,
    ) -> dict[str, Any]:
        """Batch transform job ``name`` of ``model`` over the S3 prefix ``input`` into
        ``output`` (one ``<object>.out`` per object); ``DescribeTransformJob`` once
        Completed."""
        transform_output: dict[str, Any] = {"S3OutputPath": output, "AssembleWith": split}
        if accept:
            transform_output["Accept"] = accept
        params: dict[str, Any] = {
            "TransformJobName": name,
            "ModelName": model,
            "TransformInput": {
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": input}},
                "ContentType": content_type,
                "SplitType": split,
            },
            "TransformOutput": transform_output,
            "TransformResources": {"InstanceType": INSTANCE_TYPE, "InstanceCount": 1},
        }
        params.update(request)
        await self.call("sagemaker", "create_transform_job", **params)
        return await self.wait_for(
            name, "Completed", timeout, kind="transform-job", on_status=on_status
        )

    async def process(
        self: Stack,
        name: str,
        image: str,
        *,
        entrypoint: list[str],
        inputs: dict[str, str] | None = None,
        outputs: dict[str, str] | None = None,
        arguments: list[str] | None = None,
        environment: dict[str, str] | None = None,
        timeout: float = 600,
        on_status: OnStatus | None = None,
        **request: Any,
    ) -> dict[str, Any]:
        """Processing job ``name`` running ``entrypoint`` in ``image``; ``inputs`` and
        ``outputs`` map a container path to an S3 prefix (``/opt/ml/processing/...``).
        ``DescribeProcessingJob`` once Completed."""
        app: dict[str, Any] = {"ImageUri": image, "ContainerEntrypoint": entrypoint}
        if arguments:
            app["ContainerArguments"] = arguments
        params: dict[str, Any] = {
            "ProcessingJobName": name,
            "RoleArn": await self.execution_role(),
            "ProcessingResources": {
                "ClusterConfig": {
                    "InstanceCount": 1,
                    "InstanceType": INSTANCE_TYPE,
                    "VolumeSizeInGB": 1,
                }
            },
            "AppSpecification": app,
            "StoppingCondition": {"MaxRuntimeInSeconds": int(timeout)},
        }
        if inputs:
            params["ProcessingInputs"] = [
                {
                    "InputName": f"input-{index}",
                    "S3Input": {
                        "S3Uri": uri,
                        "LocalPath": path,
                        "S3DataType": "S3Prefix",
                        "S3InputMode": "File",
                    },
                }
                for index, (path, uri) in enumerate(inputs.items(), 1)
            ]
        if outputs:
            params["ProcessingOutputConfig"] = {
                "Outputs": [
                    {
                        "OutputName": f"output-{index}",
                        "S3Output": {"S3Uri": uri, "LocalPath": path, "S3UploadMode": "EndOfJob"},
                    }
                    for index, (path, uri) in enumerate(outputs.items(), 1)
                ]
            }
        if environment:
            params["Environment"] = environment
        params.update(request)
        await self.call("sagemaker", "create_processing_job", **params)
        return await self.wait_for(
            name, "Completed", timeout, kind="processing-job", on_status=on_status
        )
