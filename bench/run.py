"""iapgen benchmarks: each figure a ratio to a baseline measured in the same run, on this machine.

    make bench            (or: .venv/bin/python bench/run.py [--quick] [--runs N])
    .venv/bin/python bench/run.py --render     the two render targets only (issue 21), a few minutes

Prints a Markdown table. Every figure is the median of several runs, baselines interleaved
with what they are compared to:

- render, N=500 services in Ingress mode, against a bare Pulumi program that registers the same
  resources (the types, names, parents and inputs of the render's own plan.json, as generic
  resources) under the same mocks, with the SDK as it comes: the floor Pulumi itself sets. Target
  1.3. Both run after imports, in this process, and are timed in CPU time: on a machine shared with
  others, wall time mostly measures the neighbours (the render does no I/O here). For reference, the
  same bare program run the way render runs (iapgen.render.offline, lean: no stack trace per
  registration, collector paused), which shows what is left of iapgen's own cost.
- scaling: render at N=2,000 over N=200 (11 or less is linear, with room for noise).
- iapgen lint over 5,000 documents against parsing the same YAML with PyYAML's C loader, with CRD schema
  validation (the default) and with --no-schemas (`--lint` runs only these).
- cold start: `iapgen render` of one service as a new process, against a process that only imports
  pulumi, pulumi_kubernetes and pulumi_gcp; CPU time of the child processes (wall time alongside).
  Target 3.
- peak memory of `iapgen render` at N=2,000, with the bare program's for reference.
- hostile shapes (issue 16): lint time at N=1,000 over N=250 for N Services sharing one selector with N
  Deployments, and for N Services naming near-miss BackendConfigs (5 or less: linear is 4); peak memory
  of `iapgen check` and `iapgen lint` on 16 MiB inputs (one flat list, tiny documents), 1 GiB at most.
  `--hardening` runs only these.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from iapgen.lint.command import lint  # noqa: E402
from iapgen.render.command import plan, render  # noqa: E402
from iapgen.render.offline import OfflineRun, run_offline  # noqa: E402
from iapgen.spec.yamllimits import MAX_BYTES  # noqa: E402
from tests.fuzz import flat_list, near_miss, shared_selector, tiny_documents  # noqa: E402

PROTOCOLS = [("HTTPS", 443, 8443), ("HTTP", 80, 8080), ("HTTP2", 443, 9443)]
PER_NAMESPACE = 15  # one Ingress holds at most 15 certificates


def spec_text(n: int) -> str:
    services = []
    for i in range(n):
        protocol, port, target = PROTOCOLS[i % 3]
        services.append({
            "name": f"svc{i}", "namespace": f"team{i // PER_NAMESPACE}", "selector": {"app": f"svc{i}"},
            "port": port, "targetPort": target, "protocol": protocol,
            "healthCheck": {"path": "/healthz", "checkIntervalSec": 10, "timeoutSec": 5},
            "iap": {"members": [f"user:owner{i}@acme.example"]},
        })
    return yaml.safe_dump({"environments": {"dev": {"project": "acme-dev", "domain": "dev.acme.example",
                                                    "iap": {"members": ["group:eng@acme.example"]}}},
                           "services": services}, sort_keys=False)


def write_spec(folder: Path, n: int) -> Path:
    path = folder / f"services-{n}.yaml"
    path.write_text(spec_text(n))
    return path


def timed(function: Callable[[], Any]) -> float:
    gc.collect()
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def bare_program(entries: list[dict[str, Any]]) -> Callable[[], None]:
    """The same registrations as literal generic resources: what Pulumi costs with no iapgen at all."""
    def program() -> None:
        made: dict[str, pulumi.Resource] = {}
        for entry in entries:
            opts = pulumi.ResourceOptions(parent=made[entry["parent"]]) if entry["parent"] else None
            if entry["type"].startswith("iapgen:"):
                resource: pulumi.Resource = pulumi.ComponentResource(entry["type"], entry["name"], None, opts)
            else:
                inputs = {k: v for k, v in entry["inputs"].items() if k != "__provider"}
                resource = pulumi.CustomResource(entry["type"], entry["name"], inputs, opts)
            made[entry["name"]] = resource
        pulumi.export("services", len(entries))
    return program


def run_bare(entries: list[dict[str, Any]], lean: bool = False) -> OfflineRun:
    """The bare program under render's mocks; lean=False runs the SDK as it comes (the baseline)."""
    return run_offline(bare_program(entries), project="iapgen", stack="dev", config={}, lean=lean)


