"""The errors SageMaker Runtime answers with (AWS-REFERENCE.md section 2)."""

from __future__ import annotations

from irisops.core.errors import AwsError
from irisops.engines.sagemaker.endpoint_routing import TargetContainerError


class ValidationError(AwsError):
    code = "ValidationError"


class ModelError(AwsError):
    """The container answered non-2xx, or not at all within 60 s (HTTP 424)."""

    code = "ModelError"
    status = 424


def endpoint_not_found(name: str, account: str) -> ValidationError:
    return ValidationError(f"Endpoint {name} of account {account} not found.")


def log_group_arn(region: str, account: str, endpoint: str) -> str:
    return f"arn:aws:logs:{region}:{account}:log-group:/aws/sagemaker/Endpoints/{endpoint}"


def target_container_error(
    exc: TargetContainerError, endpoint: str, account: str
) -> ValidationError:
    """A ``TargetContainerHostname`` missing on a direct-invocation endpoint, naming no
    container of it, or given to an endpoint without direct invocation."""
    where = f"endpoint {endpoint} of account {account}"
    if exc.kind == "missing":
        return ValidationError(  # unconfirmed text
            f"TargetContainerHostname must be specified for {where}, which is configured "
            "for direct invocation."
        )
    if exc.kind == "unknown":
        return ValidationError(  # unconfirmed text
            f"TargetContainerHostname {exc.hostname} does not exist in {where}."
        )
    return ValidationError(  # unconfirmed text
        f"TargetContainerHostname must not be specified for {where}, which is not "
        "configured for direct invocation."
    )


def model_error(
    region: str,
    account: str,
    endpoint: str,
    status: int,
    message: str,
    container: str = "primary",
) -> ModelError:
    """``Received client error (400) from primary with message "..."`` as SageMaker
    words it, with OriginalStatusCode, OriginalMessage and LogStreamArn; a pipeline's
    container is named by its ContainerHostname instead of ``primary``."""
    # unconfirmed text: a pipeline's container named by its ContainerHostname.
    kind = "client" if 400 <= status < 500 else "server"
    console = (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#logEventViewer:group=/aws/sagemaker/Endpoints/{endpoint}"
    )
    return ModelError(
        f'Received {kind} error ({status}) from {container} with message "{message}". '
        f"See {console} in account {account} for more information.",
        OriginalStatusCode=status,
        OriginalMessage=message,
        LogStreamArn=log_group_arn(region, account, endpoint),
    )
