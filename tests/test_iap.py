"""Programmatic access through IAP, against a fake token endpoint and a fake IAP proxy on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import stat
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from google.auth import crypt, jwt

from iapgen.access.jwt import IapJwtAsgi, IapJwtWsgi, InvalidAssertion, Keys, verify
from iapgen.access.token import Cache, DesktopClient, IapAuth, TokenError, UserTokens, httpx_auth
from tests.conftest import REPO, run_cli

IAP_CLIENT = "1234-iap.apps.googleusercontent.com"
DESKTOP = DesktopClient("5678-desktop.apps.googleusercontent.com", "desktop-secret")
AUDIENCE = "/projects/123/global/backendServices/456"


def _pem(key: Any, private: bool) -> str:
    if private:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # "Google" signs ID tokens
EC_KEY = ec.generate_private_key(ec.SECP256R1())  # "IAP" signs assertions
GOOGLE = crypt.RSASigner.from_string(_pem(RSA_KEY, True), key_id="google-1")
IAP = crypt.ES256Signer.from_string(_pem(EC_KEY, True), key_id="iap-1")


class Fakes:
    """The token endpoint (POST /token) and an IAP proxy (GET /app), one HTTP server."""

    def __init__(self) -> None:
        self.token_calls = 0
        self.lifetime = 3600
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, status: int, body: Any) -> None:
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # the token endpoint
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                        .items()}
                server.token_calls += 1
                if form.get("client_id") != DESKTOP.client_id or form.get("client_secret") != DESKTOP.client_secret:
                    return self._reply(401, {"error": "unauthorized_client"})
                if form.get("refresh_token") != "good-refresh":
                    return self._reply(400, {"error": "invalid_grant", "error_description": "Token has been revoked"})
                now = int(time.time())
                token = jwt.encode(GOOGLE, {"iss": "https://accounts.google.com", "aud": form["audience"],
                                            "email": "alice@acme.example", "iat": now,
                                            "exp": now + server.lifetime}).decode()
                return self._reply(200, {"id_token": token, "token_type": "Bearer", "expires_in": server.lifetime})

            def do_GET(self) -> None:  # the IAP proxy in front of the app
                auth = self.headers.get("Authorization") or self.headers.get("Proxy-Authorization") or ""
                try:
                    claims = jwt.decode(auth.removeprefix("Bearer "), certs={"google-1": _pem(RSA_KEY, False)},
                                        audience=IAP_CLIENT)
                except Exception:
                    return self._reply(401, "IAP: invalid token\n")
                return self._reply(200, f"hello {claims['email']}\n")

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"


@pytest.fixture
def fakes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fakes]:
    server = Fakes()
    monkeypatch.setattr("iapgen.access.token.ALLOW_LOOPBACK_HTTP", True)  # the fake endpoint is plain http
    monkeypatch.setenv("IAPGEN_TOKEN_URI", f"{server.url}/token")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("IAPGEN_CLIENT_ID", DESKTOP.client_id)
    monkeypatch.setenv("IAPGEN_CLIENT_SECRET", DESKTOP.client_secret)
    yield server
    server.http.shutdown()


def signed_in(refresh: str = "good-refresh") -> None:
    """A user who signed in before: a refresh token in the cache."""
    Cache().save({DESKTOP.client_id: {"refresh_token": refresh}})


def test_a_signed_in_user_gets_a_token_the_proxy_accepts_in_one_command(fakes: Fakes) -> None:
    signed_in()
    result = run_cli("token", "--user", "--audience", IAP_CLIENT)
    assert result.code == 0, result
    token = result.out.strip()
    assert requests.get(f"{fakes.url}/app", headers={"Authorization": f"Bearer {token}"}, timeout=10).text == \
        "hello alice@acme.example\n"
    assert run_cli("token", "--user", "--audience", IAP_CLIENT).out.strip() == token  # reused, not re-fetched
    assert fakes.token_calls == 1
    cache = Cache().path
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600 and stat.S_IMODE(cache.parent.stat().st_mode) == 0o700


def test_an_expiring_token_is_refreshed_silently(fakes: Fakes) -> None:
    signed_in()
    fakes.lifetime = 60  # inside the renewal margin: every use refreshes
    tokens = UserTokens(DESKTOP)
    first = tokens.id_token(IAP_CLIENT)
    tokens.clock = lambda: time.time() + 10
    second = tokens.id_token(IAP_CLIENT)
    assert fakes.token_calls == 2 and first and second


def test_wrong_audience_is_rejected_by_the_proxy(fakes: Fakes) -> None:
    signed_in()
    token = run_cli("token", "--user", "--audience", "999-other.apps.googleusercontent.com").out.strip()
    assert requests.get(f"{fakes.url}/app", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 401


def test_revoked_refresh_token(fakes: Fakes) -> None:
    signed_in("revoked-refresh")
    result = run_cli("token", "--user", "--audience", IAP_CLIENT)
    assert result.code == 1 and "revoked or has expired; sign in again: iapgen token --user --login" in result.err
    assert "revoked-refresh" not in result.err + result.out
    assert "refresh_token" not in Cache().load()[DESKTOP.client_id]  # forgotten, so the next run signs in


def test_client_not_allowed_for_programmatic_access(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    signed_in()
    monkeypatch.setenv("IAPGEN_CLIENT_SECRET", "wrong")
    result = run_cli("token", "--user", "--audience", IAP_CLIENT)
    assert result.code == 1 and "programmatic_clients" in result.err


def test_first_use_signs_in_then_caches(fakes: Fakes) -> None:
    logins: list[DesktopClient] = []

    def login(client: DesktopClient) -> str:
        logins.append(client)
        return "good-refresh"

    tokens = UserTokens(DESKTOP, login=login)
    assert tokens.id_token(IAP_CLIENT) == tokens.id_token(IAP_CLIENT)
    assert logins == [DESKTOP] and Cache().load()[DESKTOP.client_id]["refresh_token"] == "good-refresh"


def test_curl_sends_the_header_and_python_auth_classes(fakes: Fakes, tmp_path: Path) -> None:
    signed_in()
    out = tmp_path / "body.txt"
    result = run_cli("curl", "--user", "--audience", IAP_CLIENT, f"{fakes.url}/app", "-s", "-o", str(out))
    assert result.code == 0 and out.read_text() == "hello alice@acme.example\n"
    tokens = UserTokens(DESKTOP)
    assert requests.get(f"{fakes.url}/app", auth=IapAuth(lambda: tokens.id_token(IAP_CLIENT)), timeout=10).ok
    with httpx.Client(auth=httpx_auth(lambda: tokens.id_token(IAP_CLIENT), "Proxy-Authorization")) as client:
        assert client.get(f"{fakes.url}/app").text == "hello alice@acme.example\n"


def test_unknown_audience() -> None:
    result = run_cli("token", "--env", "dev", "--service", "nope", "--spec", REPO / "services.yaml")
    assert result.code == 1 and "no service 'nope' in dev" in result.err
    result = run_cli("token", "--user")
    assert result.code == 1 and "--audience" in result.err


# --- the app side: verifying x-goog-iap-jwt-assertion ------------------------------------------


def assertion(**claims: Any) -> str:
    now = int(time.time())
    body = {"iss": "https://cloud.google.com/iap", "aud": AUDIENCE, "iat": now, "exp": now + 600,
            "sub": "accounts.google.com:42", "email": "alice@acme.example", **claims}
    return jwt.encode(IAP, body).decode()


KEYS = Keys(fetch=lambda url: {"iap-1": _pem(EC_KEY, False)})


def test_valid_assertion() -> None:
    assert verify(assertion(), AUDIENCE, KEYS)["email"] == "alice@acme.example"


@pytest.mark.parametrize(("token", "reason"), [
    (lambda: assertion()[:-6] + "AAAAAA", "bad signature"),
    (lambda: assertion(iat=int(time.time()) - 3600, exp=int(time.time()) - 1200), "expired"),
    (lambda: assertion(iss="https://evil.example"), "issuer"),
    (lambda: assertion(aud="/projects/123/global/backendServices/999"), "audience"),
    (lambda: jwt.encode(GOOGLE, {"iss": "https://cloud.google.com/iap", "aud": AUDIENCE}).decode(), "ES256"),
    (lambda: "not-a-jwt", "not a JWT"),
])
def test_bad_assertions_are_rejected(token: Any, reason: str) -> None:
    with pytest.raises(InvalidAssertion, match=reason):
        verify(token(), AUDIENCE, KEYS)


def test_keys_come_from_the_key_endpoint_once(fakes: Fakes) -> None:
    served = {"n": 0}

    def fetch(url: str) -> dict[str, str]:
        served["n"] += 1
        assert url == f"{fakes.url}/keys"
        return {"iap-1": _pem(EC_KEY, False)}

    keys = Keys(url=f"{fakes.url}/keys", fetch=fetch)
    verify(assertion(), AUDIENCE, keys)
    verify(assertion(), AUDIENCE, keys)
    assert served["n"] == 1


def wsgi_call(app: Any, path: str, header: str | None = None) -> tuple[str, bytes]:
    environ: dict[str, Any] = {"PATH_INFO": path, "REQUEST_METHOD": "GET"}
    if header is not None:
        environ["HTTP_X_GOOG_IAP_JWT_ASSERTION"] = header
    status: list[str] = []
    body = b"".join(app(environ, lambda s, h: status.append(s)))
    return status[0], body


def test_wsgi_middleware() -> None:
    def inner(environ: dict[str, Any], start: Any) -> list[bytes]:
        start("200 OK", [])
        return [environ.get("iap.claims", {}).get("email", "anonymous").encode()]

    app = IapJwtWsgi(inner, AUDIENCE, exempt=("/healthz",), keys=KEYS)
    assert wsgi_call(app, "/healthz") == ("200 OK", b"anonymous")  # health checks carry no assertion
    assert wsgi_call(app, "/")[0] == "401 Unauthorized"
    assert wsgi_call(app, "/", assertion(aud="/projects/1/global/backendServices/2"))[0] == "401 Unauthorized"
    assert wsgi_call(app, "/", assertion()) == ("200 OK", b"alice@acme.example")


def test_asgi_middleware() -> None:
    async def inner(scope: Any, receive: Any, send: Any) -> None:
        email = scope.get("state", {}).get("iap.claims", {}).get("email", "anonymous")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": email.encode()})

    app = IapJwtAsgi(inner, AUDIENCE, exempt=("/healthz",), keys=KEYS)

    def call(path: str, header: str | None = None) -> tuple[int, bytes]:
        sent: list[dict[str, Any]] = []
        headers = [(b"x-goog-iap-jwt-assertion", header.encode())] if header else []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        # A private loop: asyncio.run() would unset the thread's loop, which Pulumi's runtime uses.
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(app({"type": "http", "path": path, "headers": headers}, receive, send))
        finally:
            loop.close()
        return sent[0]["status"], sent[1]["body"]

    assert call("/healthz") == (200, b"anonymous")
    assert call("/")[0] == 401
    assert call("/", assertion()) == (200, b"alice@acme.example")


# --- regressions from review -------------------------------------------------------------------


def test_curl_options_after_the_url_are_curls() -> None:
    """curl's --proxy must not be read as iapgen's --proxy-authorization, nor its --user as iapgen's."""
    from iapgen.cli import _parser

    args = _parser().parse_args(["curl", "--user", "--audience", "a", "https://app/", "--proxy",
                                 "http://127.0.0.1:3128", "--user", "bob:pw"])
    assert (args.user, args.proxy_authorization, args.url) == (True, False, "https://app/")
    assert args.curl_args == ["--proxy", "http://127.0.0.1:3128", "--user", "bob:pw"]


