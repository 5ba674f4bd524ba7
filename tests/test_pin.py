"""iapgen pin: the spec's text with exactly the `ingress: N` lines INGRESS_PIN_REQUIRED asks for.

Nothing else of the file changes (comments, quoting, line endings), the file on disk is never written,
and a service it cannot pin safely is refused with its line rather than pinned wrongly.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import REPO, base_spec, run_cli, service, write_spec
from tests.test_ingress_layout import crowded_spec

HEAD = """\
environments:
  dev: {project: acme-dev, domain: dev.acme.example, iap: {members: ['group:eng@acme.example']}}
services:
"""


def entry(i: int, namespace: str = "web", style: str = "block") -> str:
    if style == "flow":
        return (f"  - {{name: app{i}, namespace: {namespace}, selector: {{app: app{i}}}, port: 80, targetPort: 8080, "
                "protocol: HTTP, healthCheck: {path: /healthz}}\n")
    if style == "name-second":
        return (f"  - namespace: {namespace}   # the team's namespace\n    \"name\": 'app{i}'  # quoted\n"
                f"    selector: {{app: app{i}}}\n    port: 80\n    targetPort: 8080\n    protocol: HTTP\n"
                "    healthCheck: {path: /healthz}\n")
    return (f"  - name: app{i}\n    namespace: {namespace}\n    selector: {{app: app{i}}}\n    port: 80\n"
            "    targetPort: 8080\n    protocol: HTTP\n    healthCheck: {path: /healthz}\n")


def test_the_seven_namespaces_of_43_get_196_pins_and_nothing_else(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, crowded_spec({f"team{n}": 43 for n in range(7)}, pinned=False))
    before = spec.read_bytes()
    result = run_cli("pin", "--spec", spec)
    assert result.code == 0, result.err
    assert "196 `ingress:` lines added" in result.err
    assert spec.read_bytes() == before
    added = [line for line in difflib.ndiff(before.decode().splitlines(), result.out.splitlines())
             if line.startswith(("+ ", "- "))]
    assert len(added) == 196 and all(line.startswith("+   ingress: ") for line in added)
    assert yaml.safe_load(result.out) == crowded_spec({f"team{n}": 43 for n in range(7)})
    pinned = write_spec(tmp_path, result.out, "pinned.yaml")
    assert run_cli("check", "--spec", pinned).code == 0
    again = run_cli("pin", "--spec", pinned)
    assert again.code == 0 and again.out == result.out and "0 `ingress:` lines added" in again.err


def test_comments_quoting_and_crlf_are_kept(tmp_path: Path) -> None:
    text = (HEAD + "# the web team\n" + "".join(entry(i, style="name-second") for i in range(17))).replace(
        "\n", "\r\n")
    spec = write_spec(tmp_path, text)
    result = run_cli("pin", "--spec", spec)
    assert result.code == 0, result.err
    out = Path(tmp_path / "out.yaml")
    out.write_text(result.out, newline="")
    lines = out.read_bytes().split(b"\r\n")
    assert lines.count(b"    ingress: 2") == 2 and b"\n" not in b"".join(lines)
    assert lines[lines.index(b"    ingress: 2") - 1] == b"    \"name\": 'app15'  # quoted"
    assert b"# the web team" in lines and spec.read_bytes() == text.encode()


def test_a_spec_that_needs_no_pin_comes_back_unchanged(tmp_path: Path) -> None:
    text = HEAD + "".join(entry(i) for i in range(15)).rstrip("\n")  # no newline at the end, either
    result = run_cli("pin", "--spec", write_spec(tmp_path, text))
    assert result.code == 0 and result.out == text


def test_the_last_line_gets_its_pin_even_without_a_final_newline(tmp_path: Path) -> None:
    text = HEAD + "".join(entry(i) for i in range(15)) + "  - name: app15\n    namespace: web\n" + \
        "    selector: {app: app15}\n    port: 80\n    targetPort: 8080\n    protocol: HTTP\n" + \
        "    healthCheck: {path: /healthz}"
    result = run_cli("pin", "--spec", write_spec(tmp_path, text))
    assert result.code == 0, result.err
    assert "  - name: app15\n    ingress: 2\n" in result.out


def test_a_flow_style_service_is_refused_with_its_line_and_nothing_printed(tmp_path: Path) -> None:
    text = HEAD + "".join(entry(i) for i in range(15)) + entry(15, style="flow")
    spec = write_spec(tmp_path, text)
    result = run_cli("pin", "--spec", spec)
    assert result.code == 1 and result.out == ""
    assert result.err.startswith(f"{spec}:{text.count(chr(10))}: services[app15]: its name: is not a one-line key")
    assert "add `ingress: 2` to it by hand [INGRESS_PIN_REQUIRED]" in result.err
    assert "Traceback" not in result.err


def test_a_service_that_needs_a_pin_in_one_environment_only_is_left_to_overrides(tmp_path: Path) -> None:
    """In prod app0 lives elsewhere, so app15 fits Ingress 1 there: one base line would move it in prod."""
    spec = base_spec()
    spec["services"] = [service(f"app{i}", namespace="web") for i in range(16)]
    spec["services"][0]["overrides"] = {"prod": {"namespace": "other"}}
    path = write_spec(tmp_path, spec)
    result = run_cli("pin", "--spec", path)
    assert result.code == 1 and result.out == ""
    assert "needs a different Ingress per environment (2 in dev, none in prod): pin it under overrides:" in result.err


def test_a_pin_that_would_leak_through_a_yaml_merge_is_refused(tmp_path: Path) -> None:
    """app16 merges app15's mapping into another namespace: a line under app15's name would pin app16 too.
    The result is parsed again and compared, so the leak is refused rather than printed."""
    late = """\
  - &late
    name: app15
    namespace: web
    selector: {app: app15}
    port: 80
    targetPort: 8080
    protocol: HTTP
    healthCheck: {path: /healthz}
  - <<: *late
    name: app16
    namespace: %s
    selector: {app: app16}
