"""SageMaker Runtime: InvokeEndpoint, proxied to the endpoint's containers."""

from irisops.services.sagemaker_runtime.service import SageMakerRuntimeService

__all__ = ["SageMakerRuntimeService"]