def test_sign_in_asks_for_the_full_email_scope() -> None:
    from iapgen.access.token import SCOPES

    assert SCOPES == ("openid", "https://www.googleapis.com/auth/userinfo.email")


def test_token_endpoint_must_be_https() -> None:
    with pytest.raises(TokenError, match="https"):
        UserTokens(DESKTOP, token_uri="http://tokens.example/token")


def test_a_damaged_cache_is_a_message(tmp_path: Path) -> None:
    for content in ("[]", '{"x": 1}', "{not json"):
        (tmp_path / "c.json").write_text(content)
        with pytest.raises(TokenError, match="delete it and sign in again"):
            Cache(tmp_path / "c.json").load()


def test_parallel_commands_share_the_cache(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = ("import sys; from pathlib import Path; from iapgen.access.token import Cache\n"
              f"cache = Cache(Path({str(tmp_path / 'c.json')!r}))\n"
              "for i in range(30):\n    with cache.entry(sys.argv[1]) as e: e['n'] = e.get('n', 0) + 1\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, f"client{i}"], stderr=subprocess.PIPE, text=True)
             for i in range(4)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0], [p.stderr.read() for p in procs if p.stderr]
    assert {k: v["n"] for k, v in Cache(tmp_path / "c.json").load().items()} == {f"client{i}": 30 for i in range(4)}
    assert stat.S_IMODE((tmp_path / "c.json").stat().st_mode) == 0o600


def test_verify_needs_an_audience_and_does_not_reveal_it() -> None:
    with pytest.raises(ValueError):
        verify(assertion(), "", KEYS)
    app = IapJwtWsgi(lambda e, s: [b""], AUDIENCE, keys=KEYS)
    status, body = wsgi_call(app, "/", assertion(aud="/projects/9/global/backendServices/9"))
    assert status == "401 Unauthorized" and b"wrong audience" in body and b"/projects/" not in body


def test_unknown_key_ids_do_not_hammer_the_key_endpoint_and_fetch_failures_are_401() -> None:
    fetched = {"n": 0}

    def fetch(url: str) -> dict[str, str]:
        fetched["n"] += 1
        return {"iap-1": _pem(EC_KEY, False)}

    keys = Keys(fetch=fetch)
    other = crypt.ES256Signer.from_string(_pem(ec.generate_private_key(ec.SECP256R1()), True), key_id="unknown")
    forged = jwt.encode(other, {"iss": "https://cloud.google.com/iap", "aud": AUDIENCE}).decode()
    for _ in range(5):
        with pytest.raises(InvalidAssertion, match="key IAP does not publish"):
            verify(forged, AUDIENCE, keys)
    assert fetched["n"] == 1

    def broken(url: str) -> dict[str, str]:
        raise OSError("network down")

    with pytest.raises(InvalidAssertion, match="cannot fetch IAP's keys"):
        verify(assertion(), AUDIENCE, Keys(fetch=broken))


def test_asgi_websockets_need_the_assertion_too() -> None:
    async def inner(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "websocket.accept"})

    app = IapJwtAsgi(inner, AUDIENCE, keys=KEYS)
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(app({"type": "websocket", "path": "/ws", "headers": []}, None, send))
    finally:
        loop.close()
    assert sent == [{"type": "websocket.close", "code": 1008}]


def test_ingress_oauth_secret_only_where_a_service_has_iap_on(plan_for: Any) -> None:
    from tests.conftest import base_spec, service

    spec = base_spec()
    spec["environments"]["dev"]["iap"]["oauthClientId"] = "1234-abcd.apps.googleusercontent.com"
    spec["services"] = [service("web", namespace="apps"),
                        service("open", namespace="public", iap={"enabled": False, "reason": "public status page"})]
    secrets = plan_for(spec, config={"iapgen:oauthClientSecret": "s"}).of_type("core/v1:Secret")
    assert sorted(s.inputs["metadata"]["namespace"] for s in secrets) == ["apps"]
