"""A fake of what `iapgen preflight` reads, on FakeCompute's server and request handling (auth, scripted failures,
403s): Service Usage services.get, Resource Manager projects.testIamPermissions, Compute projects.get (quotas) and
Container projects.locations.clusters.list, with their real paths. By default the project has everything: every
API enabled, every permission granted, room in every quota, one VPC-native cluster in europe-west1-b/c/d.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.fake_compute import PROJECT, TOKEN, FakeCompute, bearer_session

ZONES = ["europe-west1-b", "europe-west1-c", "europe-west1-d"]


def cluster(name: str = "apps", zones: list[str] | None = None, vpc_native: bool = True,
            network: str = "gke-vpc") -> dict[str, Any]:
    return {"name": name, "location": "europe-west1", "network": network,
            "ipAllocationPolicy": {"useIpAliases": vpc_native} if vpc_native else {},
            "nodePools": [{"name": "default-pool", "locations": list(zones or ZONES)}]}


@dataclass
class FakeProject(FakeCompute):
    disabled: set[str] = field(default_factory=set)  # APIs in state DISABLED; every other one is ENABLED
    denied: set[str] = field(default_factory=set)  # permissions testIamPermissions leaves out
    quota_table: dict[str, tuple[float, float]] = field(default_factory=lambda: {
        m: (0.0, 100.0) for m in ("STATIC_ADDRESSES", "BACKEND_SERVICES", "HEALTH_CHECKS", "URL_MAPS",
                                  "TARGET_HTTPS_PROXIES", "TARGET_HTTP_PROXIES", "FORWARDING_RULES",
                                  "GLOBAL_EXTERNAL_MANAGED_FORWARDING_RULES", "FIREWALLS", "SSL_CERTIFICATES")})
    cluster_list: list[dict[str, Any]] = field(default_factory=lambda: [cluster()])

    def handle(self, method: str, raw_path: str, headers: Any, body: dict[str, Any] | None) -> tuple[int, Any]:
        path = raw_path.split("?", 1)[0]
        routes = (
            ("GET", rf"/v1/projects/{PROJECT}/services/([a-z.]+)", self.api),
            ("POST", rf"/v1/projects/{PROJECT}:testIamPermissions", self.test_permissions),
            ("GET", rf"/compute/v1/projects/{PROJECT}", self.project),
            ("GET", rf"/v1/projects/{PROJECT}/locations/-/clusters", self.clusters),
        )
        for verb, pattern, answer in routes:
            match = re.fullmatch(pattern, path)
            if match and verb == method:
                return self.answer(method, raw_path, headers, body, functools.partial(answer, match, body or {}))
        return super().handle(method, raw_path, headers, body)

    def answer(self, method: str, raw_path: str, headers: Any, body: Any,
               then: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
        """FakeCompute's order: authentication, then a scripted failure, then a refusal, then the answer."""
        with self.lock:
            self.requests.append((method, raw_path, body))
            failure = self.failures.pop(0) if self.failures else None
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"error": {"code": 401, "message": "Request had invalid authentication credentials."}}
        if failure is not None:
            status, payload = failure if isinstance(failure, tuple) else (failure, None)
            return status, payload or {"error": {"code": status, "message": "backend error, try again"}}
        denied = self.forbidden.get((method, raw_path.split("?", 1)[0]))
        if denied:
            return 403, {"error": {"code": 403, "message": denied}}
        return then()

    def api(self, match: re.Match[str], body: dict[str, Any]) -> tuple[int, Any]:
        name = match.group(1)
        return 200, {"name": f"projects/{PROJECT_NUMBER}/services/{name}",
                     "state": "DISABLED" if name in self.disabled else "ENABLED"}

    def test_permissions(self, match: re.Match[str], body: dict[str, Any]) -> tuple[int, Any]:
        asked = body.get("permissions") or []
        if len(asked) > 100:
            return 400, {"error": {"code": 400, "message": "at most 100 permissions"}}
        held = [p for p in asked if p not in self.denied]
        return 200, ({"permissions": held} if held else {})

    def project(self, match: re.Match[str], body: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"kind": "compute#project", "name": PROJECT, "quotas": [
            {"metric": m, "usage": u, "limit": limit} for m, (u, limit) in self.quota_table.items()]}

    def clusters(self, match: re.Match[str], body: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"clusters": self.cluster_list} if self.cluster_list else {}


PROJECT_NUMBER = "123456789012"


@contextmanager
def running() -> Iterator[FakeProject]:
    project = FakeProject()
    server = project.serve()
    try:
        yield project
    finally:
        server.shutdown()


def client(project: FakeProject, **kw: Any) -> Any:
    from iapgen.googleapi.preflightapi import PreflightClient

    return PreflightClient(PROJECT, session=bearer_session(), compute=f"{project.url}/compute/v1",
                           resource_manager=f"{project.url}/v1", service_usage=f"{project.url}/v1",
                           container=f"{project.url}/v1", sleep=lambda s: None, **kw)