"""
    text = HEAD + "".join(entry(i) for i in range(15))
    leaking = run_cli("pin", "--spec", write_spec(tmp_path, text + late % "other"))
    assert leaking.code == 1 and leaking.out == ""
    assert f"{tmp_path / 'services.yaml'}:{len(text.splitlines()) + 2}: iapgen pin could not add `ingress:` here " \
        "without changing the spec otherwise" in leaking.err
    same = run_cli("pin", "--spec", write_spec(tmp_path, text + late % "web"))  # both need Ingress 2
    assert same.code == 0, same.err
    assert [s.get("ingress") for s in yaml.safe_load(same.out)["services"][15:]] == [2, 2]


def test_a_broken_spec_gets_its_findings_not_a_text(tmp_path: Path) -> None:
    result = run_cli("pin", "--spec", write_spec(tmp_path, HEAD + "  - name: [unclosed\n"))
    assert result.code == 1 and result.out == "" and "services.yaml:" in result.err and "Traceback" not in result.err
    missing = run_cli("pin", "--spec", tmp_path / "absent.yaml")
    assert missing.code == 1 and "file not found [FILE_UNREADABLE]" in missing.err


def test_an_environment_that_pins_its_own_ingress_does_not_block_the_base_line(tmp_path: Path) -> None:
    spec = base_spec()
    spec["services"] = [service(f"app{i}", namespace="web") for i in range(16)]
    spec["services"][15]["overrides"] = {"prod": {"ingress": 3}}
    result = run_cli("pin", "--spec", write_spec(tmp_path, spec))
    assert result.code == 0, result.err
    pinned = yaml.safe_load(result.out)["services"][15]
    assert pinned["ingress"] == 2 and pinned["overrides"] == {"prod": {"ingress": 3}}


def test_line_breaks_yaml_counts_and_we_do_not_are_refused_not_misplaced(tmp_path: Path) -> None:
    """A lone CR (old Mac files) and U+2028 are YAML line breaks; the lines do not line up, so: refused."""
    for brk in ("\r", "\u2028"):
        text = HEAD + "".join(entry(i) for i in range(16)).replace("\n", brk)
        spec = tmp_path / "services.yaml"
        spec.write_bytes(text.encode())
        result = run_cli("pin", "--spec", spec)
        assert result.code == 1 and result.out == "" and "Traceback" not in result.err, (brk, result.err)
        assert "[INGRESS_PIN_REQUIRED]" in result.err


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   check=True, capture_output=True)


def test_with_the_deployed_base_a_service_inserted_above_is_the_one_pinned(tmp_path: Path) -> None:
    """Deployed: app0..app14 on Ingress 1, app15 pinned to 2. A new service inserted at the top overflows
    Ingress 1: without a base the last unpinned (app14, live on Ingress 1) would be pinned and move; with
    --base-ref the new one is."""
    deployed = HEAD + "".join(entry(i) for i in range(15)) + entry(15).replace("  - name: app15\n",
                                                                                 "  - name: app15\n    ingress: 2\n")
    spec = write_spec(tmp_path, deployed)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "services.yaml")
    git(tmp_path, "commit", "-qm", "deployed")
    spec.write_text(deployed.replace("services:\n", "services:\n" + entry(99).replace("app99", "newapp")))
    blind = run_cli("pin", "--spec", spec)
    assert blind.code == 0 and "  - name: app14\n    ingress: 2\n" in blind.out
    based = run_cli("pin", "--spec", spec, "--base-ref", "HEAD")
    assert based.code == 0, based.err
    assert "  - name: newapp\n    ingress: 2\n" in based.out and "  - name: app14\n    namespace" in based.out
    assert run_cli("check", "--spec", write_spec(tmp_path, based.out, "pinned.yaml")).code == 0
    bad = run_cli("pin", "--spec", spec, "--base-ref=--output=/tmp/x")
    assert bad.code == 1 and bad.err.startswith("iapgen pin: cannot read") and len(bad.err.splitlines()) == 1


def test_what_one_base_line_cannot_pin_is_refused_at_the_users_line(tmp_path: Path) -> None:
    cases = {  # what replaces app15's name line -> what the refusal says
        "  - name: \"app15\"\n    ingress: null\n": "already has ingress: null",
        "  - name: \"app\\\n      15\"\n": "its name: is not a one-line key",  # "app\<newline>15" is app15
        "  - name: app15\n    overrides: {dev: {ingress: null}}\n": "its override for dev sets ingress: null",
    }
    for replacement, said in cases.items():
        text = HEAD + "".join(entry(i) for i in range(16)).replace("  - name: app15\n", replacement)
        spec = write_spec(tmp_path, text)
        result = run_cli("pin", "--spec", spec)
        line = text.count("\n", 0, text.index(replacement)) + 1
        assert result.code == 1 and result.out == "", (replacement, result)
        assert result.err.startswith(f"{spec}:{line}: services[app15]: {said}"), (replacement, result.err)


def test_environments_without_an_ingress_do_not_count(tmp_path: Path) -> None:
    spec = base_spec()
    spec["environments"]["prod"].update(loadBalancer="standalone", zones=["europe-west1-b"], network="vpc",
                                        nodes={"tags": ["gke-apps-node"]})
    spec["services"] = [service(f"app{i}", namespace="web") for i in range(16)]
    result = run_cli("pin", "--spec", write_spec(tmp_path, spec))
    assert result.code == 0, result.err
    assert yaml.safe_load(result.out)["services"][15]["ingress"] == 2


def test_the_hint_counts_services_not_findings(tmp_path: Path) -> None:
    spec = base_spec()  # dev and prod: each reports app15
    spec["services"] = [service(f"app{i}", namespace="web") for i in range(16)]
    result = run_cli("check", "--spec", write_spec(tmp_path, spec))
    assert result.err.count("[INGRESS_PIN_REQUIRED]") == 2
    assert result.err.splitlines()[-1].startswith("iapgen: 2 problems found; iapgen pin prints the spec with the 1 "
                                                  "missing `ingress:` line added")


def test_duplicate_service_names_are_refused_not_pinned_by_name(tmp_path: Path) -> None:
    text = HEAD + "".join(entry(i) for i in range(15)) + entry(0)
    result = run_cli("pin", "--spec", write_spec(tmp_path, text))
    assert result.code == 1 and result.out == "" and "[SERVICE_DUPLICATE]" in result.err


def test_a_bom_is_kept_and_a_terminal_that_is_not_utf8_gets_utf8(tmp_path: Path) -> None:
    text = "\ufeff" + HEAD + "# équipe web\n" + "".join(entry(i) for i in range(16))
    spec = tmp_path / "services.yaml"
    spec.write_bytes(text.encode())
    proc = subprocess.run([sys.executable, "-m", "iapgen.cli", "pin", "--spec", str(spec)], capture_output=True,
                          env={**os.environ, "PYTHONIOENCODING": "ascii"}, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b"\xef\xbb\xbfenvironments:") and "# équipe web".encode() in proc.stdout
    assert proc.stdout.decode().count("ingress: 2") == 1


def test_a_reader_that_leaves_early_gets_no_traceback() -> None:
    """`iapgen pin | head` (or schema, rules): the closed pipe ends the command quietly with 128 + SIGPIPE."""
    proc = subprocess.Popen([sys.executable, "-m", "iapgen.cli", "schema"], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the command writes anything
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 141 and b"Traceback" not in err and err == b""


def test_an_empty_base_ref_is_refused_not_ignored(tmp_path: Path) -> None:
    result = run_cli("pin", "--spec", write_spec(tmp_path, HEAD + entry(0)), "--base-ref", "")
    assert result.code == 1 and result.out == "" and "--base-ref is empty" in result.err


def test_the_base_keeps_a_service_on_ingress_1_of_its_own_namespace_only(tmp_path: Path) -> None:
    """app14 ran on Ingress 1 of namespace other; now in web, where 15 others run: it is the one pinned."""
    deployed = HEAD + "".join(entry(i) for i in range(14)) + entry(14, namespace="other") + entry(15)
    spec = write_spec(tmp_path, deployed)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "services.yaml")
    git(tmp_path, "commit", "-qm", "deployed")
    spec.write_text(deployed.replace("    namespace: other\n", "    namespace: web\n"))
    based = run_cli("pin", "--spec", spec, "--base-ref", "HEAD")
    assert based.code == 0, based.err
    assert based.out.count("ingress: 2") == 1 and "  - name: app14\n    ingress: 2\n" in based.out


def test_the_base_is_read_as_utf8_whatever_the_locale(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, HEAD + "# équipe Ágil\n" + "".join(entry(i) for i in range(16)))
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "services.yaml")
    git(tmp_path, "commit", "-qm", "deployed")
    proc = subprocess.run([sys.executable, "-m", "iapgen.cli", "pin", "--spec", str(spec), "--base-ref", "HEAD"],
                          capture_output=True, cwd=REPO,
                          env={**os.environ, "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"})
    assert proc.returncode == 0, proc.stderr
    assert "# équipe Ágil".encode() in proc.stdout and proc.stdout.count(b"ingress: 2") == 1
