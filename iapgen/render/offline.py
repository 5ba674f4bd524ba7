"""Run a Pulumi program offline, under the Pulumi SDK's mocks, and record what it registers.

This is how `iapgen render` runs the very program `pulumi up` runs, with no CLI, no
provider plugins and no credentials. The mocks answer like a preview: a resource's outputs
are its inputs, and anything else it would only learn from the cloud (an IP address, a
generated id) stays unknown and is reported as "<computed>".
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import functools
import gc
import importlib.metadata
import inspect
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pulumi
from pulumi.runtime import mocks, rpc, settings
from pulumi.runtime import resource as sdk_resource
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
    provider: str | None = None
    """The logical name of the explicit provider it was registered with (None for the default provider)."""


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
        provider = name_of(args.provider.rsplit("::", 1)[0]) if args.provider else None
        self.run.resources.append(Registration(args.typ, args.name, parent, bool(args.custom), plain(args.inputs),
                                               provider))
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



# --- stack traces -------------------------------------------------------------------------
# For every registration the SDK walks the Python stack (pulumi.runtime.resource._get_stack_trace) so that a real
# engine can point at the line that created a resource. The mock monitor never reads it, and it costs about a fifth
# of a render, more with every level of component nesting. The SDK has no switch for it, so offline runs wrap that
# private function: the wrapper answers an empty trace (what the SDK itself sends when it finds no user frame) inside
# an offline run, and calls the SDK's own function everywhere else. `pulumi up` (__main__.py) never imports this
# module and never runs inside an offline run, so it sends the same stack traces as before.
# tests/test_offline_stack_traces.py fails if the wrapper stops applying.

STACK_TRACE_FUNCTION = "_get_stack_trace"
STACK_TRACE_SDK = (3, 4)  # pulumi major versions whose _get_stack_trace this was checked against: [3, 4)
_OFFLINE: contextvars.ContextVar[bool] = contextvars.ContextVar("iapgen_offline_run", default=False)
_WRAPPED = "__iapgen_offline__"


def skip_stack_traces_in(module: ModuleType, sdk_version: str) -> bool:
    """Wrap `module`'s stack-trace function so that offline runs skip it; whether offline runs now skip it.

    Declines (render stays correct, only slower) unless the SDK is a checked major version and the function is
    there, takes no arguments, and its module has the StackTrace message it returns.
    """
    current = getattr(module, STACK_TRACE_FUNCTION, None)
    if getattr(current, _WRAPPED, False):
        return True
    major = sdk_version.split(".", 1)[0]
    if not (major.isdigit() and STACK_TRACE_SDK[0] <= int(major) < STACK_TRACE_SDK[1]) or not callable(current):
        return False
    empty = getattr(getattr(module, "source_pb2", None), "StackTrace", None)
    try:
        takes_arguments = bool(inspect.signature(current).parameters)
    except (TypeError, ValueError):
        return False
    if empty is None or takes_arguments:
        return False
    original = current

    @functools.wraps(original)
    def stack_trace() -> Any:
        return empty() if _OFFLINE.get() else original()

    setattr(stack_trace, _WRAPPED, True)
    setattr(module, STACK_TRACE_FUNCTION, stack_trace)
    return True


@functools.cache
def _stack_traces_skipped() -> bool:
    return skip_stack_traces_in(sdk_resource, importlib.metadata.version("pulumi"))


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection during a run. A run allocates millions of objects that all live until it ends
    (resources, outputs, their tasks) next to the SDK's large, long-lived modules, some imported during the run; the
    collector would walk them all again and again for little garbage (a quarter of a render at 500 services). Memory
    rises by the run's few cycles, which the next collection after the run frees."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@functools.cache
def _no_collection_at_exit() -> None:
    """At exit, Python collects garbage over everything still alive: after an offline run that is the SDK's module
    graph (hundreds of thousands of objects), a fifth of a one-service `iapgen render`. Freezing them first (at
    exit, so never while the process still works) leaves that collection nothing to walk. What the process wrote
    it closed itself; only a finaliser of garbage in a reference cycle would be skipped, as Python already may."""
    atexit.register(gc.freeze)


def run_offline(program: Callable[[], None], *, project: str, stack: str, config: Mapping[str, str],
                secret_keys: list[str] | None = None, preview: bool = True,
                outputs: Outputs | None = None, lean: bool = True) -> OfflineRun:
    """Run `program` under fresh mocks, in its own context so runs never leak into each other.

    preview=True answers like `pulumi preview` (what render shows); preview=False like an update,
    where values the mocks do not know resolve to None instead of staying unknown. lean=False runs
    the SDK as it comes: a stack trace per registration, which the mocks never read, and the garbage
    collector on (the benchmark's baseline); either way the run records the same.
    """
    if lean:
        _no_collection_at_exit()
    with _collector_paused() if lean else contextlib.nullcontext():
        return contextvars.copy_context().run(_run, program, project, stack, config, secret_keys or [], preview,
                                              outputs, lean)


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
         secret_keys: list[str], preview: bool, outputs: Outputs | None, lean: bool) -> OfflineRun:
    if lean and _stack_traces_skipped():
        _OFFLINE.set(True)  # this run's context only, which every task of the run inherits
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
