"""IAM's tables. IAM is global: everything is partitioned by account only.

Entity names are unique per account regardless of case, as in IAM (``COLLATE NOCASE``);
the case the caller chose is kept. Timestamps are epoch milliseconds; tags are a JSON
list of ``{"Key", "Value"}``. Policy documents are kept exactly as sent.
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS iam_roles (
    account TEXT NOT NULL,
    role_name TEXT NOT NULL COLLATE NOCASE,
    role_id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    arn TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    assume_role_policy TEXT NOT NULL,
    description TEXT,
    max_session_duration INTEGER NOT NULL,
    permissions_boundary TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    last_used_ms INTEGER,
    last_used_region TEXT,
    PRIMARY KEY (account, role_name)
);

CREATE TABLE IF NOT EXISTS iam_users (
    account TEXT NOT NULL,
    user_name TEXT NOT NULL COLLATE NOCASE,
    user_id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    arn TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    permissions_boundary TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (account, user_name)
);

-- Inline policies of roles ('role') and users ('user').
CREATE TABLE IF NOT EXISTS iam_inline_policies (
    account TEXT NOT NULL,
    principal_type TEXT NOT NULL,
    principal_name TEXT NOT NULL COLLATE NOCASE,
    policy_name TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (account, principal_type, principal_name, policy_name)
);

-- user_name is NULL for the account root's own keys.
CREATE TABLE IF NOT EXISTS iam_access_keys (
    access_key_id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    user_name TEXT COLLATE NOCASE,
    secret_access_key TEXT NOT NULL,
    status TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS iam_access_keys_user ON iam_access_keys (account, user_name);

-- Customer managed policies; AWS managed ones are a built-in catalogue.
CREATE TABLE IF NOT EXISTS iam_policies (
    arn TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    policy_name TEXT NOT NULL COLLATE NOCASE,
    policy_id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    description TEXT,
    default_version TEXT NOT NULL,
    next_version INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    UNIQUE (account, policy_name)
);

CREATE TABLE IF NOT EXISTS iam_policy_versions (
    policy_arn TEXT NOT NULL,
    version_id TEXT NOT NULL,
    version_number INTEGER NOT NULL,
    document TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (policy_arn, version_id)
);

-- Managed policies (customer or AWS) attached to roles and users, per account.
CREATE TABLE IF NOT EXISTS iam_attachments (
    account TEXT NOT NULL,
    principal_type TEXT NOT NULL,
    principal_name TEXT NOT NULL COLLATE NOCASE,
    policy_arn TEXT NOT NULL,
    PRIMARY KEY (account, principal_type, principal_name, policy_arn)
);
CREATE INDEX IF NOT EXISTS iam_attachments_policy ON iam_attachments (account, policy_arn);

CREATE TABLE IF NOT EXISTS iam_instance_profiles (
    account TEXT NOT NULL,
    profile_name TEXT NOT NULL COLLATE NOCASE,
    profile_id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    arn TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    role_name TEXT COLLATE NOCASE,
    PRIMARY KEY (account, profile_name)
);
"""

TABLES = (
    "iam_roles",
    "iam_users",
    "iam_inline_policies",
    "iam_access_keys",
    "iam_policies",
    "iam_policy_versions",
    "iam_attachments",
    "iam_instance_profiles",
)
