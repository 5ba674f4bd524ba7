"""For apps behind IAP: verify `x-goog-iap-jwt-assertion`, and WSGI/ASGI middleware that require it.

IAP signs each request's assertion with ES256 keys published at Google's key endpoint (JSON:
key id -> PEM); the issuer is https://cloud.google.com/iap and the audience is the backend's
`/projects/<number>/global/backendServices/<id>` (the stack output `iapAudience`). Load-balancer
health checks carry no assertion, so the middleware lets the health-check path through.

    from iapgen.access.jwt import IapJwtWsgi
    app = IapJwtWsgi(app, audience="/projects/123/global/backendServices/456", exempt=("/healthz",))
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from google.auth import exceptions as auth_exceptions
from google.auth import jwt

KEYS_URL = "https://www.gstatic.com/iap/verify/public_key"
ISSUER = "https://cloud.google.com/iap"
HEADER = "x-goog-iap-jwt-assertion"
CLOCK_SKEW = 30
KEYS_TTL = 3600.0
REFETCH_AFTER = 60.0  # an unknown key id triggers at most one fetch a minute


class InvalidAssertion(Exception):
    """The request did not come through IAP for this app; the message says why (no token content)."""


class Keys:
    """IAP's public keys, fetched once and refreshed after an hour or when an unknown key id appears."""

    def __init__(self, url: str = KEYS_URL, fetch: Callable[[str], dict[str, str]] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.url, self.clock = url, clock
        self.fetch = fetch or _fetch_json
        self._keys: dict[str, str] = {}
        self._at = -KEYS_TTL
        self._lock = threading.Lock()

    def get(self, kid: str) -> dict[str, str]:
        with self._lock:
            age = self.clock() - self._at
            if age > KEYS_TTL or (kid not in self._keys and age > REFETCH_AFTER):
                try:
                    self._keys = self.fetch(self.url)
                except Exception as err:  # network, HTTP, JSON: a request we cannot check is refused
                    raise InvalidAssertion(f"cannot fetch IAP's keys ({type(err).__name__})") from None
                self._at = self.clock()
            return self._keys


def _fetch_json(url: str) -> dict[str, str]:
    import requests

    response = requests.get(url, timeout=10)
    response.raise_for_status()
    keys = response.json()
    if not isinstance(keys, dict):
        raise InvalidAssertion("IAP's key endpoint returned no keys")
    return keys


def verify(assertion: str, audience: str, keys: Keys | None = None) -> dict[str, Any]:
    """The assertion's claims if IAP issued it for `audience`; InvalidAssertion otherwise."""
    if not isinstance(audience, str) or not audience:
        raise ValueError("verify needs the backend's audience (/projects/NUMBER/global/backendServices/ID)")
    keys = keys or _default_keys()
    try:
        header = jwt.decode_header(assertion)
    except (ValueError, TypeError, auth_exceptions.GoogleAuthError):
        raise InvalidAssertion("not a JWT") from None
    if header.get("alg") != "ES256":
        raise InvalidAssertion(f"algorithm {header.get('alg')!r} is not ES256")
    kid = str(header.get("kid", ""))
    certs = keys.get(kid)
    if kid not in certs:
        raise InvalidAssertion("signed with a key IAP does not publish")
    try:
        claims = jwt.decode(assertion, certs=certs, audience=audience, clock_skew_in_seconds=CLOCK_SKEW)
    except (ValueError, auth_exceptions.GoogleAuthError) as err:
        text = str(err)
        reason = ("wrong audience" if "audience" in text else "expired" if "expired" in text
                  else "not yet valid" if "early" in text or "future" in text else "bad signature")
        raise InvalidAssertion(reason) from None
    if claims.get("iss") != ISSUER:
        raise InvalidAssertion(f"issuer {claims.get('iss')!r} is not {ISSUER}")
    return dict(claims)


_DEFAULT: Keys | None = None


def _default_keys() -> Keys:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Keys()
    return _DEFAULT


class IapJwtWsgi:
    """WSGI middleware: 401 unless the request carries a valid IAP assertion; claims in environ["iap.claims"]."""

    def __init__(self, app: Callable[..., Iterable[bytes]], audience: str, exempt: Iterable[str] = ("/healthz",),
                 keys: Keys | None = None):
        self.app, self.audience, self.exempt, self.keys = app, audience, tuple(exempt), keys

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") in self.exempt:
            return self.app(environ, start_response)
        try:
            environ["iap.claims"] = verify(environ.get("HTTP_X_GOOG_IAP_JWT_ASSERTION", "") or "", self.audience,
                                           self.keys)
        except InvalidAssertion as err:
            body = f"IAP assertion rejected: {err}\n".encode()
            start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        return self.app(environ, start_response)


Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class IapJwtAsgi:
    """ASGI middleware: the same for async apps; claims in scope["state"]["iap.claims"]."""

    def __init__(self, app: Callable[..., Awaitable[None]], audience: str, exempt: Iterable[str] = ("/healthz",),
                 keys: Keys | None = None):
        self.app, self.audience, self.exempt, self.keys = app, audience, tuple(exempt), keys

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope.get("type") not in ("http", "websocket") or scope.get("path", "") in self.exempt:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        try:
            claims = verify(headers.get(HEADER, ""), self.audience, self.keys)
        except InvalidAssertion as err:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})  # policy violation
                return
            body = json.dumps({"error": f"IAP assertion rejected: {err}"}).encode()
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        scope.setdefault("state", {})["iap.claims"] = claims
        await self.app(scope, receive, send)