def median_pair(first: Callable[[], Any], second: Callable[[], Any], runs: int) -> tuple[float, float]:
    a, b = [], []
    for _ in range(runs):  # interleaved, so drift on the machine hits both alike
        a.append(timed(first))
        b.append(timed(second))
    return statistics.median(a), statistics.median(b)


def cpu_timed(function: Callable[[], Any]) -> float:
    gc.collect()
    started = time.process_time()
    function()
    return time.process_time() - started


def process_seconds(argv: list[str]) -> tuple[float, float]:
    """CPU time (user and system, its threads included) and wall time of a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, cwd=REPO)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def cpu_pair(first: Callable[[], Any], second: Callable[[], Any], runs: int) -> tuple[float, float]:
    a, b = [], []
    for _ in range(runs):  # interleaved, so drift on the machine hits both alike
        a.append(cpu_timed(first))
        b.append(cpu_timed(second))
    return statistics.median(a), statistics.median(b)


def peak_mb(code: str) -> float:
    """Peak resident memory of a fresh process running `code`. VmHWM belongs to the process's own address
    space; ru_maxrss would also count the copy of this (large) process that existed before exec."""
    script = code + "\nprint([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True, cwd=REPO)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def timed_result(function: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


Row = tuple[str, str, str, float, float]


def hardening_rows(folder: Path, runs: int, quick: bool) -> list[Row]:
    """Lint's scaling on the shapes that were once cubic, and peak memory on inputs at the size limit."""
    rows: list[Row] = []
    small, large = (50, 200) if quick else (250, 1000)
    for shape in (shared_selector, near_miss):
        few, many = shape(small), shape(large)
        lint(["-"], stdin=few)  # warm: imports and first-use caches
        # CPU time of this process, interleaved, median of 5: on a shared machine, wall time mostly measures
        # the neighbours (lint is single-threaded and does no I/O here).
        samples_many, samples_few = [], []
        for _ in range(max(runs, 5)):
            samples_many.append(cpu_timed(lambda many=many: lint(["-"], stdin=many)))  # type: ignore[misc]
            samples_few.append(cpu_timed(lambda few=few: lint(["-"], stdin=few)))  # type: ignore[misc]
        t_many, t_few = statistics.median(samples_many), statistics.median(samples_few)
        rows.append((f"lint {shape.__name__.replace('_', '-')}, N={large} over N={small} (CPU time)",
                     f"{t_many:.2f} s", f"{t_few:.2f} s", t_many / t_few, 5.0))
    size = (MAX_BYTES // 16) if quick else MAX_BYTES
    inputs = {"flat list": flat_list(size), "tiny documents": tiny_documents(size)}
    for what, data in inputs.items():
        path = folder / f"{what.replace(' ', '-')}.yaml"
        path.write_bytes(data)
        for command in ("check", "lint"):
            code = ("import sys; from iapgen.cli import main; "
                    f"sys.argv = ['iapgen', {command!r}, {'--spec' if command == 'check' else ''!r}, {str(path)!r}]; "
                    "import contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()), "
                    "contextlib.redirect_stderr(io.StringIO()):\n    main([a for a in sys.argv[1:] if a])")
            started = time.perf_counter()
            mb = peak_mb(code)
            seconds = time.perf_counter() - started
            rows.append((f"peak memory, iapgen {command} on {len(data) / 2**20:.0f} MiB of {what}",
                         f"{mb:.0f} MB in {seconds:.1f} s", "1 GiB", mb / 1024, 1.0))
    return rows


def lint_rows(folder: Path, rendered: Any, docs: int, runs: int) -> list[Row]:
    """lint of `docs` rendered documents against a plain YAML parse, with and without CRD schema validation."""
    manifests = folder / "manifests.yaml"
    texts = [text for rel, text in sorted(rendered.files.items()) if rel.startswith("k8s/")]
    while len(texts) < docs:
        texts += texts
    manifests.write_text("---\n".join(texts[:docs]))
    raw = manifests.read_text()
    rows: list[Row] = []
    for schemas, label in ((True, ""), (False, ", --no-schemas")):
        t_lint, t_yaml = median_pair(lambda schemas=schemas: lint([str(manifests)], schemas=schemas),  # type: ignore[misc]
                                     lambda: list(yaml.load_all(raw, Loader=yaml.CSafeLoader)), runs)
        rows.append((f"lint{label}, {docs} documents ({docs / t_lint:,.0f} docs/s)", f"{t_lint:.2f} s",
                     f"PyYAML CSafeLoader {t_yaml:.2f} s", t_lint / t_yaml, 2.0))
    return rows


def render_rows(folder: Path, iapgen: str, n: int, runs: int) -> list[Row]:
    """The two render targets: render against the bare program, and a one-service render against the imports."""
    spec = write_spec(folder, n)
    rendered = render(str(spec), "dev")
    entries = json.loads(rendered.files["plan.json"])  # exactly what the render registered
    ours, floor = cpu_pair(lambda: render(str(spec), "dev"), lambda: run_bare(entries), runs)
    lean = statistics.median(cpu_timed(lambda: run_bare(entries, lean=True)) for _ in range(runs))
    rows: list[Row] = [
        (f"render, N={n} ({len(entries)} resources), CPU time", f"{ours:.2f} s", f"bare Pulumi program {floor:.2f} s",
         ours / floor, 1.3),
        (f"render, N={n}, against the bare program run lean like render (reference)", f"{ours:.2f} s",
         f"bare Pulumi program, lean {lean:.2f} s", ours / lean, float("nan"))]
    one = write_spec(folder, 1)
    render_argv = [iapgen, "render", "--env", "dev", "--spec", str(one), "--out", str(folder / "one"), "-q"]
    imports = [sys.executable, "-c", "import pulumi, pulumi_kubernetes, pulumi_gcp"]
    cold, base = [], []
    for _ in range(max(runs, 5)):  # a few seconds each: more runs, steadier medians
        subprocess.run(["rm", "-rf", str(folder / "one")], check=True)
        cold.append(process_seconds(render_argv))
        base.append(process_seconds(imports))
    cpu, wall = (statistics.median(c[i] for c in cold) for i in (0, 1))
    base_cpu, base_wall = (statistics.median(b[i] for b in base) for i in (0, 1))
    rows.append(("cold start, render 1 service, CPU time", f"{cpu:.2f} s (wall {wall:.2f} s)",
                 f"import pulumi, pulumi_kubernetes, pulumi_gcp {base_cpu:.2f} s (wall {base_wall:.2f} s)",
                 cpu / base_cpu, 3.0))
    return rows


def verdict(rows: list[Row]) -> str:
    """One line: whether every figure with a target met it (the render targets of issue 21, here)."""
    missed = [f"{what} ({ratio:.2f} > {target:g})" for what, _, _, ratio, target in rows if ratio > target]
    checked = sum(1 for *_, target in rows if target == target)
    return (f"\ntargets: FAIL, {len(missed)} of {checked} missed: " + "; ".join(missed)) if missed else \
        f"\ntargets: pass, all {checked} met"


def print_table(rows: list[Row], header: str) -> None:
    print(header + "\n")
    print("| what | measured | baseline (same run) | ratio | target |")
    print("|---|---|---|---|---|")
    for what, measured, baseline, ratio, target in rows:
        verdict = "" if target != target else (" ok" if ratio <= target else " **missed**")
        goal = "-" if target != target else f"<= {target:g}"
        print(f"| {what} | {measured} | {baseline} | {ratio:.2f}{verdict} | {goal} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller N and fewer runs (a smoke test, not figures)")
    parser.add_argument("--hardening", action="store_true", help="only the hostile shapes of issue 16")
    parser.add_argument("--lint", action="store_true", help="only lint against a plain YAML parse, with and without "
                        "CRD schemas")
    parser.add_argument("--render", action="store_true", help="only the two render targets of issue 21")
    parser.add_argument("--runs", type=int, help="runs per figure (default 3; 2 with --quick)")
    args = parser.parse_args()
    n_render, n_small, n_large, docs, runs = (60, 20, 200, 500, 2) if args.quick else (500, 200, 2000, 5000, 3)
    runs = args.runs or runs
    iapgen = str(Path(sys.executable).parent / "iapgen")
    rows: list[Row] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.hardening:
            rows = hardening_rows(folder, runs, args.quick)
            print_table(rows, f"iapgen hardening benchmarks: {os.cpu_count()} cores, Python "
                        f"{platform.python_version()}, lint: median of {max(runs, 5)} runs, memory: one run"
                        f"{' (quick)' if args.quick else ''}, "
                        f"{time.perf_counter() - started:.0f} s in all")
            return 0
        if args.lint:
            rows = lint_rows(folder, render(str(write_spec(folder, n_large)), "dev"), docs, runs)
            print_table(rows, f"iapgen lint benchmark: {os.cpu_count()} cores, Python {platform.python_version()}, "
                        f"median of {runs} runs{' (quick)' if args.quick else ''}, "
                        f"{time.perf_counter() - started:.0f} s in all")
            return 0
        rows += render_rows(folder, iapgen, n_render, runs)
        targets = verdict(rows)
        if args.render:
            print_table(rows, f"iapgen render benchmarks: {os.cpu_count()} cores, Python {platform.python_version()}, "
                        f"pulumi {importlib.metadata.version('pulumi')}, median of {runs} runs"
                        f"{' (quick)' if args.quick else ''}, {time.perf_counter() - started:.0f} s in all")
            print(targets)
            return 0
        small, large = write_spec(folder, n_small), write_spec(folder, n_large)
        bare_small = plan(render(str(small), "dev").run)
        large_runs = [timed_result(lambda: render(str(large), "dev")) for _ in range(2)]
        t_large = statistics.median(t for t, _ in large_runs)
        rendered_large = large_runs[0][1]
        bare_large = plan(rendered_large.run)
        t_small, b_small = median_pair(lambda: render(str(small), "dev"), lambda: run_bare(bare_small), runs)
        b_large = statistics.median(timed(lambda: run_bare(bare_large)) for _ in range(2))
        rows.append((f"render scaling, N={n_large} over N={n_small}", f"{t_large:.2f} s", f"{t_small:.2f} s",
                     t_large / t_small, 11.0))
        rows.append((f"bare Pulumi program scaling, N={n_large} over N={n_small} (reference)", f"{b_large:.2f} s",
                     f"{b_small:.2f} s", b_large / b_small, float("nan")))

        rows += lint_rows(folder, rendered_large, docs, runs)

        large_entries = folder / "entries.json"
        large_entries.write_text(json.dumps(bare_large))
        ours_mb = peak_mb(f"from iapgen.render.command import render; render({str(large)!r}, 'dev')")
        bare_mb = peak_mb(f"import json, sys; sys.path.insert(0, {str(REPO / 'bench')!r}); from run import run_bare; "
                          f"run_bare(json.load(open({str(large_entries)!r})))")
        rows.append((f"peak memory, render N={n_large}", f"{ours_mb:.0f} MB", f"bare Pulumi program {bare_mb:.0f} MB",
                     ours_mb / bare_mb, float("nan")))
        rows += hardening_rows(folder, runs, args.quick)

    print_table(rows, f"iapgen benchmarks: {os.cpu_count()} cores, Python {platform.python_version()}, pulumi "
                f"{importlib.metadata.version('pulumi')}, median of {runs} runs"
                f"{' (quick)' if args.quick else ''}, {time.perf_counter() - started:.0f} s in all")
    print(targets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
