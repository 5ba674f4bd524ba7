"""Ingress mode past 15 hosts a namespace: Ingress 2, 3, ... each with 15 single-host certificates.

iapgen places a service by itself only on Ingress 1; past its 15 hosts a service pins its Ingress
(`ingress: N`), and an unpinned one is refused with the number to pin. So adding, removing or inserting
a service never renames, replaces or re-provisions another service's certificate, Ingress or IP: the
layout cases prove it on every position of small namespaces, and the 16th, 101st and 1,501st service,
and removals from the middle, render before and after and diff plan.json. Sizes, measured on the
project's 2-core machine shared with other jobs: one render of 100 services takes 6-12 s, the
301-service spec 16-19 s, 1,500 services about 170 s (two renders: 341 s). So the 16th and 101st are
full renders, the 1,501st is a layout test here plus a full render marked slow (`pytest -m slow`).
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from iapgen.errors import SpecError
from iapgen.operations.diff import report
from iapgen.render.command import render, write
from iapgen.spec import naming
from iapgen.spec.layout import HOSTS_PER_INGRESS, place
from iapgen.spec.validate import load_spec
from tests.conftest import REPO, base_spec, run_cli, service, validate_manifests, write_spec


def crowded_spec(per_namespace: dict[str, int], pinned: bool = True) -> dict[str, Any]:
    """One dev environment; `count` HTTP services in each namespace, in order; those past a namespace's
    first 15 pinned to Ingress 2, 3, ... as iapgen asks (unless pinned=False)."""
    spec = base_spec()
    del spec["environments"]["prod"]
    spec["services"] = [
        service(f"{namespace}-app{i}", namespace=namespace, port=80, targetPort=8080, protocol="HTTP",
                **({"ingress": i // HOSTS_PER_INGRESS + 1} if pinned and i >= HOSTS_PER_INGRESS else {}))
        for namespace, count in per_namespace.items() for i in range(count)]
    return spec


def added(spec: dict[str, Any], namespace: str, name: str, at: int | None = None, **fields: Any) -> dict[str, Any]:
    head = copy.deepcopy(spec)
    entry = service(name, namespace=namespace, port=80, targetPort=8080, protocol="HTTP", **fields)
    head["services"].insert(len(head["services"]) if at is None else at, entry)
    return head


def removed(spec: dict[str, Any], name: str) -> dict[str, Any]:
    head = copy.deepcopy(spec)
    head["services"] = [s for s in head["services"] if s["name"] != name]
    return head


Plan = dict[tuple[str, str], dict[str, Any]]


def plan_of(folder: Path, spec: dict[str, Any]) -> Plan:
    folder.mkdir(parents=True, exist_ok=True)
    entries = json.loads(render(str(write_spec(folder, spec)), "dev").files["plan.json"])
    keyed = {(e["type"], e["name"]): e for e in entries}
    assert len(keyed) == len(entries), "logical names must be unique"
    return keyed


def plan_diff(tmp_path: Path, base: dict[str, Any], head: dict[str, Any]) -> tuple[set[str], set[str], set[str], Plan]:
    """(names added, names changed, names removed) between the plans of two specs, and the head's plan."""
    before, after = plan_of(tmp_path / "base", base), plan_of(tmp_path / "head", head)
    changed = {k[1] for k in set(before) & set(after) if before[k] != after[k]}
    return {k[1] for k in set(after) - set(before)}, changed, {k[1] for k in set(before) - set(after)}, after


def own_objects(name: str, namespace: str) -> set[str]:
    """The logical names a service owns, whatever Ingress serves it."""
    return {name, f"{name}-backendconfig", f"{name}-service", f"{name}/lb", f"{name}/lb-hc-logging",
            f"{namespace}/frontend-{name}-certificate"} | {f"{name}/lb-iap-{i}" for i in range(3)}


