"""AWS CodePipeline: pipelines, executions, approvals."""

from irisops.services.codepipeline.service import CodePipelineService

__all__ = ["CodePipelineService"]
