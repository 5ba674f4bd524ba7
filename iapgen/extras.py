"""Which install a command needs.

The base install (`pip install iapgen`) carries lint, rules, check, schema, token/curl, doctor, diff of two
render folders and the IAP JWT middleware, and imports no Pulumi package. Rendering (render, diff
--base-ref, the Pulumi program) needs the deploy extra. A command that needs it and finds it missing says
so in one line and exits 2, before importing anything of it.
"""

from __future__ import annotations

import importlib.util

DEPLOY_MODULES = ("pulumi", "pulumi_gcp", "pulumi_kubernetes")
DEPLOY_INSTALL = "pip install 'iapgen[deploy]'"


def missing_deploy_modules() -> list[str]:
    """The deploy extra's top-level modules this interpreter cannot find (found without importing them)."""
    missing = []
    for name in DEPLOY_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def deploy_missing_message(command: str) -> str | None:
    """One line naming the install `command` needs, or None when the deploy extra is installed."""
    missing = missing_deploy_modules()
    if not missing:
        return None
    return (f"iapgen {command} needs the deploy extra (no module {', '.join(missing)}): {DEPLOY_INSTALL}, "
            "or from a clone: pip install '.[deploy]'")
