"""A small client for the Compute Engine and Resource Manager REST APIs, on google-auth.

Only what iapgen needs: find the backend service GKE created for a Service port, read and
patch its health check, and read the project number for the IAP audience. Authentication is
google-auth's (Application Default Credentials, or credentials passed in); HTTP goes through
`google.auth.transport.requests.AuthorizedSession`. The endpoints can be pointed elsewhere,
which is how the tests talk to a fake API on 127.0.0.1 through this same code.

Request shapes follow the Compute API v1 reference: backendServices.list/get,
healthChecks.get/patch (PATCH semantics), globalOperations.get, networkEndpointGroups.get,
and cloudresourcemanager v1 projects.get.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

COMPUTE = "https://compute.googleapis.com/compute/v1"
RESOURCE_MANAGER = "https://cloudresourcemanager.googleapis.com/v1"
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
RETRYABLE = (429, 500, 502, 503, 504)
RATE_LIMITED = ("rateLimitExceeded", "userRateLimitExceeded")  # Compute answers an exhausted rate quota with 403
MAX_PAGES = 100  # 50,000 backend services at 500 a page: more means the API is looping


class ApiError(Exception):
    """A Compute or Resource Manager call failed; the message says what to do about it."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class NotFound(ApiError):
    pass


def default_session() -> Any:
    """An AuthorizedSession with Application Default Credentials (gcloud auth application-default login,
    a service account key, or the metadata server)."""
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError
    from google.auth.transport.requests import AuthorizedSession

    try:
        credentials, _ = google.auth.default(scopes=list(SCOPES))
    except DefaultCredentialsError as err:
        raise ApiError("no Google Cloud credentials: run `gcloud auth application-default login` or set "
                       f"GOOGLE_APPLICATION_CREDENTIALS ({err})") from None
    return AuthorizedSession(credentials)


