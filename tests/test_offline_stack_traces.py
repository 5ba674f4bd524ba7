"""Offline runs skip the SDK's stack trace per registration; everything else, `pulumi up` included, keeps it.
And they pause the garbage collector, which they turn back on however they end.

The SDK walks the Python stack for every registration (pulumi.runtime.resource._get_stack_trace) so that a real
engine can point at a line of the program; the mocks never read it. iapgen.render.offline wraps that private
function for offline runs only. These tests fail when the wrapper stops applying (an SDK that renames or changes
the function), when it leaks outside offline runs, or when it changes what render records.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import traceback
import types
from typing import Any

import pulumi
import pytest
from pulumi.runtime import resource as sdk_resource

from iapgen.render.offline import OfflineRun, run_offline, skip_stack_traces_in
from tests.conftest import REPO


class Leaf(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("test:index:Leaf", name, None, opts)
        pulumi.CustomResource("test:index:Thing", f"{name}-thing", {"size": 3},
                              pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


class Nest(pulumi.ComponentResource):
    def __init__(self, name: str):
        super().__init__("test:index:Nest", name, None, None)
        Leaf(f"{name}-leaf", pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


def program() -> None:
    Nest("a")
    pulumi.export("answer", 42)


def offline(**kwargs: Any) -> OfflineRun:
    return run_offline(program, project="p", stack="dev", config={}, **kwargs)


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times anything walks the stack the way the SDK's stack-trace function does."""
    count = [0]
    real = traceback.extract_stack

    def counting(*args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(traceback, "extract_stack", counting)
    return count


def test_an_offline_run_takes_no_stack_trace(walks: list[int]) -> None:
    run = offline()
    assert len(run.resources) == 3 and walks[0] == 0


def test_the_benchmark_baseline_keeps_the_sdks_stack_traces(walks: list[int]) -> None:
    """The check above is not vacuous: this SDK does walk the stack, once per registration."""
    offline(lean=False)
    assert walks[0] >= 3


def test_skipping_changes_nothing_render_records() -> None:
    lean, full = offline(), offline(lean=False)
    assert lean.resources == full.resources and lean.outputs == full.outputs == {"answer": 42}


def test_outside_an_offline_run_the_sdk_function_runs(walks: list[int]) -> None:
    offline()  # the wrapper is in place from here on
    function = sdk_resource._get_stack_trace
    assert function.__wrapped__ is not None  # type: ignore[attr-defined]
    walks[0] = 0
    function()
    assert walks[0] == 1


def test_pulumi_up_keeps_the_sdks_own_function() -> None:
    """__main__.py imports the program, never the offline runner: the SDK function stays unwrapped."""
    code = ("import components.program, sys; from pulumi.runtime import resource as r; "
            "print('iapgen.render.offline' in sys.modules, hasattr(r._get_stack_trace, '__wrapped__'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def fake_sdk(function: Any) -> types.ModuleType:
    module = types.ModuleType("fake_resource")
    module._get_stack_trace = function  # type: ignore[attr-defined]
    module.source_pb2 = types.SimpleNamespace(StackTrace=lambda: "empty")  # type: ignore[attr-defined]
    return module


def test_the_wrapper_declines_what_it_was_not_checked_against() -> None:
    def trace() -> str:
        return "frames"

    def with_argument(depth: int) -> str:
        return "frames"

    assert not skip_stack_traces_in(fake_sdk(trace), "4.0.0")
    assert not skip_stack_traces_in(fake_sdk(trace), "2.9.0")
    assert not skip_stack_traces_in(fake_sdk(with_argument), "3.200.0")
    assert not skip_stack_traces_in(types.ModuleType("renamed"), "3.200.0")
    module = fake_sdk(trace)
    assert skip_stack_traces_in(module, "3.200.0")
    assert module._get_stack_trace() == "frames"  # outside an offline run: the original
    assert skip_stack_traces_in(module, "3.200.0")  # once only: the wrapper is not wrapped again
    assert module._get_stack_trace.__wrapped__ is trace


def test_the_collector_rests_during_a_lean_run_only() -> None:
    seen: list[bool] = []

    def noting() -> None:
        seen.append(gc.isenabled())

    def failing() -> None:
        raise RuntimeError("boom")

    run_offline(noting, project="p", stack="dev", config={})
    run_offline(noting, project="p", stack="dev", config={}, lean=False)
    assert seen == [False, True] and gc.isenabled()
    with pytest.raises(Exception, match="boom"):
        run_offline(failing, project="p", stack="dev", config={})
    assert gc.isenabled()
    gc.disable()
    try:  # a caller that had it off keeps it off
        run_offline(noting, project="p", stack="dev", config={})
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_process_that_ran_offline_skips_the_exit_collection() -> None:
    """The exit hook freezes what is alive, so the exit-time collection has nothing to walk."""
    code = ("import atexit, gc\n"
            "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))  # runs after the hook (LIFO)\n"
            "from iapgen.render.offline import run_offline\n"
            "run_offline(lambda: None, project='p', stack='dev', config={})\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["frozen", "True"]
