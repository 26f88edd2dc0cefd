"""The AWS services this server runs, in start order.

``IRISOPS_SERVICES=s3,logs`` (or ``irisops serve --services``) runs a subset; a service
that needs another (STS reads IAM's roles) brings it along.
"""

from __future__ import annotations

import importlib

from irisops.services.base import Service

#: botocore service name -> "module:Class", in start order.
SERVICES: dict[str, str] = {
    "iam": "irisops.services.iam:IamService",
    "sts": "irisops.services.sts:StsService",
    "s3": "irisops.services.s3:S3Service",
    "logs": "irisops.services.logs:LogsService",
    "codecommit": "irisops.services.codecommit:CodeCommitService",
    "codebuild": "irisops.services.codebuild:CodeBuildService",
    "ecr": "irisops.services.ecr:EcrService",
    "codepipeline": "irisops.services.codepipeline:CodePipelineService",
    "sagemaker": "irisops.services.sagemaker:SageMakerService",
}

REQUIRES: dict[str, tuple[str, ...]] = {
    "sts": ("iam",),
    "codebuild": ("logs", "s3"),
    "codepipeline": ("s3",),
    "sagemaker": ("logs", "s3"),
}


class UnknownService(ValueError):
    pass


def service_classes(names: list[str] | None = None) -> list[type[Service]]:
    wanted = set(SERVICES if not names else names)
    unknown = wanted - set(SERVICES)
    if unknown:
        raise UnknownService(
            f"unknown service(s) {', '.join(sorted(unknown))}; known: {', '.join(SERVICES)}"
        )
    for name in list(wanted):
        wanted.update(REQUIRES.get(name, ()))
    classes = []
    for name, target in SERVICES.items():
        if name in wanted:
            module, _, cls = target.partition(":")
            classes.append(getattr(importlib.import_module(module), cls))
    return classes