def assert_only_own(found: set[str], name: str, namespace: str) -> None:
    """Everything added or removed belongs to that service (IAM members are named after principals)."""
    strays = {n for n in found - own_objects(name, namespace) if not n.startswith(f"{name}/")}
    assert strays == set()


def layout(services: list[tuple[str, int | None]], capacity: int = HOSTS_PER_INGRESS) -> dict[str, int] | None:
    """{service: Ingress number}, or None when iapgen refuses the namespace."""
    placement = place(services, capacity)
    return None if placement.to_pin or placement.overfull else placement.numbers


# --- the layout ---------------------------------------------------------------------------------------


def test_unpinned_services_past_ingress_1_are_told_the_number_to_pin() -> None:
    placement = place([(f"s{i}", None) for i in range(46)])
    assert placement.overfull == []
    assert [placement.numbers[f"s{i}"] for i in (0, 14, 15, 29, 30, 44, 45)] == [1, 1, 2, 2, 3, 3, 4]
    assert placement.to_pin == [(f"s{i}", i // 15 + 1) for i in range(15, 46)]


def test_the_numbers_to_pin_skip_ingresses_that_pins_already_fill() -> None:
    services: list[tuple[str, int | None]] = [(f"p{i}", 2) for i in range(15)] + [(f"s{i}", None) for i in range(17)]
    assert place(services).to_pin == [("s15", 3), ("s16", 3)]
    services = [(f"p{i}", 1) for i in range(3)] + [(f"s{i}", None) for i in range(13)]
    assert place(services).to_pin == [("s12", 2)]  # three pinned to Ingress 1 leave room for 12


def test_pinning_as_told_places_every_service_where_it_was() -> None:
    told = place([(f"s{i}", None) for i in range(46)])
    pins = dict(told.to_pin)
    assert layout([(f"s{i}", pins.get(f"s{i}")) for i in range(46)]) == told.numbers


@pytest.mark.parametrize("count", [15, 100, 1500, 3000])
def test_appending_a_pinned_service_never_moves_another(count: int) -> None:
    services: list[tuple[str, int | None]] = [(f"s{i}", i // 15 + 1 if i >= 15 else None) for i in range(count)]
    before = layout(services)
    after = layout([*services, ("late", count // 15 + 1)])
    assert before is not None and after is not None
    assert {k: after[k] for k in before} == before and after["late"] == count // 15 + 1
    assert max(sum(1 for n in after.values() if n == k) for k in set(after.values())) <= HOSTS_PER_INGRESS
    assert layout([*services, ("late", None)]) is (before if count < 15 else None)


def test_no_removal_or_insertion_moves_another_service() -> None:
    """Every namespace iapgen accepts of up to 7 services on Ingresses of 3: removing any one, or inserting
    one anywhere, is either refused or leaves every other service on its Ingress."""
    capacity, checked = 3, 0
    for count in range(1, 8):
        for pins in itertools.product((None, 1, 2, 3), repeat=count):
            services = [(f"s{i}", pin) for i, pin in enumerate(pins)]
            before = layout(services, capacity)
            if before is None:
                continue
            for i in range(count):
                after = layout(services[:i] + services[i + 1:], capacity)
                assert after is not None and all(after[k] == before[k] for k in after)
                for pin in (None, 1, 2, 4):
                    grown = layout([*services[:i], ("new", pin), *services[i:]], capacity)
                    assert grown is None or all(grown[k] == before[k] for k in before)
                    checked += 1
    assert checked > 10_000


def test_more_than_15_pinned_to_one_ingress_is_overfull() -> None:
    overfull = place([(f"s{i}", 3) for i in range(17)]).overfull
    assert [(o.number, len(o.pinned)) for o in overfull] == [(3, 17)]


# --- validation ---------------------------------------------------------------------------------------


def test_a_namespace_of_301_services_is_accepted_once_pinned(tmp_path: Path) -> None:
    loaded = load_spec(write_spec(tmp_path, crowded_spec({"big": 301})))
    numbers = [e.ingress_number for e in loaded.exposures["dev"]]
    assert numbers[:15] == [1] * 15 and numbers[-1] == 21


def test_the_seven_namespaces_of_43_unpinned_are_told_every_pin(tmp_path: Path) -> None:
    """What a new user sees first: one error per service past 15, each with the pin to add, and
    adding exactly those pins (a line each) makes the spec valid."""
    spec = crowded_spec({f"team{n}": 43 for n in range(7)}, pinned=False)
    path = write_spec(tmp_path, spec)
    result = run_cli("check", "--spec", path)
    assert result.code == 1
    told = re.findall(r"add `ingress: (\d+)` to (\S+) \(", result.err)
    assert len(told) == 7 * 28 and result.err.count("[INGRESS_PIN_REQUIRED]") == 7 * 28
    assert "Traceback" not in result.err and "iapgen pin prints the spec with the 196 missing" in result.err
    pins = {name: int(number) for number, name in told}
    for entry in spec["services"]:
        if entry["name"] in pins:
            entry["ingress"] = pins[entry["name"]]
    assert spec == crowded_spec({f"team{n}": 43 for n in range(7)})
    assert run_cli("check", "--spec", write_spec(tmp_path, spec)).code == 0


def test_pinning_16_services_to_one_ingress_is_refused_with_the_numbers(tmp_path: Path) -> None:
    spec = crowded_spec({"big": 17})
    for entry in spec["services"][:16]:
        entry["ingress"] = 2
    spec["services"][16]["ingress"] = 3
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(tmp_path, spec))
    (finding,) = caught.value.findings
    assert finding.rule == "INGRESS_CERT_LIMIT"
    assert "16 services of namespace big are pinned to Ingress 2 (iapgen-2)" in finding.message
    assert "at most 15" in finding.message and finding.field.startswith("services[big-app15]")


def test_a_static_ip_name_two_ingresses_would_share_is_refused(tmp_path: Path) -> None:
    spec = crowded_spec({"team": 16, "team-2": 1})
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(tmp_path, spec))
    assert [f.rule for f in caught.value.findings] == ["NAME_COLLISION"]
    assert "'iapgen-dev-team-2'" in caught.value.findings[0].message


def test_the_static_ip_name_of_a_later_ingress_must_fit_63_characters(tmp_path: Path) -> None:
    namespace = "n" * (63 - len("iapgen-dev-"))  # Ingress 1's name is exactly 63 characters

    def spec(count: int) -> dict[str, Any]:
        crowded = crowded_spec({namespace: count})
        for i, entry in enumerate(crowded["services"]):  # hosts a ManagedCertificate can hold (<= 63)
            entry["host"] = f"app{i}.dev.acme.example"
        return crowded

    load_spec(write_spec(tmp_path, spec(15)))
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(tmp_path, spec(16)))
    assert [f.rule for f in caught.value.findings] == ["NAME_TOO_LONG"]
    assert naming.static_ip("dev", namespace, 2) in caught.value.findings[0].message


# --- adding the 16th, 101st and 1,501st service, removing and inserting: plan.json diffed ---------------


def test_adding_the_16th_service_adds_ingress_2_and_changes_nothing_else(tmp_path: Path) -> None:
    base = crowded_spec({"web": 15, "other": 2})
    new, changed, gone, _ = plan_diff(tmp_path, base, added(base, "web", "late", ingress=2))
    assert changed == set() and gone == set()
    assert {"web/frontend-2-address", "web/frontend-2-ingress"} <= new
    assert_only_own(new - {"web/frontend-2-address", "web/frontend-2-ingress"}, "late", "web")


def test_adding_the_16th_service_unpinned_is_refused_not_placed(tmp_path: Path) -> None:
    base = crowded_spec({"web": 15})
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(tmp_path, added(base, "web", "late")))
    assert [(f.rule, f.field) for f in caught.value.findings] == [("INGRESS_PIN_REQUIRED", "services[late].ingress")]
    assert "add `ingress: 2` to late" in caught.value.findings[0].message


def test_adding_the_17th_service_changes_only_ingress_2(tmp_path: Path) -> None:
    base = crowded_spec({"web": 16})
    new, changed, gone, _ = plan_diff(tmp_path, base, added(base, "web", "late", ingress=2))
    assert changed == {"web/frontend-2-ingress"} and gone == set()
    assert_only_own(new, "late", "web")


def test_adding_the_101st_service_changes_only_the_ingress_that_takes_its_host(tmp_path: Path) -> None:
    base = crowded_spec({"web": 100})
    new, changed, gone, plan = plan_diff(tmp_path, base, added(base, "web", "late", ingress=7))
    assert changed == {"web/frontend-7-ingress"} and gone == set()  # 100 = 6 x 15 + 10
    assert_only_own(new, "late", "web")
    ingress = plan[("kubernetes:networking.k8s.io/v1:Ingress", "web/frontend-7-ingress")]
    assert ingress["inputs"]["metadata"]["annotations"]["networking.gke.io/managed-certificates"].split(",") == [
        f"web-app{i}" for i in range(90, 100)] + ["late"]


@pytest.mark.slow
def test_adding_the_1501st_service_adds_ingress_101_and_changes_nothing_else(tmp_path: Path) -> None:
    base = crowded_spec({"web": 1500})
    new, changed, gone, _ = plan_diff(tmp_path, base, added(base, "web", "late", ingress=101))
    assert changed == set() and gone == set()
    assert_only_own(new - {"web/frontend-101-address", "web/frontend-101-ingress"}, "late", "web")


@pytest.mark.parametrize(("name", "ingress"), [("web-app3", "web/frontend-ingress"),
                                              ("web-app20", "web/frontend-2-ingress")])
def test_removing_a_service_from_the_middle_changes_only_its_own_ingress(tmp_path: Path, name: str,
                                                                         ingress: str) -> None:
    base = crowded_spec({"web": 40})
    new, changed, gone, _ = plan_diff(tmp_path, base, removed(base, name))
    assert new == set() and changed == {ingress}
    assert_only_own(gone, name, "web")


def test_inserting_a_service_before_the_others_changes_only_the_ingress_it_pins(tmp_path: Path) -> None:
    base = crowded_spec({"web": 40})
    new, changed, gone, _ = plan_diff(tmp_path, base, added(base, "web", "early", at=0, ingress=3))
    assert changed == {"web/frontend-3-ingress"} and gone == set()
    assert_only_own(new, "early", "web")


def test_the_first_15_render_as_with_one_ingress(tmp_path: Path) -> None:
    """Ingress 1 of a 40-service namespace is the Ingress a 15-service namespace gets."""
    small = plan_of(tmp_path / "small", crowded_spec({"web": 15}))
    large = plan_of(tmp_path / "large", crowded_spec({"web": 40}))
    assert {k: v for k, v in large.items() if k in small and k[1] != "web/frontend"} == {
        k: v for k, v in small.items() if k[1] != "web/frontend"}


# --- the 301-service spec: render, official schemas, diff ---------------------------------------------


@pytest.fixture(scope="module")
def seven_teams(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("seven")
    spec = crowded_spec({f"team{n}": 43 for n in range(7)})
    result = run_cli("render", "--env", "dev", "--spec", write_spec(folder, spec), "--out", folder / "out", "-q")
    assert result.code == 0, result.err
    return folder / "out"


def test_301_services_in_seven_namespaces_render_and_pass_the_official_schemas(seven_teams: Path) -> None:
    checked = validate_manifests(seven_teams / "k8s")
    assert checked["invalid"] == 0, checked["findings"][:5]
    assert checked["documents"] == 301 * 3 + 7 * (1 + 3)  # per service 3 objects; per namespace 3 Ingresses
    ingresses = sorted((seven_teams / "k8s").glob("*/ingress-*.yaml"))
    assert len(ingresses) == 21
    hosts: list[str] = []
    for path in ingresses:
        text = path.read_text()
        certificates = re.search(r"managed-certificates: (\S+)", text)
        assert certificates is not None and len(certificates.group(1).split(",")) <= HOSTS_PER_INGRESS
        hosts += re.findall(r"host: (\S+)", text)
    assert len(hosts) == len(set(hosts)) == 301
    addresses = json.loads((seven_teams / "outputs.json").read_text())["addresses"]
    assert sorted(addresses)[:3] == ["team0", "team0/iapgen-2", "team0/iapgen-3"] and len(addresses) == 21
    linted = run_cli("lint", seven_teams / "k8s")
    assert linted.code == 0 and linted.out.endswith("0 errors, 0 warnings\n")


def test_summary_and_runbooks_name_the_ingress_that_serves_each_host(seven_teams: Path) -> None:
    summary = (seven_teams / "summary.md").read_text()
    assert "| team0 | `team0/iapgen-2` | `iapgen-dev-team0-2` | <computed> | team0-app15.dev.acme.example," in summary
    assert "at its Ingress's address" in summary
    first, later = (seven_teams / "runbooks" / f"team0-app{i}.md" for i in (14, 15))
    assert "kubectl describe ingress iapgen -n team0" in first.read_text()
    assert "kubectl describe ingress iapgen-2 -n team0" in later.read_text()
    assert "IP iapgen-dev-team0-2<br/>Ingress team0/iapgen-2" in later.read_text()


def test_diff_of_adding_a_service_to_a_full_namespace(tmp_path: Path) -> None:
    """iapgen diff names only the new service's objects and the Ingress that takes its host."""
    base = crowded_spec({"web": 30, "other": 1})  # web's Ingresses 1 and 2 are full
    head = added(base, "web", "late", ingress=3)
    folders = []
    for name, spec in (("base", base), ("head", head)):
        (tmp_path / name).mkdir()
        write(tmp_path / name / "dev", render(str(write_spec(tmp_path / name, spec)), "dev").files)
        folders.append(tmp_path / name / "dev")
    result = run_cli("diff", *folders)
    assert result.code == 0
    text = result.out
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| service")]
    assert rows == ["| late | added | late.dev.acme.example: HTTP :80 -> Pod :8080, health check /healthz, IAP on "
                    "(1 members), on Ingress web/iapgen-3 |"]
    assert re.findall(r"<summary>(k8s/\S+)</summary>", text) == [
        "k8s/web/backendconfig-late.yaml", "k8s/web/ingress-iapgen-3.yaml", "k8s/web/managedcertificate-late.yaml",
        "k8s/web/service-late.yaml"]


def test_diff_says_when_a_pin_moves_a_service_to_another_ingress(tmp_path: Path) -> None:
    """Only an edited pin moves a service, and the PR diff says what that costs: a new IP."""
    base = crowded_spec({"web": 16})
    head = copy.deepcopy(base)
    head["services"][-1]["ingress"] = 3
    gone = removed(base, "web-app0")
    folders = {}
    for name, spec in (("base", base), ("head", head), ("gone", gone)):
        (tmp_path / name).mkdir()
        write(tmp_path / name / "dev", render(str(write_spec(tmp_path / name, spec)), "dev").files)
        folders[name] = tmp_path / name / "dev"
    moved = report(folders["base"], folders["head"])
    assert "| web-app15 | changed | Ingress (and its static IP) web/iapgen-2 -> web/iapgen-3 |" in moved
    kept = report(folders["base"], folders["gone"])
    assert "web-app15" not in kept.split("<details>")[0] and "| web-app0 | removed |" in kept


def test_the_ingress_docs_explain_the_layout_trade_off() -> None:
    readme = (REPO / "docs" / "modes" / "ingress.md").read_text()
    section = readme[readme.index("## More than 15 hosts in a namespace"):]
    for point in ("15 certificates", "100 domains", "static IP", "forwarding rule", "ingress: N"):
        assert point in section
