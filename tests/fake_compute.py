"""A fake of the Compute Engine v1 and Resource Manager v1 REST APIs, served on 127.0.0.1.

It holds backend services, health checks and NEGs the way GKE Ingress leaves them, answers
the calls components/compute.py makes (with the real paths, query parameters, PATCH
semantics and long-running operations), requires `Authorization: Bearer <token>`, and can be
told to make the backend appear late, refuse a call with 403, or fail transiently. For the deploy
simulation (bench/deploy_sim.py) and the bounded tests it can also answer slowly (`latency`), page
forever (`pages`), make each backend appear at its own time (`appear_at`, on `clock`), and enforce a
per-minute rate quota the way Compute does (`rate_limit` requests per fixed minute, then 429 or a 403
`rateLimitExceeded`), counting requests per minute (`per_minute`).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

if TYPE_CHECKING:
    from google.auth.transport.requests import AuthorizedSession

TOKEN = "test-token"
PROJECT = "acme-dev"
PROJECT_NUMBER = "123456789012"


@dataclass
class FakeCompute:
    backend_services: dict[str, dict[str, Any]] = field(default_factory=dict)
    health_checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    negs: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    hidden_until_list: int = 0  # backends appear on this list call (1 = at once)
    forbidden: dict[tuple[str, str], str] = field(default_factory=dict)  # (method, collection) -> message
    failures: list[int | tuple[int, Any]] = field(default_factory=list)  # (status[, payload]) to answer first
    requests: list[tuple[str, str, dict[str, Any] | None]] = field(default_factory=list)
    list_calls: int = 0
    page_size: int = 2
    url: str = ""
    latency: float = 0.0  # seconds before each answer (real time)
    pages: str = ""  # "repeat": the same nextPageToken forever; "endless": a new one forever
    appear_at: dict[str, float] = field(default_factory=dict)  # backend name -> `clock` time it becomes visible
    rate_limit: int = 0  # requests per fixed minute of `clock`; past it, `rate_status`
    rate_status: int = 429
    clock: Callable[[], float] = time.monotonic
    per_minute: dict[int, int] = field(default_factory=dict)  # minute of `clock` -> requests answered or refused
    refused: int = 0  # requests refused by `rate_limit`
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_backend(self, namespace: str, service: str, port: str,
                    name: str = "k8s1-3a8f2e1c-argocd-argocd-443-9f0a1b2c",
                    logging: bool = False, zones: tuple[str, ...] = ("europe-west1-b", "europe-west1-c"),
                    backend_id: str = "4411223344556677889") -> str:
        base = f"https://www.googleapis.com/compute/v1/projects/{PROJECT}"
        self.health_checks[name] = {"kind": "compute#healthCheck", "name": name, "type": "HTTPS",
                                    "selfLink": f"{base}/global/healthChecks/{name}",
                                    **({"logConfig": {"enable": True}} if logging else {})}
        groups = []
        for i, zone in enumerate(zones):
            self.negs[(zone, name)] = {"kind": "compute#networkEndpointGroup", "name": name, "id": f"77000{i}",
                                       "zone": zone, "networkEndpointType": "GCE_VM_IP_PORT"}
            groups.append({"group": f"{base}/zones/{zone}/networkEndpointGroups/{name}", "balancingMode": "RATE"})
        self.backend_services[name] = {
            "kind": "compute#backendService", "name": name, "id": backend_id, "protocol": "HTTPS",
            "description": json.dumps({"kubernetes.io/service-name": f"{namespace}/{service}",
                                       "kubernetes.io/service-port": port}, separators=(",", ":")),
            "healthChecks": [f"{base}/global/healthChecks/{name}"], "backends": groups,
            "selfLink": f"{base}/global/backendServices/{name}"}
        return name

    # --- serving -----------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: Any, body: dict[str, Any] | None) -> tuple[int, Any]:
        with self.lock:
            self.requests.append((method, raw_path, body))
            minute = int(self.clock() // 60)
            self.per_minute[minute] = self.per_minute.get(minute, 0) + 1
            limited = bool(self.rate_limit) and self.per_minute[minute] > self.rate_limit
            self.refused += limited
            failure = self.failures.pop(0) if self.failures else None
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"error": {"code": 401, "message": "Request had invalid authentication credentials."}}
        if limited:
            reason = "rateLimitExceeded"
            return self.rate_status, {"error": {"code": self.rate_status, "message": "Quota exceeded for quota metric "
                                                "'Read requests' of service 'compute.googleapis.com'",
                                                "errors": [{"reason": reason, "domain": "usageLimits"}]}}
        if failure is not None:
            status, payload = failure if isinstance(failure, tuple) else (failure, None)
            return status, payload or {"error": {"code": status, "message": "backend error, try again"}}
        url = urlparse(raw_path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = url.path
        match = re.fullmatch(r"/v1/projects/([^/]+)", path)
        if match:
            return (200, {"projectId": match.group(1), "projectNumber": PROJECT_NUMBER}) if method == "GET" \
                else (405, {})
        match = re.fullmatch(rf"/compute/v1/projects/{PROJECT}/(global|zones/[^/]+)/([A-Za-z]+)(?:/([^/]+))?", path)
        if not match:
            return 404, {"error": {"code": 404, "message": f"The resource '{path}' was not found"}}
        scope, collection, name = match.groups()
        denied = self.forbidden.get((method, collection))
        if denied:
            return 403, {"error": {"code": 403, "message": denied}}
        if collection == "backendServices" and name is None and method == "GET":
            return 200, self.list_backends(query)
        if collection == "backendServices" and method == "GET":
            return self.get(self.backend_services if self.visible(name) else {}, name)
        if collection == "healthChecks" and method == "GET":
            return self.get(self.health_checks, name)
        if collection == "healthChecks" and method == "PATCH":
            if name not in self.health_checks:
                return self.get(self.health_checks, name)
            for key, value in (body or {}).items():  # PATCH semantics: named fields only
                self.health_checks[name][key] = value
            return 200, {"kind": "compute#operation", "name": "operation-1", "status": "RUNNING",
                         "targetLink": self.health_checks[name]["selfLink"]}
        if collection == "operations" and method == "GET":
            return 200, {"kind": "compute#operation", "name": name, "status": "DONE"}
        if collection == "networkEndpointGroups" and method == "GET":
            zone = scope.split("/", 1)[1]
            return self.get({n: v for (z, n), v in list(self.negs.items()) if z == zone and self.visible(n)}, name)
        return 405, {"error": {"code": 405, "message": "method not allowed"}}

    def visible(self, name: str | None) -> bool:
        return name not in self.appear_at or self.clock() >= self.appear_at[name]

    def list_backends(self, query: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            self.list_calls += 1
        if self.pages:
            token = "again" if self.pages == "repeat" else str(int(query.get("pageToken", "0")) + 1)
            return {"kind": "compute#backendServiceList", "items": [], "nextPageToken": token}
        if self.list_calls < self.hidden_until_list:
            return {"kind": "compute#backendServiceList"}
        items = sorted((b for b in list(self.backend_services.values()) if self.visible(b["name"])),
                       key=lambda b: b["name"])
        pattern = re.fullmatch(r'name eq "(.*)"', query.get("filter", ""))
        if pattern:
            items = [b for b in items if re.fullmatch(pattern.group(1), b["name"])]
        start = int(query.get("pageToken", "0"))
        page = items[start:start + self.page_size]
        result: dict[str, Any] = {"kind": "compute#backendServiceList", "items": page}
        if start + self.page_size < len(items):
            result["nextPageToken"] = str(start + self.page_size)
        return result

    @staticmethod
    def get(store: dict[str, dict[str, Any]], name: str | None) -> tuple[int, Any]:
        if name in store:
            return 200, store[name]
        return 404, {"error": {"code": 404, "message": f"The resource '{name}' was not found"}}

    def serve(self) -> ThreadingHTTPServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                if fake.latency:
                    time.sleep(fake.latency)
                status, payload = fake.handle(self.command, self.path, self.headers, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PATCH = do_POST = _serve  # http.server's method names

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 1024  # the deploy simulation opens hundreds of connections at once

        server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        return server


@contextmanager
def running() -> Iterator[FakeCompute]:
    """A FakeCompute served on 127.0.0.1 for the duration of the block (the `fake` fixture of conftest.py)."""
    compute = FakeCompute()
    server = compute.serve()
    try:
        yield compute
    finally:
        server.shutdown()


def bearer_session(token: str = TOKEN) -> AuthorizedSession:
    """A google-auth session with credentials that need no refresh: the providers' session_factory in tests."""
    import google.oauth2.credentials
    from google.auth.transport.requests import AuthorizedSession

    return AuthorizedSession(google.oauth2.credentials.Credentials(token=token))
