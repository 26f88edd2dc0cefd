"""IAM's unique ids, access key pairs and ARNs.

Unique ids are a four-letter prefix naming the entity type plus 17 uppercase
alphanumerics (``AROA…`` roles, ``AIDA…`` users, ``ANPA…`` managed policies, ``AIPA…``
instance profiles); long-term access key ids are ``AKIA`` plus 16.
"""

from __future__ import annotations

import base64
import secrets

from irisops.core.arns import random_id

ROLE_PREFIX = "AROA"
USER_PREFIX = "AIDA"
POLICY_PREFIX = "ANPA"
INSTANCE_PROFILE_PREFIX = "AIPA"
ACCESS_KEY_PREFIX = "AKIA"


def unique_id(prefix: str) -> str:
    return prefix + random_id(17)


def access_key_id(prefix: str = ACCESS_KEY_PREFIX) -> str:
    return prefix + random_id(16)


def secret_access_key() -> str:
    """40 characters from the base64 alphabet, as AWS secrets are."""
    return base64.b64encode(secrets.token_bytes(30)).decode("ascii")


def iam_arn(account: str, kind: str, path: str, name: str) -> str:
    """``arn:aws:iam::ACCOUNT:KIND/PATH/NAME``; ``path`` is ``/`` or ``/a/b/``."""
    return f"arn:aws:iam::{account}:{kind}{path}{name}"
