"""AWS CodeCommit (JSON 1.1, ``CodeCommit_20150413``) over bare git repositories."""

from irisops.services.codecommit.service import CodeCommitService

__all__ = ["CodeCommitService"]
