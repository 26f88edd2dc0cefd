from irisops.services.ecr.service import EcrService

__all__ = ["EcrService"]
