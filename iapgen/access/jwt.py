"""For apps behind IAP: verify `x-goog-iap-jwt-assertion`, and WSGI/ASGI middleware that require it.

IAP signs each request's assertion with ES256 keys published at Google's key endpoint (JSON:
key id -> PEM); the issuer is https://cloud.google.com/iap and the audience is the backend's
`/projects/<number>/global/backendServices/<id>` (the stack output `iapAudience`). Load-balancer
health checks carry no assertion, so the middleware lets the health-check path through.

    from iapgen.access.jwt import IapJwtWsgi
    app = IapJwtWsgi(app, audience="/projects/123/global/backendServices/456", exempt=("/healthz",))

`exempt` is a collection of absolute paths (a tuple or list; a bare string is refused with TypeError). What
the app may trust: the verified claims (WSGI `environ["iap.claims"]`, ASGI `scope["state"]["iap.claims"]`:
`email`, `sub`), and the headers `X-Goog-Authenticated-User-Email` / `-Id`, which the middleware rewrites from
those claims (`accounts.google.com:<email>`, `sub`) on every request it lets through, and removes on exempt
paths, so a client that reaches the app without IAP cannot pose as someone through them.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any

from google.auth import exceptions as auth_exceptions
from google.auth import jwt

KEYS_URL = "https://www.gstatic.com/iap/verify/public_key"
ISSUER = "https://cloud.google.com/iap"
HEADER = "x-goog-iap-jwt-assertion"
CLOCK_SKEW = 30
KEYS_TTL = 3600.0  # keys are refetched after an hour
MAX_STALE = 24 * 3600.0  # while refetching fails, the last good keys serve this much longer, then requests fail
REFETCH_AFTER = 60.0  # an unknown key id triggers at most one fetch a minute, whether fetches succeed or fail
RETRY_FIRST, RETRY_MAX = 1.0, 300.0  # after a failed fetch, wait 1 s, 2 s, 4 s ... up to 5 minutes
FETCH_WAIT = 10.0  # how long a request that has no usable key waits for the fetch in flight
FETCH_ABANDON = 120.0  # a fetch still running after this long is given up on, and another may start
MAX_ASSERTION = 8192  # characters; IAP's are about 1,000
MAX_NESTING = 16  # JSON depth of a header or payload; IAP's are at most 3 deep


class InvalidAssertion(Exception):
    """The request did not come through IAP for this app; the message says why (no token content)."""


class Keys:
    """IAP's public keys, fetched when first needed, refreshed after an hour or when an unknown key id
    appears (at most once a minute).

    One fetch runs at a time, in its own thread, and the lock guards only the bookkeeping, never the
    network call. A request whose key is known is answered at once, even while a refresh is in flight
    or failing: the last good keys serve for up to MAX_STALE past their hour (stale-if-error), while
    failed fetches are retried with exponential backoff. Only a request with no usable key waits for
    the fetch in flight, and for at most `wait` seconds.
    """

    def __init__(self, url: str = KEYS_URL, fetch: Callable[[str], dict[str, str]] | None = None,
                 clock: Callable[[], float] = time.monotonic, wait: float = FETCH_WAIT):
        self.url, self.clock, self.wait = url, clock, wait
        self.fetch = fetch or _fetch_json
        self._keys: dict[str, str] = {}
        self._at: float | None = None  # when the keys were fetched
        self._tried: float | None = None  # when the last fetch started
        self._failures = 0
        self._error = ""
        self._inflight: threading.Event | None = None
        self._pid = os.getpid()
        self._lock = threading.Lock()

    def get(self, kid: str) -> dict[str, str]:
        """The keys to check `kid` against; InvalidAssertion when there are none to use."""
        with self._lock:
            done = self._inflight
            if done is not None and (self._pid != os.getpid() or self.clock() - (self._tried or 0.0) > FETCH_ABANDON):
                # forked while a fetch ran (its thread did not come along), or the endpoint drips forever
                done = self._inflight = None
                self._failures += 1
            if done is None and self._should_fetch(kid):
                done = self._start()
            usable = self._usable()
        if done is not None and (usable is None or kid not in usable):
            done.wait(self.wait)
            with self._lock:
                usable = self._usable()
        if usable is None:
            raise InvalidAssertion(f"cannot fetch IAP's keys ({self._error or 'no answer yet'})")
        return usable

    def _usable(self) -> dict[str, str] | None:
        if self._at is None or self.clock() - self._at > KEYS_TTL + MAX_STALE:
            return None
        return self._keys

    def _should_fetch(self, kid: str) -> bool:
        now = self.clock()
        if self._tried is not None:
            backoff = min(RETRY_MAX, RETRY_FIRST * 2 ** (self._failures - 1)) if self._failures else 0.0
            if now - self._tried < max(backoff, REFETCH_AFTER if self._at is not None else backoff):
                return False  # too soon after the last attempt, whether it failed or not
        return self._at is None or now - self._at > KEYS_TTL or kid not in self._keys

    def _start(self) -> threading.Event:
        done = threading.Event()
        self._inflight = done
        self._pid = os.getpid()
        self._tried = self.clock()
        threading.Thread(target=self._refresh, args=(done,), name="iap-keys", daemon=True).start()
        return done

    def _refresh(self, done: threading.Event) -> None:
        try:
            keys = self.fetch(self.url)
            if not isinstance(keys, dict) or not keys or not all(isinstance(v, str) for v in keys.values()):
                raise ValueError("no keys in the answer")
        except Exception as err:  # network, HTTP, JSON: keep the last good keys, retry later
            with self._lock:
                self._failures += 1
                self._error = type(err).__name__
                if self._inflight is done:
                    self._inflight = None
        else:
            with self._lock:
                self._keys, self._at, self._failures, self._error = keys, self.clock(), 0, ""
                if self._inflight is done:
                    self._inflight = None
        finally:
            done.set()


def _fetch_json(url: str) -> dict[str, str]:
    import requests

    response = requests.get(url, timeout=(5, 10))
    response.raise_for_status()
    keys = response.json()
    if not isinstance(keys, dict):
        raise ValueError("IAP's key endpoint returned no keys")
    return keys


def _short(value: Any) -> str:
    """A value from the token for a message: never more than 40 characters."""
    text = repr(value) if isinstance(value, str) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


_MISSING_CLAIM = re.compile(r"required claim (iat|exp)\b")


def _too_deep(assertion: str) -> bool:
    """Whether the header or payload nests JSON deeper than MAX_NESTING. Checked before any JSON parser
    sees it: how deep a parser gets before RecursionError depends on the process's recursion limit."""
    for segment in assertion.split(".")[:2]:
        try:
            text = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        except (ValueError, binascii.Error):
            return False  # not base64: the decoder below says so
        depth, in_string, escaped = 0, False, False
        for byte in text:
            if in_string:
                escaped, in_string = (False, True) if escaped else (byte == 0x5C, byte != 0x22)
            elif byte == 0x22:
                in_string = True
            elif byte in (0x5B, 0x7B):
                depth += 1
                if depth > MAX_NESTING:
                    return True
            elif byte in (0x5D, 0x7D):
                depth -= 1
    return False


