"""ECR repositories and their images."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from irisops.tui.aws import Aws


@dataclass
class ImageRow:
    repository: str
    tags: list[str]
    digest: str
    size: int | None
    pushed: datetime | None
    uri: str

    @property
    def key(self) -> str:
        return f"{self.repository}@{self.digest}"


@dataclass
class RepositoryRow:
    name: str
    uri: str
    images: int


def registry(aws: Aws) -> tuple[list[RepositoryRow], list[ImageRow]]:
    ecr = aws.client("ecr")
    repos: list[RepositoryRow] = []
    images: list[ImageRow] = []
    for page in ecr.get_paginator("describe_repositories").paginate():
        for repo in page["repositories"]:
            name = repo["repositoryName"]
            details = []
            for image_page in ecr.get_paginator("describe_images").paginate(repositoryName=name):
                details += image_page["imageDetails"]
            repos.append(RepositoryRow(name, repo["repositoryUri"], len(details)))
            images += [
                ImageRow(
                    repository=name,
                    tags=sorted(d.get("imageTags") or []),
                    digest=d["imageDigest"],
                    size=d.get("imageSizeInBytes"),
                    pushed=d.get("imagePushedAt"),
                    uri=repo["repositoryUri"],
                )
                for d in details
            ]
    images.sort(key=lambda i: (i.repository, -(i.pushed.timestamp() if i.pushed else 0)))
    return repos, images
