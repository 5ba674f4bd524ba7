"""The read-only calls `iapgen preflight` makes, beside the Compute client and on its request machinery
(retries, deadline, errors as ApiError): Service Usage services.get, Resource Manager
projects.testIamPermissions, Compute projects.get (the project's global quotas) and Container
projects.locations.clusters.list. Every base URL can be pointed elsewhere (the tests' fake on 127.0.0.1).
Sources of each call: docs/preflight.md#sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iapgen.googleapi.compute import Client

SERVICE_USAGE = "https://serviceusage.googleapis.com/v1"
CONTAINER = "https://container.googleapis.com/v1"
PERMISSIONS_PER_CALL = 100  # testIamPermissions takes at most 100 permissions a call


@dataclass
class PreflightClient(Client):
    """Compute and Resource Manager (inherited) plus Service Usage and Container, for one project."""

    service_usage: str = SERVICE_USAGE
    container: str = CONTAINER

    def api_state(self, api: str) -> str:
        """services.get: ENABLED, DISABLED or STATE_UNSPECIFIED."""
        answer = self.request("GET", f"{self.service_usage}/projects/{self.project}/services/{api}")
        return str(answer.get("state") or "STATE_UNSPECIFIED")

    def granted(self, permissions: list[str]) -> set[str]:
        """projects.testIamPermissions: the subset of `permissions` the caller holds on the project."""
        held: set[str] = set()
        for start in range(0, len(permissions), PERMISSIONS_PER_CALL):
            chunk = permissions[start:start + PERMISSIONS_PER_CALL]
            answer = self.request("POST", f"{self.resource_manager}/projects/{self.project}:testIamPermissions",
                                  body={"permissions": chunk})
            held |= {str(p) for p in answer.get("permissions") or [] if p in chunk}
        return held

    def quotas(self) -> dict[str, tuple[float, float]]:
        """Compute projects.get: {metric: (usage, limit)} of the project's global quotas."""
        answer = self.request("GET", f"{self.compute}/projects/{self.project}")
        found: dict[str, tuple[float, float]] = {}
        for quota in answer.get("quotas") or []:
            if isinstance(quota, dict) and quota.get("metric"):
                try:
                    found[str(quota["metric"])] = (float(quota.get("usage", 0)), float(quota.get("limit", 0)))
                except (TypeError, ValueError):
                    continue
        return found

    def clusters(self) -> list[dict[str, Any]]:
        """projects.locations.clusters.list over every location of the project."""
        answer = self.request("GET", f"{self.container}/projects/{self.project}/locations/-/clusters")
        return [c for c in answer.get("clusters") or [] if isinstance(c, dict)]
