"""The errors CodePipeline answers with (all HTTP 400).

Texts quoted from real responses where AWS-REFERENCE.md (section 7) or public issues have
them; the others are marked *unconfirmed*.
"""

from __future__ import annotations

from irisops.core.errors import AwsError


class PipelineNameInUse(AwsError):
    code = "PipelineNameInUseException"


class PipelineNotFound(AwsError):
    code = "PipelineNotFoundException"


class PipelineVersionNotFound(AwsError):
    code = "PipelineVersionNotFoundException"


class PipelineExecutionNotFound(AwsError):
    code = "PipelineExecutionNotFoundException"


class PipelineExecutionNotStoppable(AwsError):
    code = "PipelineExecutionNotStoppableException"


class DuplicatedStopRequest(AwsError):
    code = "DuplicatedStopRequestException"


class InvalidStructure(AwsError):
    code = "InvalidStructureException"


class InvalidStageDeclaration(AwsError):
    code = "InvalidStageDeclarationException"


class InvalidActionDeclaration(AwsError):
    code = "InvalidActionDeclarationException"


class StageNotFound(AwsError):
    code = "StageNotFoundException"


class ActionNotFound(AwsError):
    code = "ActionNotFoundException"


class InvalidApprovalToken(AwsError):
    code = "InvalidApprovalTokenException"


class ApprovalAlreadyCompleted(AwsError):
    code = "ApprovalAlreadyCompletedException"


class InvalidNextToken(AwsError):
    code = "InvalidNextTokenException"


class ResourceNotFound(AwsError):
    code = "ResourceNotFoundException"


class InvalidArn(AwsError):
    code = "InvalidArnException"


class InvalidTags(AwsError):
    code = "InvalidTagsException"


class TooManyTags(AwsError):
    code = "TooManyTagsException"


class CodePipelineValidation(AwsError):
    code = "ValidationException"


def pipeline_not_found(account: str, name: str) -> PipelineNotFound:
    return PipelineNotFound(f"Account '{account}' does not have a pipeline with name '{name}'")


def execution_not_found(name: str, execution_id: str) -> PipelineExecutionNotFound:
    # unconfirmed text
    return PipelineExecutionNotFound(
        f"Pipeline execution with id '{execution_id}' was not found in pipeline '{name}'"
    )
