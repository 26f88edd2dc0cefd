"""A small built-in catalogue of AWS managed policies (``arn:aws:iam::aws:policy/...``).

Enough for the roles an ML pipeline's templates attach (SageMaker, S3, ECR, CodeBuild,
CodeCommit, CodePipeline, CloudWatch Logs, ...). The documents are condensed to the
actions that matter here, not AWS's full text. These are immutable data, not state:
which account attached which policy lives in the store.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from irisops.services.iam.identifiers import POLICY_PREFIX

AWS_POLICY_ARN_PREFIX = "arn:aws:iam::aws:policy"
CATALOGUE_DATE = datetime(2015, 2, 6, 18, 40, 58, tzinfo=UTC)


@dataclass(frozen=True)
class AwsManagedPolicy:
    name: str
    path: str
    description: str
    actions: tuple[str, ...]

    @property
    def arn(self) -> str:
        return f"{AWS_POLICY_ARN_PREFIX}{self.path}{self.name}"

    @property
    def policy_id(self) -> str:
        """Stable across restarts and servers, as real AWS managed policy ids are."""
        digest = hashlib.sha256(self.name.encode()).digest()
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        return POLICY_PREFIX + "".join(alphabet[b % 32] for b in digest[:17])

    @property
    def document(self) -> str:
        return json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": list(self.actions), "Resource": "*"}],
            },
            indent=4,
        )


def _p(name: str, description: str, *actions: str, path: str = "/") -> AwsManagedPolicy:
    return AwsManagedPolicy(name, path, description, actions)


CATALOGUE: tuple[AwsManagedPolicy, ...] = (
    _p("AdministratorAccess", "Provides full access to AWS services and resources.", "*"),
    _p(
        "PowerUserAccess",
        "Provides full access to AWS services and resources, but does not allow "
        "management of Users and groups.",
        "*",
    ),
    _p(
        "ReadOnlyAccess",
        "Provides read-only access to AWS services and resources.",
        "*:Describe*",
        "*:Get*",
        "*:List*",
    ),
    _p("IAMFullAccess", "Provides full access to IAM via the AWS Management Console.", "iam:*"),
    _p(
        "IAMReadOnlyAccess",
        "Provides read only access to IAM via the AWS Management Console.",
        "iam:Get*",
        "iam:List*",
        "iam:GenerateCredentialReport",
    ),
    _p(
        "AmazonS3FullAccess",
        "Provides full access to all buckets via the AWS Management Console.",
        "s3:*",
        "s3-object-lambda:*",
    ),
    _p(
        "AmazonS3ReadOnlyAccess",
        "Provides read only access to all buckets via the AWS Management Console.",
        "s3:Get*",
        "s3:List*",
        "s3:Describe*",
    ),
    _p(
        "AmazonSageMakerFullAccess",
        "Provides full access to Amazon SageMaker via the AWS "
        "Management Console and SDK. Also provides select access to related services "
        "(e.g., S3, ECR, CloudWatch Logs).",
        "sagemaker:*",
        "ecr:*",
        "logs:*",
        "s3:*",
        "iam:PassRole",
        "iam:GetRole",
        "cloudwatch:*",
    ),
    _p(
        "AmazonSageMakerReadOnly",
        "Provides read only access to Amazon SageMaker via the AWS Management Console and SDK.",
        "sagemaker:Describe*",
        "sagemaker:List*",
        "sagemaker:Get*",
        "sagemaker:Search",
    ),
    _p(
        "AmazonEC2ContainerRegistryFullAccess",
        "Provides administrative access to Amazon ECR resources",
        "ecr:*",
        "cloudtrail:LookupEvents",
    ),
    _p(
        "AmazonEC2ContainerRegistryPowerUser",
        "Provides full access to Amazon EC2 Container "
        "Registry repositories, but does not allow repository deletion or policy changes.",
        "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "ecr:DescribeRepositories",
        "ecr:ListImages",
        "ecr:DescribeImages",
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:PutImage",
    ),
    _p(
        "AmazonEC2ContainerRegistryReadOnly",
        "Provides read-only access to Amazon EC2 Container Registry repositories.",
        "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "ecr:DescribeRepositories",
        "ecr:ListImages",
        "ecr:DescribeImages",
    ),
    _p(
        "AWSCodeBuildAdminAccess",
        "Provides full access to AWS CodeBuild via the AWS Management Console.",
        "codebuild:*",
        "logs:GetLogEvents",
        "iam:PassRole",
    ),
    _p(
        "AWSCodeBuildDeveloperAccess",
        "Provides access to AWS CodeBuild via the AWS "
        "Management Console, but does not allow CodeBuild project administration.",
        "codebuild:StartBuild",
        "codebuild:StopBuild",
        "codebuild:BatchGet*",
        "codebuild:List*",
        "logs:GetLogEvents",
    ),
    _p(
        "AWSCodeBuildReadOnlyAccess",
        "Provides read only access to AWS CodeBuild via the AWS Management Console.",
        "codebuild:BatchGet*",
        "codebuild:List*",
        "logs:GetLogEvents",
    ),
    _p(
        "AWSCodeCommitFullAccess",
        "Provides full access to AWS CodeCommit via the AWS Management Console.",
        "codecommit:*",
    ),
    _p(
        "AWSCodeCommitPowerUser",
        "Provides full access to AWS CodeCommit repositories, but "
        "does not allow repository deletion.",
        "codecommit:*",
    ),
    _p(
        "AWSCodeCommitReadOnly",
        "Provides read only access to AWS CodeCommit via the AWS Management Console.",
        "codecommit:BatchGet*",
        "codecommit:Get*",
        "codecommit:List*",
        "codecommit:GitPull",
    ),
    _p(
        "AWSCodePipeline_FullAccess",
        "Provides full access to AWS CodePipeline via the AWS Management Console.",
        "codepipeline:*",
        "iam:PassRole",
    ),
    _p(
        "AWSCodePipeline_ReadOnlyAccess",
        "Provides read only access to AWS CodePipeline via the AWS Management Console.",
        "codepipeline:GetPipeline*",
        "codepipeline:List*",
    ),
    _p("CloudWatchLogsFullAccess", "Provides full access to CloudWatch Logs", "logs:*"),
    _p(
        "CloudWatchLogsReadOnlyAccess",
        "Provides read only access to CloudWatch Logs",
        "logs:Describe*",
        "logs:Get*",
        "logs:List*",
        "logs:StartQuery",
        "logs:FilterLogEvents",
    ),
    _p(
        "CloudWatchFullAccess",
        "Provides full access to CloudWatch.",
        "cloudwatch:*",
        "logs:*",
        "events:*",
    ),
    _p(
        "AmazonEventBridgeFullAccess",
        "Provides full access to Amazon EventBridge.",
        "events:*",
        "iam:PassRole",
    ),
    _p(
        "AWSStepFunctionsFullAccess",
        "An access policy for providing a user/role/etc access to the AWS StepFunctions API.",
        "states:*",
    ),
    _p("AWSLambda_FullAccess", "Grants full access to AWS Lambda service.", "lambda:*"),
    _p(
        "SecretsManagerReadWrite",
        "Provides read/write access to AWS Secrets Manager via the AWS Management Console.",
        "secretsmanager:*",
    ),
    _p(
        "AmazonDynamoDBFullAccess",
        "Provides full access to Amazon DynamoDB via the AWS Management Console.",
        "dynamodb:*",
    ),
    _p(
        "AWSLambdaBasicExecutionRole",
        "Provides write permissions to CloudWatch Logs.",
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        path="/service-role/",
    ),
    _p(
        "AmazonECSTaskExecutionRolePolicy",
        "Provides access to other AWS service resources that are required to run Amazon ECS tasks",
        "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        path="/service-role/",
    ),
    _p(
        "ViewOnlyAccess",
        "This policy grants permissions to view resources and basic "
        "metadata across all AWS services.",
        "*:Describe*",
        "*:List*",
        path="/job-function/",
    ),
    _p(
        "DataScientist",
        "Grants permissions to AWS data analytics services.",
        "sagemaker:*",
        "s3:*",
        "logs:*",
        "ecr:*",
        path="/job-function/",
    ),
)

BY_ARN: dict[str, AwsManagedPolicy] = {p.arn: p for p in CATALOGUE}
