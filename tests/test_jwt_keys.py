"""The IAP assertion verifier when Google's key endpoint fails, hangs or is hammered, and on hostile tokens
(issue 16, items 4-7). Time is a fake clock; assertions are on counts (fetches, waits), and the only real
waits are generous bounds that a loaded machine cannot reach by accident."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import threading
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from google.auth import crypt, jwt

from iapgen.access import jwt as iapjwt
from iapgen.access.jwt import IapJwtAsgi, IapJwtWsgi, InvalidAssertion, Keys, verify
from tests.test_iap import AUDIENCE, EC_KEY, IAP, _pem, assertion, wsgi_call

PUBLISHED = {"iap-1": _pem(EC_KEY, False)}
OTHER = crypt.ES256Signer.from_string(_pem(ec.generate_private_key(ec.SECP256R1()), True), key_id="unknown")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Endpoint:
    """Google's key endpoint: up, down, or hanging until released; counts fetches."""

    def __init__(self) -> None:
        self.fetches = 0
        self.down = False
        self.hang: threading.Event | None = None

    def __call__(self, url: str) -> dict[str, str]:
        self.fetches += 1
        if self.hang is not None:
            self.hang.wait(30)
        if self.down:
            raise OSError("key endpoint down")
        return dict(PUBLISHED)


def forged() -> str:
    return jwt.encode(OTHER, {"iss": iapjwt.ISSUER, "aud": AUDIENCE}).decode()


def in_threads(count: int, function: Any) -> list[Any]:
    """Run `function` in `count` threads at once; their results (or exceptions) once all have ended."""
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            results[i] = function()
        except Exception as err:
            results[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)  # generous: each should end within Keys.wait (0.2 s here)
    assert not any(t.is_alive() for t in threads), "requests were still blocked on the key fetch"
    return results


def test_last_good_keys_serve_while_the_endpoint_is_down_up_to_a_documented_age() -> None:
    clock, endpoint = Clock(), Endpoint()
    keys = Keys(fetch=endpoint, clock=clock)
    assert verify(assertion(), AUDIENCE, keys)["email"] == "alice@acme.example"
    endpoint.down = True
    clock.now += iapjwt.KEYS_TTL + 1
    assert verify(assertion(), AUDIENCE, keys)["email"] == "alice@acme.example"  # stale, served
    assert endpoint.fetches == 2  # it did try to refresh
    clock.now += iapjwt.MAX_STALE
    with pytest.raises(InvalidAssertion, match=r"cannot fetch IAP's keys \(OSError\)"):
        verify(assertion(), AUDIENCE, keys)
    endpoint.down = False
    clock.now += iapjwt.RETRY_MAX
    assert verify(assertion(), AUDIENCE, keys)["email"] == "alice@acme.example"  # recovered


def test_failed_fetches_are_retried_with_backoff() -> None:
    clock, endpoint = Clock(), Endpoint()
    endpoint.down = True
    keys = Keys(fetch=endpoint, clock=clock)
    for _ in range(200):  # a request every half second for 100 s
        with pytest.raises(InvalidAssertion, match="cannot fetch"):
            verify(assertion(), AUDIENCE, keys)
        clock.now += 0.5
    assert endpoint.fetches == 7  # at 0, 1, 3, 7, 15, 31 and 63 s: backoff 1, 2, 4 ... s


def test_one_fetch_for_all_waiters_with_a_timeout_and_no_lock_held_across_it() -> None:
    endpoint = Endpoint()
    endpoint.hang = threading.Event()
    keys = Keys(fetch=endpoint, wait=0.2)
    try:
        results = in_threads(5, lambda: verify(assertion(), AUDIENCE, keys))  # nothing cached yet
        assert all(isinstance(r, InvalidAssertion) and "cannot fetch" in str(r) for r in results)
        assert endpoint.fetches == 1
    finally:
        endpoint.hang.set()


def test_known_keys_answer_at_once_while_a_refresh_hangs() -> None:
    clock, endpoint = Clock(), Endpoint()
    keys = Keys(fetch=endpoint, clock=clock, wait=0.2)
    verify(assertion(), AUDIENCE, keys)
    endpoint.hang = threading.Event()
    clock.now += iapjwt.KEYS_TTL + 1
    try:
        results = in_threads(5, lambda: verify(assertion(), AUDIENCE, keys))
        assert [r["email"] for r in results] == ["alice@acme.example"] * 5
        assert endpoint.fetches == 2
    finally:
        endpoint.hang.set()


def test_unknown_key_ids_are_throttled_while_fetches_fail() -> None:
    clock, endpoint = Clock(), Endpoint()
    keys = Keys(fetch=endpoint, clock=clock)
    verify(assertion(), AUDIENCE, keys)
    endpoint.down = True
    clock.now += iapjwt.REFETCH_AFTER + 1
    for _ in range(50):
        with pytest.raises(InvalidAssertion, match="key IAP does not publish"):
            verify(forged(), AUDIENCE, keys)
        assert verify(assertion(), AUDIENCE, keys)["email"] == "alice@acme.example"
        clock.now += 1
    assert endpoint.fetches == 2  # the first, then one refetch for the unknown key id in 50 s


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


