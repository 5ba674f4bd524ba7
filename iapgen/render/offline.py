"""Run a Pulumi program offline, under the Pulumi SDK's mocks, and record what it registers.

This is how `iapgen render` runs the very program `pulumi up` runs, with no CLI, no
provider plugins and no credentials. The mocks answer like a preview: a resource's outputs
are its inputs, and anything else it would only learn from the cloud (an IP address, a
generated id) stays unknown and is reported as "<computed>".
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import mocks, rpc, settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

COMPUTED = "<computed>"
STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class Registration:
    """One resource as the program registered it."""

    type: str
    name: str
    parent: str | None
    custom: bool
    inputs: dict[str, Any]


@dataclass
class OfflineRun:
    resources: list[Registration] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)


def name_of(urn: str) -> str | None:
    """The logical name at the end of a URN (urn:pulumi:STACK::PROJECT::TYPE::NAME); None for the stack."""
    parts = urn.split("::")
    if len(parts) < 4 or parts[2] == STACK_TYPE:
        return None
    return parts[-1]


SECRET = "[secret]"
PUBLIC_IN_SECRETS = frozenset({"oauth2ClientId"})
"""Strings a reviewer may see inside a secret block: Pulumi marks a whole block secret when one field is (the
backend's `iap` with its client secret), and the client id is public (it is in every IAP login URL)."""


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


def masked(value: Any, key: str = "") -> Any:
    """A secret input's shape: keys, booleans, numbers and PUBLIC_IN_SECRETS shown, every other value "[secret]"."""
    if _is_secret(value):
        return masked(value.get("value"), key)
    if isinstance(value, dict):
        return {str(k): masked(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked(v, key) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return plain(value)
    if isinstance(value, str) and key in PUBLIC_IN_SECRETS:
        return value
    return SECRET


def plain(value: Any) -> Any:
    """Inputs as JSON: secrets masked (masked()), unknowns "<computed>", whole floats ints."""
    if isinstance(value, dict):
        if _is_secret(value):  # a secret block shows its shape; a secret value shows nothing
            return masked(value) if isinstance(value.get("value"), dict) else SECRET
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, pulumi.output.Unknown):
        return COMPUTED
    return str(value)


Outputs = Callable[[str, dict[str, Any]], dict[str, Any]]


class _Recorder(mocks.Mocks):
    """Answers like a preview (outputs = inputs) and records every new resource.

    `outputs(type, inputs)` may add what a provider would report after create (tests use it to
    stand in for the cloud); render passes none, so such values stay unknown.
    """

    def __init__(self, run: OfflineRun, outputs: Outputs | None = None):
        self.run = run
        self.outputs = outputs
        self.parent = threading.local()

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        parent = name_of(getattr(self.parent, "urn", ""))
        self.run.resources.append(Registration(args.typ, args.name, parent, bool(args.custom), plain(args.inputs)))
        state = dict(args.inputs)
        if self.outputs is not None:
            state.update(self.outputs(args.typ, state))
        return None, state

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        raise NotImplementedError(f"iapgen render cannot answer the data source {args.token} offline")


class _Monitor(mocks.MockMonitor):
    """A MockMonitor that tells the recorder each resource's parent."""

    def __init__(self, recorder: _Recorder):
        super().__init__(recorder)
        self.recorder = recorder

    def RegisterResource(self, request: Any) -> Any:
        self.recorder.parent.urn = request.parent
        return super().RegisterResource(request)



def run_offline(program: Callable[[], None], *, project: str, stack: str, config: Mapping[str, str],
                secret_keys: list[str] | None = None, preview: bool = True,
                outputs: Outputs | None = None) -> OfflineRun:
    """Run `program` under fresh mocks, in its own context so runs never leak into each other.

    preview=True answers like `pulumi preview` (what render shows); preview=False like an update,
    where values the mocks do not know resolve to None instead of staying unknown.
    """
    return contextvars.copy_context().run(_run, program, project, stack, config, secret_keys or [], preview, outputs)


async def _resolve(value: Any) -> Any:
    """Exports with every Output resolved; values unknown before deploy stay Unknown."""
    if isinstance(value, dict):
        return {k: await _resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [await _resolve(v) for v in value]
    output = pulumi.Output.from_input(value)
    if not await output.is_known():
        return pulumi.output.Unknown()
    return await output.future()


def _run(program: Callable[[], None], project: str, stack: str, config: Mapping[str, str],
         secret_keys: list[str], preview: bool, outputs: Outputs | None) -> OfflineRun:
    run = OfflineRun()
    recorder = _Recorder(run, outputs)
    settings.set_root_resource(None)  # type: ignore[arg-type]
    set_all_config(dict(config), secret_keys)
    mocks.set_mocks(recorder, project=project, stack=stack, preview=preview, monitor=_Monitor(recorder))
    try:
        _sync_await(run_pulumi_func(program))
        # The mock root stack is finished before the program runs, so its exports are never
        # sent to the monitor: read them from the stack object once everything resolved.
        root = settings.get_root_resource()
        exports = getattr(root, "outputs", {})
        run.outputs = plain(_sync_await(_resolve(exports)))
    finally:
        settings.SETTINGS.rpc_manager.clear()
        settings.SETTINGS.outputs.clear()
    return run
