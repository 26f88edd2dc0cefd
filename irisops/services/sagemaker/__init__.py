"""SageMaker: jobs and endpoints as real containers."""

from irisops.services.sagemaker.service import SageMakerService

__all__ = ["SageMakerService"]
