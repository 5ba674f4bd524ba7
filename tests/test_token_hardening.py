"""The token cache and `iapgen curl` against hostile or broken surroundings (issue 16, items 10-12)."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from iapgen.access import token
from iapgen.access.token import Cache, DesktopClient, TokenError, UserTokens
from tests.conftest import REPO, run_cli

CLIENT = DesktopClient("5678-desktop.apps.googleusercontent.com", "desktop-secret")


@pytest.mark.parametrize("uri", [
    "http://localhost:@127.0.0.2:8099/token",  # passed the old prefix test; the host is 127.0.0.2, over http
    "https://localhost:@evil.example/token",  # user:password@ hides the real host
    "http://127.0.0.1:8099/token",  # loopback http: only when a test allows it explicitly
    "HTTPS://",
    "https:///token",
    "ftp://tokens.example/token",
    "https://tokens.example:99999/token",
])
def test_token_endpoint_is_parsed_and_must_be_https(uri: str) -> None:
    with pytest.raises(TokenError, match="must be an https:// URL naming a host"):
        UserTokens(CLIENT, token_uri=uri)


def test_loopback_http_only_when_allowed_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    assert UserTokens(CLIENT, token_uri="https://oauth2.googleapis.com/token").token_uri.startswith("https://")
    monkeypatch.setattr(token, "ALLOW_LOOPBACK_HTTP", True)
    assert UserTokens(CLIENT, token_uri="http://127.0.0.1:8099/token").token_uri == "http://127.0.0.1:8099/token"
    with pytest.raises(TokenError):
        UserTokens(CLIENT, token_uri="http://tokens.example/token")
    with pytest.raises(TokenError):
        UserTokens(CLIENT, token_uri="http://localhost:@127.0.0.2:8099/token")


def test_a_held_cache_lock_is_waited_for_with_a_limit_naming_the_holder(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(token, "LOCK_WAIT", 0.3)
    cache = Cache(tmp_path / "config" / "credentials.json")
    cache._folder()
    outcome: list[BaseException | None] = []

    def contend() -> None:
        try:
            with cache.entry("client"):
                outcome.append(None)
        except TokenError as err:
            outcome.append(err)

    with open(tmp_path / "config" / ".lock", "w") as holder:  # another command, stuck holding the lock
        fcntl.flock(holder, fcntl.LOCK_EX)
        holder.write("424242")
        holder.flush()
        contender = threading.Thread(target=contend, daemon=True)
        contender.start()
        contender.join(30)  # generous: it gives up after 0.3 s
    assert not contender.is_alive(), "token --user waited forever for the cache lock"
    assert isinstance(outcome[0], TokenError) and "held by process 424242" in str(outcome[0])


def test_symlinked_lock_and_config_folder_are_refused(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    target.chmod(0o755)
    (tmp_path / "config").symlink_to(target)
    with pytest.raises(TokenError, match="is a symbolic link"):
        Cache(tmp_path / "config" / "credentials.json").save({})
    assert stat.S_IMODE(target.stat().st_mode) == 0o755  # not chmod'ed through the link
    real = tmp_path / "real"
    real.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep")
    (real / ".lock").symlink_to(victim)
    with pytest.raises(TokenError, match="is a symbolic link"), Cache(real / "credentials.json").entry("c"):
        pass
    assert victim.read_text() == "keep"


def test_wrongly_typed_cache_fields_are_forgotten_not_a_traceback(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "iapgen").mkdir()
    (tmp_path / "iapgen" / "credentials.json").write_text(json.dumps({CLIENT.client_id: {"id_tokens": "x",
                                                                                          "refresh_token": 5}}))
    logins: list[str] = []

    def login(client: DesktopClient) -> str:
        logins.append(client.client_id)
        raise TokenError("sign-in needed")

    with pytest.raises(TokenError, match="sign-in needed"):
        UserTokens(CLIENT, login=login).id_token("aud")
    assert logins == [CLIENT.client_id]


@pytest.mark.parametrize("make", ["file", "unwritable"])
def test_a_bad_xdg_config_home_is_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: str) -> None:
    home = tmp_path / "home"
    if make == "file":
        home.write_text("not a folder")
    else:
        home.mkdir()
        home.chmod(0o500)
        if os.access(home, os.W_OK):  # root writes anywhere: stand in with a folder it cannot create into
            home.chmod(0o700)
            home = home / "f"
            home.write_text("")
            home = home / "sub"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    result = run_cli("token", "--user", "--audience", "aud", "--client-id", "c", "--client-secret", "s")
    assert result.code == 1 and "cannot use" in result.err and "XDG_CONFIG_HOME" in result.err


def test_a_render_manifest_nested_100000_deep_is_damaged_not_a_traceback(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / ".iapgen-render.json").write_text("[" * 100_000)
    result = run_cli("render", "--env", "dev", "--spec", REPO / "services.yaml", "--out", out)
    assert result.code == 1 and "is damaged" in result.err


CURL_SCRIPT = """
import sys
from iapgen.access import token
token.service_account_token = lambda audience, impersonate=None: "SECRET-BEARER"
from iapgen.cli import main
sys.exit(main(["curl", "--audience", "aud", "https://app.example/"]))
"""


def test_curl_removes_its_header_file_on_sigterm(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    seen = tmp_path / "curl-argv"
    fake = bin_dir / "curl"  # records where the header file is, then hangs like a slow download
    fake.write_text(f"#!{sys.executable}\nimport sys, time\nopen({str(seen)!r}, 'w').write(sys.argv[2])\n"
                    "time.sleep(60)\n")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    process = subprocess.Popen([sys.executable, "-c", CURL_SCRIPT], env=env, cwd=REPO, stderr=subprocess.PIPE)
    try:
        for _ in range(600):  # until curl runs (at most 60 s)
            if seen.exists() and seen.read_text():
                break
            time.sleep(0.1)
        header = Path(seen.read_text().removeprefix("@"))
        assert "SECRET-BEARER" in header.read_text()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        if process.poll() is None:
            process.kill()
    assert not header.exists() and not header.parent.exists()
    assert b"Traceback" not in (process.stderr.read() if process.stderr else b"")
