"""The small base of iapgen's dynamic providers that read (or patch) Google Cloud through the Compute API.

Three providers use it, none subclassing another: HealthCheckLogging (components/hclogging.py),
GatewayBackend (components/gwbackend.py) and NegReady (components/negwait.py). It holds what they share:

- a Client per resource, its endpoints from the resource's props (tests point them at a fake on 127.0.0.1);
- `wait`: poll with backoff until something exists, bounded by the wall clock as well as by the sleeps;
- `inspect`: read a backend service's health check and NEGs (`Backend`), and `log_query`;
- what one provider process shares between all its resources: one rate limit for every request
  (IAPGEN_COMPUTE_REQUESTS_PER_MINUTE, default 600: the Compute API's read quota is 1,500 a minute per
  project), one recent backendServices.list for every resource polling for its backend, and the project number;
- `pickler_restored`, the guard around the SDK's pickling of a provider.

Pulumi's Python dynamic providers run in one process with four worker threads (pulumi/dynamic/__main__.py),
however many resources the engine starts at once; state stores each provider pickled by reference to its
module and class (components.hclogging.HealthCheckLoggingProvider ...), with its attributes. Those names
stay importable, and attributes added later have class defaults, so providers pickled by older code load.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pulumi.dynamic

from iapgen.googleapi.compute import COMPUTE, RESOURCE_MANAGER, ApiError, Client, NotFound

DEFAULT_WAIT_SECONDS = 900  # NEGs appear only once Pods run; a first Ingress takes minutes
DEFAULT_REQUESTS_PER_MINUTE = 600
LIST_MAX_AGE = 2.0  # seconds a backendServices.list answer serves every resource that polls
T = TypeVar("T")


class RateLimit:
    """A token bucket: at most `per_minute` requests in any minute (a burst of a twelfth of it, the rest spread
    evenly). Shared by every client of the process, so 500 resources polling at once stay under one budget."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.per_minute, self.clock, self.sleep = per_minute, clock, sleep
        self.burst = max(1.0, per_minute / 12)
        self.rate = max(per_minute - self.burst, 1.0) / 60.0  # tokens a second
        self._tokens, self._at = self.burst, clock()
        self._lock = threading.Lock()

    def __call__(self) -> None:
        while True:
            with self._lock:
                now = self.clock()
                self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
                self._at = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                wait = (1.0 - self._tokens) / self.rate
            self.sleep(wait)


@dataclass
class Shared:
    """What all resources of one provider process share (one per process; tests and the bench swap it)."""

    limit: RateLimit | None
    clock: Callable[[], float] = time.monotonic
    lists: dict[tuple[str, str, str], tuple[float, list[dict[str, Any]]]] = field(default_factory=dict)
    numbers: dict[tuple[str, str], str] = field(default_factory=dict)
    locks: dict[tuple[str, str, str], threading.Lock] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def backend_services(self, client: Client, name_filter: str, since: float | None = None) -> list[dict[str, Any]]:
        """backendServices.list, answered from a list whose request started after `since` (default: at most
        LIST_MAX_AGE ago), so a poller never gets an answer older than its own last look; one request at a time
        per filter, the others waiting for its answer."""
        key = (client.compute, client.project, name_filter)
        floor = self.clock() - LIST_MAX_AGE if since is None else since
        with self.lock:
            lock = self.locks.setdefault(key, threading.Lock())
        with lock:
            cached = self.lists.get(key)
            if cached is not None and cached[0] >= floor:
                return cached[1]
            started = self.clock()
            items = client.backend_services(name_filter)
            self.lists[key] = (started, items)
            return items

    def project_number(self, client: Client) -> str:
        key = (client.resource_manager, client.project)
        if key not in self.numbers:
            self.numbers[key] = client.project_number()
        return self.numbers[key]


def _budget() -> int:
    text = os.environ.get("IAPGEN_COMPUTE_REQUESTS_PER_MINUTE", "")
    return int(text) if text.isdigit() else DEFAULT_REQUESTS_PER_MINUTE


SHARED = Shared(RateLimit(_budget()) if _budget() > 0 else None)


def shared() -> Shared:
    return SHARED


def use(replacement: Shared) -> Shared:
    """Swap the process's shared state (tests, the bench); returns the one it replaced."""
    global SHARED
    previous, SHARED = SHARED, replacement
    return previous


