"""ID tokens for calling an IAP-protected app from a program, for people and for service accounts.

IAP takes an OpenID Connect ID token in `Authorization: Bearer` (or `Proxy-Authorization: Bearer`
when the app uses Authorization itself). Service accounts get one from google-auth (Application
Default Credentials, or impersonation). People cannot through `gcloud auth print-identity-token
--audiences` (docs/gke-behaviour.md#iap-programmatic-tokens); for them iapgen runs the desktop
OAuth client flow once, keeps
the refresh token in the user's config folder (0600), and exchanges it at the token endpoint for
an ID token whose audience is the IAP OAuth client, reusing that token until it nearly expires.

Tokens and refresh tokens never appear in messages or errors.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import ipaddress
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TOKEN_URI = "https://oauth2.googleapis.com/token"
AUTH_URI = "https://accounts.google.com/o/oauth2/v2/auth"
# Full scope names: Google answers "email" with the userinfo.email URL, which oauthlib treats as a change.
SCOPES = ("openid", "https://www.googleapis.com/auth/userinfo.email")
EARLY = 120  # seconds before expiry that a cached ID token is renewed
LOCK_WAIT = 30.0  # seconds a command waits for another holding the cache lock
# Plain http to a loopback address, for tests with a fake token endpoint on 127.0.0.1 only; never from
# configuration: the refresh token and client secret go to that URL.
ALLOW_LOOPBACK_HTTP = False


class TokenError(Exception):
    """No token could be had; the message says what to do."""


@dataclass(frozen=True)
class DesktopClient:
    """An OAuth client of type Desktop that the IAP settings allow for programmatic access."""

    client_id: str
    client_secret: str


def check_token_uri(uri: str) -> str:
    """The token endpoint URL if it is https:// to a host (no user:password@ part), else TokenError."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(uri)
        host, _ = parts.hostname, parts.port  # the port is parsed to refuse a malformed one
    except ValueError:
        host = None
    if host and not (parts.username or parts.password) and "@" not in parts.netloc:
        if parts.scheme == "https":
            return uri
        if parts.scheme == "http" and ALLOW_LOOPBACK_HTTP and _loopback(host):
            return uri
    raise TokenError("the token endpoint must be an https:// URL naming a host, without user:password@ "
                     "(the refresh token and client secret go there)")


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def config_dir() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "iapgen"


def _expiry(token: str) -> float:
    """The `exp` of a JWT, read without verifying (Google verifies; we only schedule renewal)."""
    from google.auth import jwt

    try:
        return float(jwt.decode(token, verify=False)["exp"])
    except (ValueError, KeyError, TypeError):
        return 0.0


class Cache:
    """Refresh tokens and ID tokens per desktop client, in one 0600 file in a 0700 folder."""

    def __init__(self, path: Path | None = None):
        self.path = path or config_dir() / "credentials.json"

    def load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, RecursionError):
            data = None
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise TokenError(f"{self.path} is unreadable; delete it and sign in again (iapgen token --user)")
        for entry in data.values():  # fields of the wrong type are forgotten, as if never cached
            if not isinstance(entry.get("refresh_token", ""), str):
                entry.pop("refresh_token")
            tokens = entry.get("id_tokens", {})
            if not isinstance(tokens, dict) or not all(isinstance(t, str) for t in tokens.values()):
                entry.pop("id_tokens")
        return data

    def _folder(self) -> None:
        """The config folder, made private (0700); a symbolic link there is refused, not followed."""
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError as err:
            if err.errno in (errno.ELOOP, errno.ENOTDIR) and folder.is_symlink():
                raise TokenError(f"{folder} is a symbolic link; iapgen keeps refresh tokens only in a real folder: "
                                 "replace the link with a folder") from None
            raise TokenError(f"cannot use {folder} for credentials: {err.strerror} (set XDG_CONFIG_HOME to a "
                             "writable folder)") from None
        try:
            os.fchmod(fd, 0o700)
        finally:
            os.close(fd)

    def save(self, data: dict[str, Any]) -> None:
        self._folder()
        try:
            fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".credentials-")  # 0600, unique
            with os.fdopen(fd, "w") as handle:
                json.dump(data, handle)
            os.replace(temporary, self.path)
        except OSError as err:
            raise TokenError(f"cannot write {self.path}: {err.strerror}") from None

    @contextlib.contextmanager
    def entry(self, client_id: str) -> Iterator[dict[str, Any]]:
        """One client's entry, read and written under a lock: parallel commands share the file."""
        self._folder()
        with self._locked():
            data = self.load()
            entry = data.setdefault(client_id, {})
            try:
                yield entry
            finally:  # also when a refresh fails: a revoked refresh token must be forgotten
                self.save(data)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """The cache lock, waited for at most LOCK_WAIT seconds; the holder's pid is in the lock file."""
        path = self.path.parent / ".lock"
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError as err:
            if err.errno == errno.ELOOP:
                raise TokenError(f"{path} is a symbolic link; remove it (iapgen creates the lock itself)") from None
            raise TokenError(f"cannot open {path}: {err.strerror}") from None
        try:
            deadline = time.monotonic() + LOCK_WAIT
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
                        raise TokenError(f"{path} is held by process {holder} (another iapgen token or curl) for "
                                         f"over {LOCK_WAIT:.0f}s; wait for it, or end it if it is stuck") from None
                    time.sleep(0.05)
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield
        finally:
            os.close(fd)  # closing releases the lock


