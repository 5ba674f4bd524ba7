"""A deploy of N services against the fake Compute API on 127.0.0.1, driven as the Pulumi engine drives the
dynamic providers; prints API calls per service, peak requests per minute and wall time.

    make bench       (runs this after bench/run.py)
    .venv/bin/python bench/deploy_sim.py [--services 500] [--mode ingress|gateway|standalone]
                                         [--budget 600] [--quota 1500] [--workers 4] [--scale 0.02]

What is simulated, and how:
- The engine starts every resource operation at once (`pulumi up` parallelism is unbounded by default); the
  Python dynamic-provider host serves them on a pool of 4 threads (pulumi/dynamic/__main__.py), one process
  for all dynamic resources. So: N operations submitted at once to a pool of `--workers` threads, each
  calling the real provider (HealthCheckLogging, GatewayBackend or NegReady) through the real client, HTTP and
  google-auth, with inputs and outputs passed through the SDK's own (de)serialization (None inputs dropped,
  numbers as floats), as the gRPC boundary does.
- GKE: each Service's backend (or NEG) appears at a random time in the first `--appear` seconds.
- Compute: a per-minute quota of `--quota` requests (default 1,500, Compute's default read quota), past it
  403 rateLimitExceeded, as Compute answers; the providers' own budget is `--budget` requests a minute
  (IAPGEN_COMPUTE_REQUESTS_PER_MINUTE).
- Time runs 1/`--scale` times faster than real (sleeps and clocks scaled; HTTP is real), so 10 minutes of
  deploy take two minutes (HTTP on this machine costs about 40 ms, so 0.2 s simulated: about what Compute answers in).
Phases: first deploy (check + create), a no-change `pulumi up` (check + diff, update where diff says so), and
`pulumi up --refresh` (read + diff).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pulumi.runtime import rpc  # noqa: E402

from components.computeprovider import ComputeApiProvider, RateLimit, Shared, use  # noqa: E402
from components.gwbackend import GatewayBackendProvider  # noqa: E402
from components.hclogging import HealthCheckLoggingProvider  # noqa: E402
from components.negwait import NegReadyProvider  # noqa: E402
from tests.fake_compute import PROJECT, FakeCompute, bearer_session  # noqa: E402

ZONES = ("europe-west1-b", "europe-west1-c")


@dataclass
class Phase:
    name: str
    calls: int = 0
    per_service: float = 0.0
    peak_per_minute: int = 0
    refused: int = 0  # answered 403 rateLimitExceeded by the fake's quota
    failed: list[str] = field(default_factory=list)
    simulated_minutes: float = 0.0
    real_seconds: float = 0.0


@dataclass
class Result:
    services: int
    mode: str
    budget: int
    quota: int
    workers: int
    phases: list[Phase]


def wire(props: dict[str, Any]) -> dict[str, Any]:
    """Props as they cross the engine's gRPC boundary (rpc.serialize_properties / deserialize_properties)."""
    struct = asyncio.run(rpc.serialize_properties(props, {}))
    return dict(rpc.deserialize_properties(struct, True))


def populate(fake: FakeCompute, mode: str, n: int, appear: float, rng: random.Random,
             logging: bool = True) -> list[dict[str, Any]]:
    """The backends or NEGs GKE will make, each visible from its own time; the resources' inputs."""
    inputs = []
    base = {"project": PROJECT, "waitSeconds": 900, "computeEndpoint": f"{fake.url}/compute/v1",
            "resourceManagerEndpoint": f"{fake.url}/v1"}
    for i in range(n):
        namespace, service = f"team{i // 15}", f"svc{i}"
        if mode == "ingress":
            name = fake.add_backend(namespace, service, "443", name=f"k8s1-3a8f2e1c-{namespace}-{service}-443-{i:08x}",
                                    backend_id=str(10**15 + i))
            inputs.append({**base, "namespace": namespace, "service": service, "port": 443, "portName": "https",
                           "clusterUid": ""})
        elif mode == "gateway":
            name = fake.add_backend(namespace, service, "443", name=f"gkegw1-ab12-{namespace}-{service}-443-{i:012x}",
                                    backend_id=str(10**15 + i), logging=logging)
            for zone in ZONES:
                fake.negs[(zone, name)]["description"] = json.dumps(
                    {"cluster-uid": "3a8f2e1c", "namespace": namespace, "service-name": service, "port": "443"})
            inputs.append({**base, "namespace": namespace, "service": service, "port": 443, "clusterUid": ""})
        else:
            name = f"iapgen-dev-{service}"
            for z, zone in enumerate(ZONES):
                fake.negs[(zone, name)] = {"kind": "compute#networkEndpointGroup", "name": name, "id": f"{i}{z}",
                                           "zone": zone}
            inputs.append({**base, "namespace": namespace, "service": service, "negName": name, "zones": list(ZONES)})
        fake.appear_at[name] = rng.uniform(0, appear)
    return inputs


