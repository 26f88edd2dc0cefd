"""AWS Identity and Access Management: roles, users, access keys, policies."""

from irisops.services.iam.service import IamService, KeyOwner, RoleRef

__all__ = ["IamService", "KeyOwner", "RoleRef"]
