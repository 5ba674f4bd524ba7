"""The Compute API client and the providers' waits, bounded (issue 24 item 11), against the fake on 127.0.0.1."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from components.negwait import NegNotReady, NegReadyProvider
from iapgen.googleapi.compute import MAX_PAGES, ApiError, Client
from tests.fake_compute import PROJECT, FakeCompute, bearer_session


def client(fake: FakeCompute, **extra: Any) -> Client:
    return Client(PROJECT, session=bearer_session(), compute=f"{fake.url}/compute/v1",
                  resource_manager=f"{fake.url}/v1", sleep=lambda _: None, **extra)


@pytest.mark.parametrize("message", [{"nested": "object"}, ["a", "list"], 403, None])
def test_a_403_whose_message_is_not_a_string_is_an_api_error(fake: FakeCompute, message: Any) -> None:
    fake.failures = [(403, {"error": {"code": 403, "message": message}})]
    with pytest.raises(ApiError, match="permission denied") as caught:
        client(fake).backend_services()
    assert caught.value.status == 403


def test_a_rate_limit_403_is_retried_not_called_a_permission(fake: FakeCompute) -> None:
    fake.failures = [(403, {"error": {"code": 403, "message": "Quota exceeded",
                                      "errors": [{"reason": "rateLimitExceeded"}]}})]
    assert client(fake).backend_services() == []
    fake.failures = [(403, {"error": {"code": 403, "message": "Quota exceeded",
                                      "errors": [{"reason": "rateLimitExceeded"}]}})] * 5
    with pytest.raises(ApiError, match="rate quota is used up") as caught:
        client(fake).backend_services()
    assert caught.value.status == 429


def test_a_repeated_page_token_ends_the_listing(fake: FakeCompute) -> None:
    fake.pages = "repeat"
    started = time.monotonic()
    with pytest.raises(ApiError, match="twice"):
        client(fake).backend_services()
    assert fake.list_calls == 2 and time.monotonic() - started < 5


def test_listing_stops_after_a_page_bound(fake: FakeCompute) -> None:
    fake.pages = "endless"
    with pytest.raises(ApiError, match=f"within {MAX_PAGES} pages"):
        client(fake).backend_services()
    assert fake.list_calls == MAX_PAGES


def neg_props(fake: FakeCompute, wait: int) -> dict[str, Any]:
    return {"project": PROJECT, "namespace": "argocd", "service": "argocd", "negName": "iapgen-dev-argocd",
            "zones": ["europe-west1-b"], "waitSeconds": wait, "computeEndpoint": f"{fake.url}/compute/v1",
            "resourceManagerEndpoint": f"{fake.url}/v1"}


def test_a_wait_is_bounded_by_the_clock_not_only_by_its_sleeps(fake: FakeCompute) -> None:
    """waitSeconds=3 against an API that takes 1.5 s an answer took 7.5 s: the sleeps alone were counted."""
    fake.latency = 1.5
    started = time.monotonic()
    with pytest.raises(NegNotReady, match="within 3s"):
        NegReadyProvider(session_factory=bearer_session).create(neg_props(fake, 3))
    assert time.monotonic() - started < 4.6


def test_one_poll_cannot_outlast_the_wait(fake: FakeCompute) -> None:
    """A poll whose every attempt fails used to run all retries (up to 30 s timeout x 5 attempts, plus backoff)."""
    fake.latency = 0.4
    fake.failures = [503] * 50
    started = time.monotonic()
    with pytest.raises(NegNotReady):
        NegReadyProvider(session_factory=bearer_session).create(neg_props(fake, 2))
    assert time.monotonic() - started < 3.6


def test_unbounded_client_still_retries_transient_errors(fake: FakeCompute) -> None:
    fake.failures = [503, 502]
    fake.negs[("europe-west1-b", "n")] = {"name": "n", "id": "1"}
    assert client(fake).network_endpoint_group("europe-west1-b", "n")["id"] == "1"
    assert json.dumps(fake.requests[-1][1]).count("networkEndpointGroups") == 1
