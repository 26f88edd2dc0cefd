"""CodeBuild: projects, builds, and the buildspec runs behind them."""

from irisops.services.codebuild.service import CodeBuildService

__all__ = ["CodeBuildService"]
