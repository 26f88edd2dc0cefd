"""CodeBuild tables: projects and builds, each a JSON document shaped like botocore's
``Project`` / ``Build`` plus the columns lookups and listings need."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS codebuild_projects (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    arn TEXT NOT NULL,
    created REAL NOT NULL,
    last_modified REAL NOT NULL,
    build_count INTEGER NOT NULL DEFAULT 0,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
);
CREATE TABLE IF NOT EXISTS codebuild_builds (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    project TEXT NOT NULL,
    status TEXT NOT NULL,
    anchor_pid INTEGER,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS codebuild_builds_by_project
    ON codebuild_builds (account, region, project, seq);
CREATE INDEX IF NOT EXISTS codebuild_builds_by_status ON codebuild_builds (status);
"""

TABLES = ("codebuild_builds", "codebuild_projects")