def verify(assertion: str, audience: str, keys: Keys | None = None) -> dict[str, Any]:
    """The assertion's claims if IAP issued it for `audience`; InvalidAssertion otherwise."""
    if not isinstance(audience, str) or not audience:
        raise ValueError("verify needs the backend's audience (/projects/NUMBER/global/backendServices/ID)")
    keys = keys or _default_keys()
    if not isinstance(assertion, str) or len(assertion) > MAX_ASSERTION:
        raise InvalidAssertion(f"not a JWT (IAP's assertions are under {MAX_ASSERTION} characters)")
    if _too_deep(assertion):
        raise InvalidAssertion(f"not a JWT (JSON nested over {MAX_NESTING} levels)")
    try:
        header = jwt.decode_header(assertion)
    except (ValueError, TypeError, RecursionError, auth_exceptions.GoogleAuthError):
        raise InvalidAssertion("not a JWT") from None
    if not isinstance(header, dict):
        raise InvalidAssertion("not a JWT (the header is not a JSON object)")
    if header.get("alg") != "ES256":
        raise InvalidAssertion(f"algorithm {_short(header.get('alg'))} is not ES256")
    if "crit" in header:  # RFC 7515 4.1.11: extensions the verifier does not understand must be refused
        raise InvalidAssertion("the header names critical extensions, which IAP never uses")
    kid = header.get("kid")
    kid = kid if isinstance(kid, str) else ""
    certs = keys.get(kid)
    if kid not in certs:
        raise InvalidAssertion("signed with a key IAP does not publish")
    try:
        claims = jwt.decode(assertion, certs={kid: certs[kid]}, audience=audience, clock_skew_in_seconds=CLOCK_SKEW)
    except RecursionError:
        raise InvalidAssertion("not a JWT") from None
    except (ValueError, TypeError, KeyError, AttributeError, auth_exceptions.GoogleAuthError) as err:
        text = str(err)
        missing = _MISSING_CLAIM.search(text)
        reason = (f"no {missing.group(1)} claim" if missing else "wrong audience" if "audience" in text
                  else "expired" if "expired" in text
                  else "not yet valid" if "early" in text or "future" in text
                  else "malformed iat or exp" if isinstance(err, TypeError) else "bad signature")
        raise InvalidAssertion(reason) from None
    if not isinstance(claims, Mapping):
        raise InvalidAssertion("not a JWT (the payload is not a JSON object)")
    for name in ("exp", "iat"):
        value = claims.get(name)
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidAssertion(f"malformed {name} (not a finite number)")
    nbf = claims.get("nbf")
    if nbf is not None:
        if not isinstance(nbf, int | float) or isinstance(nbf, bool) or not math.isfinite(nbf):
            raise InvalidAssertion("malformed nbf")
        if nbf - CLOCK_SKEW > time.time():
            raise InvalidAssertion("not yet valid (nbf is in the future)")
    if claims.get("iss") != ISSUER:
        raise InvalidAssertion(f"issuer {_short(claims.get('iss'))} is not {ISSUER}")
    return dict(claims)


