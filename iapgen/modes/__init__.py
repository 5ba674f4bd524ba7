"""The exposure modes, by their `loadBalancer` value: one line each. A mode is a package that implements
`iapgen.modes.base.Mode`; adding one is its package (and its components/ side) plus a line here
(docs/design.md#adding-a-mode)."""

from __future__ import annotations

from iapgen.modes import gateway, ingress, multicluster, standalone
from iapgen.modes.base import Mode
from iapgen.spec.models import DEFAULT_MODE, Environment, register_environment

MODES: dict[str, Mode] = {}


def register(mode: Mode) -> Mode:
    """Add a mode: its environment model joins validation, its name the allowed `loadBalancer` values."""
    if MODES.get(mode.name, mode) is not mode:
        raise ValueError(f"loadBalancer mode {mode.name} registered twice")
    register_environment(mode.name, mode.environment)
    MODES[mode.name] = mode
    return mode


register(ingress.MODE)
register(standalone.MODE)
register(gateway.MODE)
register(multicluster.MODE)


def service_field_owners() -> dict[str, list[str]]:
    """{Service field (YAML name): the modes that read it} for the fields only some modes read."""
    owners: dict[str, list[str]] = {}
    for mode in MODES.values():
        for name in sorted(mode.service_fields):
            owners.setdefault(name, []).append(mode.name)
    return owners


def mode_of(environment: Environment) -> Mode:
    """The mode an environment (validated, so its mode is registered) uses."""
    return MODES[environment.load_balancer]


def named(name: str | None) -> Mode:
    """The mode a render folder recorded (no loadBalancer output: the default, as before modes existed)."""
    return MODES[name or DEFAULT_MODE]
