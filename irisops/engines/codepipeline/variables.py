"""``#{Namespace.Variable}`` references in action configurations.

Namespaces: an action's ``namespace`` (its output variables), ``codepipeline``
(``PipelineExecutionId``) and ``variables`` (pipeline-level variables, V2).
"""

from __future__ import annotations

import re

from irisops.engines.codepipeline.actions.base import ActionFailed

_REFERENCE = re.compile(r"#\{([A-Za-z0-9@\-_]+)\.([A-Za-z0-9@\-_]+)\}")


def resolve(configuration: dict[str, str], namespaces: dict[str, dict[str, str]]) -> dict[str, str]:
    def value(match: re.Match[str]) -> str:
        namespace, name = match.groups()
        found = namespaces.get(namespace, {}).get(name)
        if found is None:
            raise ActionFailed(
                "ConfigurationError",
                f"The variable #{{{namespace}.{name}}} is not defined in this execution",
            )
        return found

    return {key: _REFERENCE.sub(value, str(raw)) for key, raw in configuration.items()}