def provider(mode: str, clock: Callable[[], float], sleep: Callable[[float], None]) -> ComputeApiProvider:
    kind = {"ingress": HealthCheckLoggingProvider, "gateway": GatewayBackendProvider,
            "standalone": NegReadyProvider}[mode]
    return kind(session_factory=bearer_session, sleep=sleep, clock=clock)


def simulate(services: int = 500, mode: str = "ingress", budget: int = 600, quota: int = 1500, workers: int = 4,
             appear: float = 300.0, scale: float = 0.2, seed: int = 7, gateway_logging: bool = True) -> Result:
    """`gateway_logging=False`: the Gateway health checks log nothing (a HealthCheckPolicy not yet applied)."""
    rng = random.Random(seed)
    started = time.monotonic()

    def clock() -> float:
        return (time.monotonic() - started) / scale

    def sleep(seconds: float) -> None:
        time.sleep(max(seconds, 0.0) * scale)

    fake = FakeCompute(rate_limit=quota, rate_status=403, clock=clock, page_size=500)
    server = fake.serve()
    previous = use(Shared(RateLimit(budget, clock=clock, sleep=sleep) if budget else None, clock=clock))
    try:
        inputs = populate(fake, mode, services, appear, rng, gateway_logging)
        p = provider(mode, clock, sleep)
        phases = []
        states: dict[int, tuple[str, dict[str, Any]]] = {}

        def create(i: int) -> None:
            created = p.create(wire(inputs[i]))
            states[i] = (str(created.id), wire(dict(created.outs or {})))

        def update(i: int) -> None:
            id_, olds = states[i]
            news = wire(inputs[i])
            if p.diff(id_, olds, news).changes:
                states[i] = (id_, wire(dict(p.update(id_, olds, news).outs or {})))

        def refresh(i: int) -> None:
            id_, olds = states[i]
            read = p.read(id_, olds)
            states[i] = (id_, wire(dict(read.outs or {})))
            if p.diff(id_, states[i][1], wire(inputs[i])).changes:
                raise RuntimeError("refresh found a change where nothing changed")

        for name, step in (("first deploy", create), ("no-change pulumi up", update),
                           ("pulumi up --refresh", refresh)):
            phases.append(run_phase(fake, name, step, services, workers, clock))
    finally:
        use(previous)
        server.shutdown()
    return Result(services, mode, budget, quota, workers, phases)


def run_phase(fake: FakeCompute, name: str, step: Callable[[int], None], services: int, workers: int,
              clock: Callable[[], float]) -> Phase:
    phase = Phase(name)
    before, minutes_before, refused = len(fake.requests), dict(fake.per_minute), fake.refused
    sim_start, real_start = clock(), time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {i: pool.submit(step, i) for i in range(services)}
        for i, future in futures.items():
            error = future.exception()
            if error is not None:
                phase.failed.append(f"svc{i}: {type(error).__name__}: {str(error)[:200]}")
    phase.calls = len(fake.requests) - before
    phase.per_service = phase.calls / services
    phase.peak_per_minute = max((count - minutes_before.get(minute, 0) for minute, count in fake.per_minute.items()),
                                default=0)
    phase.refused = fake.refused - refused
    phase.simulated_minutes = (clock() - sim_start) / 60
    phase.real_seconds = time.monotonic() - real_start
    return phase


def table(results: list[Result]) -> str:
    lines = ["| mode | budget/min | phase | API calls per service | peak requests/min | refused (quota) | failed | "
             "simulated wall time | real s |", "|---|---|---|---|---|---|---|---|---|"]
    for result in results:
        for phase in result.phases:
            lines.append(f"| {result.mode} | {result.budget or 'none'} | {phase.name} | {phase.per_service:.2f} | "
                         f"{phase.peak_per_minute} | {phase.refused} | {len(phase.failed)} | "
                         f"{phase.simulated_minutes:.1f} min | {phase.real_seconds:.1f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=500)
    parser.add_argument("--mode", choices=("ingress", "gateway", "standalone", "all"), default="ingress")
    parser.add_argument("--budget", type=int, default=600, help="the providers' requests per minute (0: no limit)")
    parser.add_argument("--quota", type=int, default=1500, help="the fake project's read quota per minute")
    parser.add_argument("--workers", type=int, default=4, help="the dynamic-provider host's threads (Pulumi: 4)")
    parser.add_argument("--appear", type=float, default=300.0, help="backends appear within this many seconds")
    parser.add_argument("--scale", type=float, default=0.2, help="real seconds per simulated second")
    args = parser.parse_args()
    modes = ("ingress", "gateway", "standalone") if args.mode == "all" else (args.mode,)
    results = []
    for mode in modes:
        for budget in (args.budget, 0):  # the budget, and no client-side limit as the baseline
            results.append(simulate(args.services, mode, budget, args.quota, args.workers, args.appear, args.scale))
    print(f"Deploy simulation: {args.services} services, {args.workers} provider threads, quota {args.quota}/min, "
          f"backends appear within {args.appear:.0f} s\n")
    print(table(results))
    failures = [f for r in results for p in r.phases for f in p.failed]
    for failure in failures[:10]:
        print("FAILED", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