@dataclass
class Client:
    """Compute and Resource Manager calls for one project."""

    project: str
    session: Any = None
    compute: str = COMPUTE
    resource_manager: str = RESOURCE_MANAGER
    retries: int = 4
    sleep: Callable[[float], None] = time.sleep
    timeout: float = 30.0
    clock: Callable[[], float] = time.monotonic
    deadline: float | None = None  # on `clock`: no request (or retry) runs past it; a waiter sets it
    throttle: Callable[[], None] | None = None  # called before every attempt: a rate limit shared by clients

    def __post_init__(self) -> None:
        if self.session is None:
            self.session = default_session()

    # --- HTTP -------------------------------------------------------------------------

    def request(self, method: str, url: str, body: dict[str, Any] | None = None,
                params: dict[str, str] | None = None) -> dict[str, Any]:
        """One call, retried with jittered exponential backoff on 429, rate-limit 403s and 5xx; errors become
        ApiError. Never runs past `deadline`: each attempt's timeout is cut to the time left."""
        delay = 1.0
        for attempt in range(self.retries + 1):
            timeout = self._time_left(method, url)
            if self.throttle is not None:
                self.throttle()
                timeout = self._time_left(method, url)
            try:
                response = self.session.request(method, url, json=body, params=params, timeout=timeout)
            except Exception as err:  # connection refused, DNS, TLS: the requests/google-auth exceptions
                if type(err).__name__ == "RefreshError":  # google.auth.exceptions: retrying cannot help
                    raise ApiError("the credentials were refused and could not be refreshed: run `gcloud auth "
                                   "application-default login` (or check GOOGLE_APPLICATION_CREDENTIALS)",
                                   401) from None
                if attempt == self.retries:
                    raise ApiError(f"{method} {url} failed: {type(err).__name__}: {err}") from None
                delay = self._back_off(delay, None)
                continue
            if self._retryable(response) and attempt < self.retries:
                delay = self._back_off(delay, response)
                continue
            return self._result(method, url, response)
        raise ApiError(f"{method} {url} failed after {self.retries + 1} attempts")  # pragma: no cover

    def _time_left(self, method: str, url: str) -> float:
        if self.deadline is None:
            return self.timeout
        left = self.deadline - self.clock()
        if left <= 0:
            raise ApiError(f"{method} {url}: out of time (the wait's bound has passed)", 408)
        return min(self.timeout, max(left, 0.1))

    def _back_off(self, delay: float, response: Any) -> float:
        """Sleep about `delay` (half to one and a half times it, so clients that failed together do not
        retry together; at least Retry-After when the API says), never past the deadline."""
        step = delay * (0.5 + random.random())
        retry_after = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
        if retry_after and str(retry_after).isdigit():
            step = max(step, float(retry_after))
        if self.deadline is not None:
            step = min(step, max(self.deadline - self.clock(), 0.0))
        self.sleep(step)
        return delay * 2

    @staticmethod
    def _retryable(response: Any) -> bool:
        if response.status_code in RETRYABLE:
            return True
        if response.status_code != 403:
            return False
        try:
            error = response.json().get("error")
            reasons = [str(e.get("reason")) for e in error.get("errors") or [] if isinstance(e, dict)]
        except (ValueError, AttributeError, TypeError):
            return False
        return any(reason in RATE_LIMITED for reason in reasons)

    def _result(self, method: str, url: str, response: Any) -> dict[str, Any]:
        try:
            payload = response.json() if response.content else {}
        except ValueError:
            payload = {}
        if 200 <= response.status_code < 300:
            return payload if isinstance(payload, dict) else {}
        error = payload.get("error") if isinstance(payload, dict) else None
        message = str(error.get("message", "")) if isinstance(error, dict) else str(response.text)[:300]
        if response.status_code == 404:
            raise NotFound(f"{method} {url}: not found ({message})", 404)
        if response.status_code == 403 and self._retryable(response):
            raise ApiError(f"{method} {url}: the project's Compute API rate quota is used up ({message}); wait a "
                           "minute and run pulumi up again, or lower IAPGEN_COMPUTE_REQUESTS_PER_MINUTE", 429)
        if response.status_code == 403:
            permission = re.search(r"[a-z]+\.[a-zA-Z]+\.[a-zA-Z]+", message or "")
            needed = permission.group(0) if permission else _permission_for(method, url)
            raise ApiError(f"permission denied: the deploying identity needs {needed} on project {self.project} "
                           f"(e.g. through roles/compute.loadBalancerAdmin); the API said: {message}", 403)
        if response.status_code == 401:
            raise ApiError("the credentials were refused (401): refresh them with `gcloud auth "
                           "application-default login`", 401)
        raise ApiError(f"{method} {url} failed with HTTP {response.status_code}: {message}", response.status_code)

    # --- Compute ----------------------------------------------------------------------

    def _global(self, collection: str, name: str = "") -> str:
        base = f"{self.compute}/projects/{self.project}/global/{collection}"
        return f"{base}/{name}" if name else base

    def backend_services(self, name_filter: str | None = None) -> list[dict[str, Any]]:
        """backendServices.list, every page; stops with ApiError on a page token seen before or past MAX_PAGES."""
        items: list[dict[str, Any]] = []
        params: dict[str, str] = {"maxResults": "500"}
        if name_filter:
            params["filter"] = name_filter
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page = self.request("GET", self._global("backendServices"), params=params)
            items += [i for i in page.get("items", []) if isinstance(i, dict)]
            token = page.get("nextPageToken")
            if not token:
                return items
            token = str(token)
            if token in seen:
                raise ApiError(f"backendServices.list in project {self.project} returned the page token {token[:40]!r} "
                               "twice: the API is looping; try again later")
            seen.add(token)
            params = {**params, "pageToken": token}
        raise ApiError(f"backendServices.list in project {self.project} did not end within {MAX_PAGES} pages")

    def backend_service(self, name: str) -> dict[str, Any]:
        return self.request("GET", self._global("backendServices", name))

    def set_health_check_logging(self, name: str, enable: bool) -> None:
        """healthChecks.patch with {"logConfig": {"enable": ...}}, then wait for the operation."""
        operation = self.request("PATCH", self._global("healthChecks", name), body={"logConfig": {"enable": enable}})
        self.wait(operation)

    def wait(self, operation: dict[str, Any], timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        delay = 1.0
        while operation.get("status") != "DONE":
            if time.monotonic() > deadline:
                raise ApiError(f"operation {operation.get('name')} did not finish within {timeout:.0f}s")
            self.sleep(delay)
            delay = min(delay * 2, 10.0)
            operation = self.request("GET", self._global("operations", str(operation.get("name"))))
        error = operation.get("error")
        if error:
            raise ApiError(f"operation {operation.get('name')} failed: {json.dumps(error)[:300]}")

    def network_endpoint_group(self, zone: str, name: str) -> dict[str, Any]:
        """networkEndpointGroups.get: one zonal NEG (NotFound until GKE has made it)."""
        return self.request("GET", f"{self.compute}/projects/{self.project}/zones/{zone}/networkEndpointGroups/{name}")

    def by_link(self, self_link: str) -> dict[str, Any]:
        """GET a resource by its selfLink, re-rooted on the configured endpoint."""
        path = self_link.split("/compute/v1/", 1)[-1]
        return self.request("GET", f"{self.compute}/{path}")

    # --- Resource Manager -------------------------------------------------------------

    def project_number(self) -> str:
        project = self.request("GET", f"{self.resource_manager}/projects/{self.project}")
        number = project.get("projectNumber")
        if not number:
            raise ApiError(f"Resource Manager returned no projectNumber for {self.project}")
        return str(number)


def _permission_for(method: str, url: str) -> str:
    if "cloudresourcemanager" in url:
        return "resourcemanager.projects.get"
    for collection, verb in (("healthChecks", "healthChecks"), ("backendServices", "backendServices"),
                             ("networkEndpointGroups", "networkEndpointGroups"), ("operations", "globalOperations")):
        if f"/{collection}" in url:
            action = "update" if method == "PATCH" else ("list" if url.rstrip("/").endswith(collection) else "get")
            return f"compute.{verb}.{action}"
    return "the compute.* permission for this call"