_DEFAULT: Keys | None = None
_DEFAULT_LOCK = threading.Lock()


def _default_keys() -> Keys:
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = Keys()
        return _DEFAULT


IDENTITY_HEADERS = ("x-goog-authenticated-user-email", "x-goog-authenticated-user-id")


def exempt_paths(exempt: Any) -> tuple[str, ...]:
    """`exempt` as a tuple, or TypeError: a string would be iterated character by character (exempting "/")."""
    if isinstance(exempt, str | bytes) or not isinstance(exempt, Iterable):
        raise TypeError(f"exempt must be a collection of absolute paths such as ('/healthz',), not "
                        f"{type(exempt).__name__} {_short(exempt)}")
    paths = tuple(exempt)
    for path in paths:
        if not isinstance(path, str) or not path.startswith("/"):
            raise TypeError(f"exempt paths must be absolute (start with /): {_short(path)}")
    return paths


def identity(claims: Mapping[str, Any]) -> dict[str, str]:
    """The identity headers as IAP writes them, from verified claims (lowercase names)."""
    headers = {}
    if isinstance(claims.get("email"), str):
        headers[IDENTITY_HEADERS[0]] = f"accounts.google.com:{claims['email']}"
    if isinstance(claims.get("sub"), str):
        headers[IDENTITY_HEADERS[1]] = str(claims["sub"])
    return headers


def _wsgi_key(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


class IapJwtWsgi:
    """WSGI middleware: 401 unless the request carries a valid IAP assertion; claims in environ["iap.claims"]."""

    def __init__(self, app: Callable[..., Iterable[bytes]], audience: str, exempt: Iterable[str] = ("/healthz",),
                 keys: Keys | None = None):
        self.app, self.audience, self.exempt, self.keys = app, audience, exempt_paths(exempt), keys

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        for header in IDENTITY_HEADERS:  # only what the middleware verified reaches the app
            environ.pop(_wsgi_key(header), None)
        if environ.get("PATH_INFO", "") in self.exempt:
            return self.app(environ, start_response)
        try:
            claims = verify(environ.get("HTTP_X_GOOG_IAP_JWT_ASSERTION", "") or "", self.audience, self.keys)
        except InvalidAssertion as err:
            body = f"IAP assertion rejected: {err}\n".encode()
            start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        environ["iap.claims"] = claims
        environ.update({_wsgi_key(k): v for k, v in identity(claims).items()})
        return self.app(environ, start_response)


Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class IapJwtAsgi:
    """ASGI middleware: the same for async apps; claims in scope["state"]["iap.claims"]."""

    def __init__(self, app: Callable[..., Awaitable[None]], audience: str, exempt: Iterable[str] = ("/healthz",),
                 keys: Keys | None = None):
        self.app, self.audience, self.exempt, self.keys = app, audience, exempt_paths(exempt), keys

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind == "lifespan":
            await self.app(scope, receive, send)  # server start-up and shutdown carry no request
            return
        if kind not in ("http", "websocket"):  # a protocol this middleware cannot check must not pass unchecked
            raise ValueError(f"IapJwtAsgi: unsupported ASGI scope type {_short(kind)}")
        raw = [(k, v) for k, v in scope.get("headers", []) if k.decode("latin-1").lower() not in IDENTITY_HEADERS]
        scope["headers"] = raw  # only what the middleware verified reaches the app
        if scope.get("path", "") in self.exempt:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw}
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
        scope["headers"] = raw + [(k.encode("latin-1"), v.encode("latin-1")) for k, v in identity(claims).items()]
        await self.app(scope, receive, send)