def browser_login(client: DesktopClient, auth_uri: str = AUTH_URI, token_uri: str = TOKEN_URI) -> str:
    """The desktop OAuth flow: the user signs in in a browser; returns a refresh token."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_config(
        {"installed": {"client_id": client.client_id, "client_secret": client.client_secret, "auth_uri": auth_uri,
                       "token_uri": token_uri, "redirect_uris": ["http://localhost"]}}, scopes=list(SCOPES))
    # The sign-in prompt goes to stderr: stdout carries only the token (TOKEN=$(iapgen token --user ...)).
    with contextlib.redirect_stdout(sys.stderr):
        credentials = flow.run_local_server(port=0, open_browser=True, access_type="offline", prompt="consent")
    if not credentials.refresh_token:
        raise TokenError("the sign-in returned no refresh token; try again (iapgen token --user --login)")
    return str(credentials.refresh_token)


class UserTokens:
    """ID tokens for a person, through a desktop OAuth client allowed for programmatic access."""

    def __init__(self, client: DesktopClient, cache: Cache | None = None, token_uri: str | None = None,
                 login: Callable[[DesktopClient], str] = browser_login, clock: Callable[[], float] = time.time,
                 session: Any = None):
        self.client, self.cache, self.login, self.clock = client, cache or Cache(), login, clock
        self.token_uri = check_token_uri(token_uri or os.environ.get("IAPGEN_TOKEN_URI") or TOKEN_URI)
        self.session = session

    def id_token(self, audience: str, force_login: bool = False) -> str:
        with self.cache.entry(self.client.client_id) as entry:
            cached = entry.get("id_tokens", {}).get(audience)
            if cached and not force_login and _expiry(cached) - EARLY > self.clock():
                return str(cached)
            if force_login or not entry.get("refresh_token"):
                entry["refresh_token"] = self.login(self.client)
            token = self._exchange(entry, audience)
            entry.setdefault("id_tokens", {})[audience] = token
            return token

    def _exchange(self, entry: dict[str, Any], audience: str) -> str:
        import requests

        session = self.session or requests.Session()
        try:
            response = session.post(self.token_uri, timeout=30, data={
                "grant_type": "refresh_token", "refresh_token": entry["refresh_token"],
                "client_id": self.client.client_id, "client_secret": self.client.client_secret, "audience": audience})
        except requests.RequestException as err:
            raise TokenError(f"cannot reach the token endpoint: {type(err).__name__}") from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code == 200 and body.get("id_token"):
            return str(body["id_token"])
        error = str(body.get("error", response.status_code))
        if error == "invalid_grant":
            entry.pop("refresh_token", None)
            entry.pop("id_tokens", None)
            raise TokenError("your sign-in was revoked or has expired; sign in again: iapgen token --user --login")
        if error in ("unauthorized_client", "invalid_client", "invalid_audience"):
            raise TokenError(f"the token endpoint refused client {self.client.client_id} for audience {audience} "
                             f"({error}): add the client to the IAP settings' programmatic clients "
                             "(access_settings.oauth_settings.programmatic_clients) and check the audience is "
                             "the IAP OAuth client id")
        raise TokenError(f"the token endpoint answered {response.status_code} ({error})")


def service_account_token(audience: str, impersonate: str | None = None) -> str:
    """An ID token for a service account: ADC (key file, metadata server), or impersonating one."""
    import google.auth
    from google.auth import exceptions
    from google.auth.transport.requests import Request

    try:
        if impersonate:
            from google.auth import impersonated_credentials

            source, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
            target = impersonated_credentials.Credentials(source_credentials=source, target_principal=impersonate,
                                                          target_scopes=["https://www.googleapis.com/auth/cloud-platform"])
            credentials = impersonated_credentials.IDTokenCredentials(target, target_audience=audience,
                                                                      include_email=True)
            credentials.refresh(Request())
            return str(credentials.token)
        from google.oauth2 import id_token

        return str(id_token.fetch_id_token(Request(), audience))
    except exceptions.DefaultCredentialsError:
        raise TokenError("no service account credentials: for a person use --user; for a service account set "
                         "GOOGLE_APPLICATION_CREDENTIALS, run on Google Cloud, or --impersonate-service-account "
                         "SA") from None
    except exceptions.GoogleAuthError as err:
        first = str(err).splitlines()[0][:200]
        raise TokenError(f"Google refused the ID token ({type(err).__name__}: {first}); with "
                         "--impersonate-service-account you need roles/iam.serviceAccountTokenCreator on it") from None


class IapAuth:
    """`requests` auth: `requests.get(url, auth=IapAuth(lambda: tokens.id_token(aud)))`."""

    def __init__(self, token: Callable[[], str], header: str = "Authorization"):
        self.token, self.header = token, header

    def __call__(self, request: Any) -> Any:
        request.headers[self.header] = f"Bearer {self.token()}"
        return request


def httpx_auth(token: Callable[[], str], header: str = "Authorization") -> Any:
    """An `httpx.Auth` that adds the IAP bearer token (httpx is optional)."""
    import httpx

    class _IapHttpxAuth(httpx.Auth):
        def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
            request.headers[header] = f"Bearer {token()}"
            yield request

    return _IapHttpxAuth()