@dataclass(frozen=True)
class Backend:
    """What a controller made for one Service port, as the Compute API describes it."""

    name: str
    id: str
    health_check: str
    health_check_type: str
    logging: bool
    neg_ids: tuple[str, ...]


def inspect(client: Client, backend: dict[str, Any]) -> Backend:
    checks = backend.get("healthChecks") or []
    if not checks:
        raise ApiError(f"backend service {backend.get('name')} has no health check")
    check = client.by_link(str(checks[0]))
    log_config = check.get("logConfig") or {}
    neg_ids = []
    for entry in backend.get("backends") or []:
        group = str(entry.get("group", ""))
        if "/networkEndpointGroups/" in group:
            try:
                neg_ids.append(str(client.by_link(group).get("id", "")))
            except NotFound:
                continue  # a NEG of a zone that just lost its last Pod
    return Backend(name=str(backend.get("name")), id=str(backend.get("id")), health_check=str(check.get("name")),
                   health_check_type=str(check.get("type", "")), logging=bool(log_config.get("enable")),
                   neg_ids=tuple(sorted(i for i in neg_ids if i)))


def log_query(project: str, neg_ids: tuple[str, ...]) -> str:
    """The Logs Explorer query for this backend's health-check transitions (docs/gke-behaviour.md#hc-log-query)."""
    query = (f'logName="projects/{project}/logs/compute.googleapis.com%2Fhealthchecks"\n'
             'resource.type="gce_network_endpoint_group"')
    if neg_ids:
        ids = " OR ".join(f'"{i}"' for i in neg_ids)
        query += f"\nresource.labels.network_endpoint_group_id=({ids})"
    return query


def changed_inputs(olds: dict[str, Any], news: dict[str, Any]) -> bool:
    """Whether an input differs from state. The engine drops inputs that are None (the outputs a resource
    declares before create), so only the keys `news` carries count."""
    return any(olds.get(k) != v for k, v in news.items() if not k.startswith("__") and v is not None)


class ComputeApiProvider(pulumi.dynamic.ResourceProvider):
    """A provider whose client reaches the Compute and Resource Manager APIs. `session_factory`, `sleep` and
    `clock` are for tests and the bench; class defaults serve providers pickled before an attribute existed."""

    serialize_as_secret_always = False
    session_factory: Callable[[], Any] | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def __init__(self, session_factory: Callable[[], Any] | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] | None = None):
        super().__init__()
        self.session_factory = session_factory
        self.sleep = sleep
        if clock is not None:
            self.clock = clock

    def client(self, props: dict[str, Any]) -> Client:
        return Client(str(props["project"]), session=self.session_factory() if self.session_factory else None,
                      compute=str(props.get("computeEndpoint") or COMPUTE),
                      resource_manager=str(props.get("resourceManagerEndpoint") or RESOURCE_MANAGER),
                      sleep=self.sleep, clock=self.clock, throttle=shared().limit)

    def wait(self, client: Client, probe: Callable[[], tuple[bool, T]], timeout: float,
             give_up: Callable[[T | None], Exception]) -> T:
        """Poll `probe` with backoff (2 s doubling to 30 s) until it says done. Bounded twice: by the sleeps
        and by the clock, so a slow API cannot stretch `timeout` (each request is cut to the time left)."""
        start, slept, delay = self.clock(), 0.0, 2.0
        client.deadline = start + timeout
        last: T | None = None
        try:
            while True:
                try:
                    done, last = probe()
                except ApiError as err:
                    if err.status == 408:  # the bound passed during a request
                        raise give_up(last) from None
                    raise
                if done:
                    return last
                spent = max(slept, self.clock() - start)
                if spent >= timeout:
                    raise give_up(last)
                step = min(delay, timeout - spent)
                self.sleep(step)
                slept += step
                delay = min(delay * 2, 30.0)
        finally:
            client.deadline = None


@contextlib.contextmanager
def pickler_restored() -> Iterator[None]:
    """Undo what pulumi's serialize_provider leaves behind (pulumi 3.272): it wraps
    pickle._Pickler._batch_setitems in a new closure on every call and never restores it, so each
    dynamic resource adds a frame to every later pickle, and a program with about 1,000 services
    dies with RecursionError. The provider is serialized synchronously in the constructor."""
    pickler: Any = pickle._Pickler
    saved = {name: pickler.__dict__[name] for name in ("_batch_setitems", "save_dict") if name in pickler.__dict__}
    try:
        yield
    finally:
        for name, method in saved.items():
            setattr(pickler, name, method)
