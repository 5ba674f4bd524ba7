"""The JWT middleware's exempt paths, identity headers and time claims (issue 24 items 1 and 2)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from iapgen.access.jwt import IapJwtAsgi, IapJwtWsgi, InvalidAssertion, verify
from tests.test_iap import AUDIENCE, KEYS, assertion

EMAIL, USER_ID = "HTTP_X_GOOG_AUTHENTICATED_USER_EMAIL", "HTTP_X_GOOG_AUTHENTICATED_USER_ID"


def seen_by_app(path: str, environ_extra: dict[str, Any], header: str | None = None) -> tuple[str, dict[str, Any]]:
    seen: dict[str, Any] = {}

    def inner(environ: dict[str, Any], start: Any) -> list[bytes]:
        seen.update(environ)
        start("200 OK", [])
        return [b""]

    app = IapJwtWsgi(inner, AUDIENCE, exempt=("/healthz",), keys=KEYS)
    environ: dict[str, Any] = {"PATH_INFO": path, "REQUEST_METHOD": "GET", **environ_extra}
    if header is not None:
        environ["HTTP_X_GOOG_IAP_JWT_ASSERTION"] = header
    status: list[str] = []
    b"".join(app(environ, lambda s, h: status.append(s)))
    return status[0], seen


@pytest.mark.parametrize("exempt", ["/healthz", b"/healthz", "healthz", ["/healthz", "relative"], [None], 5])
@pytest.mark.parametrize("middleware", [IapJwtWsgi, IapJwtAsgi])
def test_exempt_must_be_a_collection_of_absolute_paths(middleware: Any, exempt: Any) -> None:
    with pytest.raises(TypeError, match="exempt"):
        middleware(lambda *a: None, AUDIENCE, exempt=exempt, keys=KEYS)


def test_a_string_exempt_no_longer_lets_everything_through() -> None:
    """exempt="/healthz" iterated the string: "/" was exempt, so GET / reached the app with no assertion."""
    with pytest.raises(TypeError):
        IapJwtWsgi(lambda *a: [b""], AUDIENCE, exempt="/healthz", keys=KEYS)  # type: ignore[arg-type]


def test_client_supplied_identity_headers_are_replaced_by_the_verified_ones() -> None:
    forged = {EMAIL: "accounts.google.com:mallory@evil.example", USER_ID: "accounts.google.com:666"}
    status, seen = seen_by_app("/", forged, assertion())
    assert status == "200 OK"
    assert seen[EMAIL] == "accounts.google.com:alice@acme.example"
    assert seen[USER_ID] == "accounts.google.com:42"
    status, seen = seen_by_app("/healthz", forged)  # no assertion, so no identity at all
    assert status == "200 OK" and EMAIL not in seen and USER_ID not in seen


def test_asgi_identity_headers_are_replaced_too() -> None:
    seen: dict[str, Any] = {}

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen["headers"] = list(scope["headers"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = IapJwtAsgi(inner, AUDIENCE, exempt=("/healthz",), keys=KEYS)
    headers = [(b"x-goog-iap-jwt-assertion", assertion().encode()),
               (b"X-Goog-Authenticated-User-Email", b"accounts.google.com:mallory@evil.example"),
               (b"x-goog-authenticated-user-id", b"accounts.google.com:666")]

    async def send(message: Any) -> None:
        pass

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(app({"type": "http", "path": "/", "headers": headers}, receive, send))
    finally:
        loop.close()
    identity = [(k.lower(), v) for k, v in seen["headers"] if k.lower().startswith(b"x-goog-authenticated")]
    assert sorted(identity) == [(b"x-goog-authenticated-user-email", b"accounts.google.com:alice@acme.example"),
                                (b"x-goog-authenticated-user-id", b"accounts.google.com:42")]


@pytest.mark.parametrize("claim", ["exp", "iat"])
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_times_are_refused(claim: str, value: float) -> None:
    with pytest.raises(InvalidAssertion):
        verify(assertion(**{claim: value}), AUDIENCE, KEYS)