FLAT_HEADER = b'{"alg": "ES256", "kid": "iap-1"}'


def nested(levels: int) -> bytes:
    return b'{"alg": "ES256", "kid": "iap-1", "x": ' + b"[" * levels + b"]" * levels + b"}"


@pytest.fixture(params=[None, 100_000], ids=["default-limit", "raised-limit"])
def recursion_limit(request: pytest.FixtureRequest) -> Any:
    """The refusal must not depend on the process's recursion limit (apps and libraries raise it)."""
    before = sys.getrecursionlimit()
    if request.param:
        sys.setrecursionlimit(request.param)
    yield
    sys.setrecursionlimit(before)


@pytest.mark.parametrize("token", [
    pytest.param(lambda: f"{b64(nested(1000))}.{b64(b'{}')}.c2ln", id="nested-header"),
    pytest.param(lambda: f"{b64(FLAT_HEADER)}.{b64(nested(1000))}.c2ln", id="nested-payload"),
])
def test_deeply_nested_tokens_are_invalid_not_a_recursion_error(token: Any, recursion_limit: None) -> None:
    keys = Keys(fetch=Endpoint())
    with pytest.raises(InvalidAssertion, match="not a JWT"):
        verify(token(), AUDIENCE, keys)
    app = IapJwtWsgi(lambda e, s: [b""], AUDIENCE, keys=keys)
    assert wsgi_call(app, "/", token())[0] == "401 Unauthorized"
    assert asgi_call(IapJwtAsgi(ok_app, AUDIENCE, keys=keys), {"type": "http", "path": "/"}, token())[0] == 401


def test_future_nbf_unknown_crit_and_missing_claims_are_named() -> None:
    keys = Keys(fetch=Endpoint())
    now = int(time.time())
    with pytest.raises(InvalidAssertion, match=r"not yet valid \(nbf"):
        verify(assertion(nbf=now + 3600), AUDIENCE, keys)
    assert verify(assertion(nbf=now - 10), AUDIENCE, keys)["email"] == "alice@acme.example"
    crit = jwt.encode(IAP, {"iss": iapjwt.ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 600},
                      header={"crit": ["exp"]}).decode()
    with pytest.raises(InvalidAssertion, match="critical extensions"):
        verify(crit, AUDIENCE, keys)
    for claim in ("exp", "iat"):
        body = {"iss": iapjwt.ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 600}
        del body[claim]
        with pytest.raises(InvalidAssertion, match=f"^no {claim} claim$"):
            verify(jwt.encode(IAP, body).decode(), AUDIENCE, keys)


def test_an_unbounded_alg_is_not_echoed() -> None:
    header = b64(json.dumps({"alg": "X" * 5000, "kid": "iap-1"}).encode())
    with pytest.raises(InvalidAssertion) as caught:
        verify(f"{header}.e30.c2ln", AUDIENCE, Keys(fetch=Endpoint()))
    assert len(str(caught.value)) < 80 and "XXXX..." in str(caught.value)
    with pytest.raises(InvalidAssertion, match="not a JWT"):
        verify("a" * (iapjwt.MAX_ASSERTION + 1), AUDIENCE, Keys(fetch=Endpoint()))


async def ok_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def asgi_call(app: Any, scope: dict[str, Any], header: str | None = None) -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []
    scope = {**scope, "headers": [(b"x-goog-iap-jwt-assertion", header.encode())] if header else []}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    loop = asyncio.new_event_loop()  # a private loop: asyncio.run() would unset the one Pulumi's runtime uses
    try:
        loop.run_until_complete(app(scope, None, send))
    finally:
        loop.close()
    return (sent[0]["status"], sent[1]["body"]) if sent else (0, b"")


def test_asgi_refuses_scope_types_it_does_not_know() -> None:
    called: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        called.append(scope["type"])

    app = IapJwtAsgi(inner, AUDIENCE, keys=Keys(fetch=Endpoint()))
    with pytest.raises(ValueError, match="unsupported ASGI scope type 'webtransport'"):
        asgi_call(app, {"type": "webtransport", "path": "/"})
    asgi_call(app, {"type": "lifespan"})  # server start-up carries no request: passed through
    assert called == ["lifespan"]


def test_a_fetch_that_never_ends_is_abandoned_and_another_starts() -> None:
    clock, endpoint = Clock(), Endpoint()
    keys = Keys(fetch=endpoint, clock=clock, wait=0.2)
    verify(assertion(), AUDIENCE, keys)
    endpoint.hang = threading.Event()  # the endpoint drips bytes forever
    try:
        clock.now += iapjwt.KEYS_TTL + 1
        verify(assertion(), AUDIENCE, keys)  # served stale; one fetch now hangs
        clock.now += 10
        verify(assertion(), AUDIENCE, keys)
        assert endpoint.fetches == 2  # no second fetch while the first may still answer
        clock.now += getattr(iapjwt, "FETCH_ABANDON", 120.0)
        verify(assertion(), AUDIENCE, keys)
        assert endpoint.fetches == 3  # given up on; a new one started
    finally:
        endpoint.hang.set()
