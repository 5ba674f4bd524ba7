"""Every spec rule: a bad spec exits 1 with its rule id, file:line and no traceback."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import base_spec, line_of, run_cli, service, write_spec

Mutation = Callable[[dict[str, Any]], None]


def svc(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["services"][0]


def hc(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["services"][0]["healthCheck"]


def set_path(*path: str | int, value: Any) -> Mutation:
    def mutate(spec: dict[str, Any]) -> None:
        node: Any = spec
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    return mutate


def many_services_pinned_to_one_ingress(spec: dict[str, Any]) -> None:
    spec["services"] = [service(f"app{i}", namespace="shared", ingress=2) for i in range(16)]


def colliding_static_ip_names(spec: dict[str, Any]) -> None:
    """Namespace team's Ingress 2 and namespace team-2's Ingress 1 would both be iapgen-dev-team-2."""
    spec["services"] = [service(f"app{i}", namespace="team") for i in range(15)] + [
        service("app15", namespace="team", ingress=2), service("other", namespace="team-2")]


def sixteen_unpinned(spec: dict[str, Any]) -> None:
    spec["services"] = [service(f"app{i}", namespace="shared") for i in range(16)]


def standalone(**fields: Any) -> Mutation:
    """dev becomes a standalone environment, with fields replaced (None removes one)."""
    def mutate(spec: dict[str, Any]) -> None:
        dev = spec["environments"]["dev"]
        dev.update(loadBalancer="standalone", zones=["europe-west1-b", "europe-west1-c"], network="gke-vpc",
                   nodes={"tags": ["gke-apps-node"]})
        for key, value in fields.items():
            if value is None:
                dev.pop(key)
            else:
                dev[key] = value
    return mutate


def gateway_mode(**fields: Any) -> Mutation:
    """dev becomes a gateway environment with a custom OAuth client, with fields replaced (None removes one)."""
    def mutate(spec: dict[str, Any]) -> None:
        dev = spec["environments"]["dev"]
        dev.update(loadBalancer="gateway")
        dev["iap"]["oauthClientId"] = "1234-abcd.apps.googleusercontent.com"
        for key, value in fields.items():
            if value is None:
                dev["iap"].pop(key) if key == "oauthClientId" else dev.pop(key)
            else:
                dev[key] = value
    return mutate


def ingress_two_ip_is_a_standalone_address(spec: dict[str, Any]) -> None:
    """dev's namespace web has an Ingress 2 (static IP iapgen-dev-web-2); standalone environment dev-web-2 of
    the same project owns the address iapgen-dev-web-2."""
    spec["environments"]["dev-web-2"] = {
        "project": "acme-dev", "domain": "two.acme.example", "iap": {"members": ["group:eng@acme.example"]},
        "loadBalancer": "standalone", "zones": ["europe-west1-b"], "network": "gke-vpc",
        "nodes": {"tags": ["gke-apps-node"]}}
    spec["services"] = [service(f"app{i}", namespace="web") for i in range(15)] + [
        service("app15", namespace="web", ingress=2)]


def same_pinned_ip_in_two_environments(spec: dict[str, Any]) -> None:
    spec["environments"]["prod"]["project"] = "acme-dev"
    svc(spec)["names"] = {"staticIp": "argocd-ip"}


def fleet_mode(**fields: Any) -> Mutation:
    """dev becomes a multicluster-gateway environment over west and east, with fields replaced."""
    def mutate(spec: dict[str, Any]) -> None:
        gateway_mode()(spec)
        dev = spec["environments"]["dev"]
        dev.update(loadBalancer="multicluster-gateway", configCluster="west",
                   clusters=[{"name": "west", "context": "ctx-west"}, {"name": "east", "context": "ctx-east"}])
        dev.update(fields)
    return mutate


def colliding_environments(spec: dict[str, Any]) -> None:
    standalone()(spec)
    spec["environments"]["dev-b"] = dict(spec["environments"]["dev"])
    spec["services"] = [service("b-c"), service("c")]


# (case id, mutation, rule id, text the message must contain, the text on the reported line;
#  "section>text" looks for text after the first line containing section)
CASES: list[tuple[str, Mutation, str, str, str]] = [
    ("hc-port-is-service-port", set_path("services", 0, "healthCheck", "port", value=443),
     "HC_PORT_NOT_TARGET", "use targetPort 8080", "healthCheck:>port: 443"),
    ("hc-port-other", set_path("services", 0, "healthCheck", "port", value=9090),
     "HC_PORT_NOT_TARGET", "targetPort 8080", "healthCheck:>port: 9090"),
    ("hc-protocol", set_path("services", 0, "healthCheck", "protocol", value="HTTP"),
     "HC_PROTOCOL_MISMATCH", "use HTTPS", "healthCheck:>protocol: HTTP"),
    ("hc-timeout", lambda s: hc(s).update(timeoutSec=20, checkIntervalSec=10),
     "HC_TIMEOUT_GT_INTERVAL", "timeoutSec (20) must be <= checkIntervalSec (10)", "timeoutSec"),
    ("hc-timeout-default-interval", set_path("services", 0, "healthCheck", "timeoutSec", value=16),
     "HC_TIMEOUT_GT_INTERVAL", "checkIntervalSec (15)", "timeoutSec"),
    ("hc-interval-zero", set_path("services", 0, "healthCheck", "checkIntervalSec", value=0),
     "HC_RANGE", "1..300", "checkIntervalSec"),
    ("hc-interval-big", set_path("services", 0, "healthCheck", "checkIntervalSec", value=301),
     "HC_RANGE", "1..300", "checkIntervalSec"),
    ("hc-threshold", set_path("services", 0, "healthCheck", "unhealthyThreshold", value=11),
     "HC_RANGE", "1..10", "unhealthyThreshold"),
    ("hc-path-relative", set_path("services", 0, "healthCheck", "path", value="healthz"),
     "HC_PATH", "must start with '/'", "path: healthz"),
    ("hc-path-space", set_path("services", 0, "healthCheck", "path", value="/health z"),
     "HC_PATH", "percent-encode", "path:"),
    ("name-underscore", set_path("services", 0, "name", value="Argo_CD"),
     "NAME_INVALID", "DNS-1035", "name: Argo_CD"),
    ("name-digit-first", set_path("services", 0, "name", value="1argo"),
     "NAME_INVALID", "DNS-1035", "name: 1argo"),
    ("name-64", set_path("services", 0, "name", value="a" * 64),
     "NAME_INVALID", "at most 63", "name: aaaa"),
    ("static-ip-name-too-long", set_path("services", 0, "namespace", value="n" * 60),
     "NAME_TOO_LONG", "shorten the namespace", "namespace: nnnn"),
    ("namespace-invalid", set_path("services", 0, "namespace", value="Argo CD"),
     "NAMESPACE_INVALID", "namespace name", "namespace:"),
    ("selector-value", set_path("services", 0, "selector", value={"app": "-bad"}),
     "SELECTOR_INVALID", "label value", "selector:"),
    ("member-no-prefix", set_path("services", 0, "iap", value={"members": ["alice@acme.example"]}),
     "IAP_MEMBER_PREFIX", "user:alice@acme.example", "services:>alice@acme.example"),
    ("member-not-email", set_path("services", 0, "iap", value={"members": ["user:alice"]}),
     "IAP_MEMBER_PREFIX", "e-mail address", "services:>user:alice"),
    ("member-all-users", set_path("services", 0, "iap", value={"members": ["allUsers"]}),
     "IAP_PUBLIC_MEMBER", "anyone", "services:>allUsers"),
    ("member-all-authenticated", set_path("environments", "dev", "iap", "members",
                                          value=["allAuthenticatedUsers"]),
     "IAP_PUBLIC_MEMBER", "anyone", "allAuthenticatedUsers"),
    ("iap-off-no-reason", set_path("services", 0, "iap", value={"enabled": False}),
     "IAP_DISABLED_NO_REASON", "iap.reason", "services:>iap:"),
    ("iap-nobody", lambda s: s["environments"]["dev"].pop("iap"),
     "IAP_NO_MEMBERS", "every request gets 403", "- name: argocd"),
    ("override-unknown-env", set_path("services", 0, "overrides", value={"staging": {"port": 8443}}),
     "OVERRIDE_UNKNOWN_ENV", "defined: dev, prod", "staging:"),
    ("override-name", set_path("services", 0, "overrides", value={"prod": {"name": "argo"}}),
     "SPEC_SHAPE", "cannot be overridden", "overrides:>name: argo"),
    ("duplicate-service", lambda s: s["services"].append(service("argocd", namespace="other")),
     "SERVICE_DUPLICATE", "already used", "healthCheck:>- name: argocd"),
    ("duplicate-host", lambda s: s["services"].append(service("argo2", host="argocd.dev.acme.example")),
     "HOST_DUPLICATE", "already served by argocd", "host:"),
    ("host-wildcard", set_path("services", 0, "host", value="*.acme.example"),
     "HOST_INVALID", "wildcard", "host:"),
    ("host-upper", set_path("services", 0, "host", value="Argo.Acme.Example"),
     "HOST_INVALID", "DNS name", "host:"),
    ("host-over-managed-cert-limit", set_path("services", 0, "host", value="argocd." + "a" * 50 + ".example"),
     "HOST_INVALID", "ManagedCertificate (GKE Ingress) takes domains of at most 63", "host:"),
    ("protocol-lower", set_path("services", 0, "protocol", value="https"),
     "PROTOCOL_INVALID", "write HTTPS", "protocol: https"),
    ("protocol-grpc", set_path("services", 0, "protocol", value="GRPC"),
     "PROTOCOL_INVALID", "HTTP2 over TLS", "protocol: GRPC"),
    ("port-zero", set_path("services", 0, "port", value=0), "PORT_RANGE", "1 to 65535", "port: 0"),
    ("target-port-big", set_path("services", 0, "targetPort", value=70000),
     "PORT_RANGE", "1 to 65535", "targetPort: 70000"),
    ("project-id", set_path("environments", "dev", "project", value="Acme Dev"),
     "PROJECT_ID_INVALID", "not a GCP project id", "project: Acme Dev"),
    ("oauth-client-id", set_path("environments", "dev", "iap", "oauthClientId", value="my-iap-client"),
     "OAUTH_CLIENT_ID_INVALID", "apps.googleusercontent.com", "oauthClientId:"),
    ("env-name", lambda s: s["environments"].update({"Staging_1": s["environments"]["dev"]}),
     "ENV_NAME_INVALID", "DNS-1035", "Staging_1:"),
    ("cert-limit", many_services_pinned_to_one_ingress, "INGRESS_CERT_LIMIT", "at most 15",
     "- name: app15>ingress: 2"),
    ("pin-required", sixteen_unpinned, "INGRESS_PIN_REQUIRED", "add `ingress: 2` to app15 (iapgen-2 has room)",
     "- name: app15"),
    ("static-ip-collision", colliding_static_ip_names, "NAME_COLLISION", "'iapgen-dev-team-2'",
     "- name: other>namespace: team-2"),
    ("lb-mode", standalone(loadBalancer="Standalone"), "LB_MODE_INVALID", "write standalone",
     "loadBalancer: Standalone"),
    ("zone-is-region", standalone(zones=["europe-west1", "europe-west1-b"]), "ZONE_INVALID", "that is a region",
     "zones:>- europe-west1"),
    ("zone-twice", standalone(zones=["europe-west1-b", "europe-west1-c", "europe-west1-b"]), "ZONE_INVALID",
     "listed twice", "- europe-west1-c>- europe-west1-b"),
    ("network-url", standalone(network="projects/acme-dev/global/networks/gke-vpc"), "NETWORK_INVALID",
     "not its URL", "network:"),
    ("standalone-no-zones", standalone(zones=None), "STANDALONE_FIELD_MISSING", "needs zones",
     "loadBalancer: standalone"),
    ("standalone-no-network", standalone(network=None), "STANDALONE_FIELD_MISSING", "needs network",
     "loadBalancer: standalone"),
    ("standalone-no-nodes", standalone(nodes=None), "STANDALONE_FIELD_MISSING", "needs nodes",
     "loadBalancer: standalone"),
    ("standalone-nodes-both", standalone(nodes={"tags": ["gke-apps-node"],
                                                "serviceAccount": "nodes@acme-dev.iam.gserviceaccount.com"}),
     "STANDALONE_FIELD_MISSING", "set exactly one", "nodes:"),
    ("zones-in-ingress-mode", standalone(loadBalancer=None), "LB_FIELD_OTHER_MODE", "only with loadBalancer",
     "zones:"),
    ("neg-name-too-long", lambda s: (standalone()(s), svc(s).update(name="a" * 60)),
     "NAME_TOO_LONG", "NEG, backend service and health check name", "name: aaaa"),
    ("gateway-no-client", gateway_mode(oauthClientId=None), "GATEWAY_IAP_CLIENT", "requires clientID",
     "loadBalancer: gateway"),
    ("gateway-hc-path", lambda s: (gateway_mode()(s), hc(s).update(path="/health#z")), "HC_PATH_GATEWAY",
     "percent-encode", "path: /health#z"),
    ("gateway-field-in-ingress-mode", set_path("environments", "dev", "gateway", value={"namespace": "gw"}),
     "LB_FIELD_OTHER_MODE", "only with loadBalancer: gateway", "gateway:"),
    ("fleet-context-twice", fleet_mode(clusters=[{"name": "west", "context": "a"}, {"name": "east", "context": "a"}]),
     "MC_CLUSTER_DUPLICATE", "already used by clusters[0]", "name: east>context: a"),
    ("fleet-config-unknown", fleet_mode(configCluster="north"), "MC_CONFIG_CLUSTER", "not one of the environment's",
     "configCluster: north"),
    ("fleet-service-cluster-unknown",
     lambda s: (fleet_mode()(s), svc(s).update(overrides={"dev": {"clusters": ["north"]}})),
     "MC_SERVICE_CLUSTER", "not in the environment's clusters", "overrides:>clusters:"),
    ("clusters-in-ingress-mode", lambda s: svc(s).update(clusters=["west"]), "SERVICE_FIELD_OTHER_MODE",
     "read only with loadBalancer: multicluster-gateway", "clusters:"),
    ("gce-name-collision", colliding_environments, "GCE_NAME_COLLISION", "'iapgen-dev-b-c'", "dev-b:"),
    ("unknown-field", lambda s: svc(s).update(helthCheck={"path": "/"}),
     "SPEC_SHAPE", "did you mean 'healthCheck'?", "helthCheck:"),
    ("missing-health-check", lambda s: svc(s).pop("healthCheck"),
     "SPEC_SHAPE", "healthCheck: is required", "- name: argocd"),
    ("pinned-backend-config", set_path("services", 0, "names", value={"backendConfig": "Argo_Config"}),
     "PINNED_NAME_INVALID", "Kubernetes object name", "names:>backendConfig: Argo_Config"),
    ("pinned-static-ip", set_path("services", 0, "names", value={"staticIp": "argocd.ip"}),
     "PINNED_NAME_INVALID", "GCE resource name", "names:>staticIp: argocd.ip"),
    ("pinned-ingress-conflict", lambda s: s["services"].extend([
        service("dex", namespace="argocd", names={"ingress": "dex-ingress"})]),
     "PINNED_NAME_CONFLICT", "same names.ingress", "- name: dex>ingress: dex-ingress"),
    ("pinned-certificate-taken", lambda s: s["services"].append(service("dex", names={"certificate": "argocd"})),
     "PINNED_NAME_CONFLICT", "already the certificate of argocd", "- name: dex>certificate: argocd"),
    ("pinned-ingress-on-two-ingresses", lambda s: s.update(services=[
        service(f"app{i}", namespace="shared", names={"ingress": "live"}, **({"ingress": 2} if i == 15 else {}))
        for i in range(16)]),
     "PINNED_NAME_CONFLICT", "like Ingress 1", "- name: app15>ingress: live"),
    ("host-in-two-environments", set_path("services", 0, "host", value="argocd.acme.example"),
     "HOST_MULTI_ENV", "also served by argocd in dev", "host: argocd.acme.example"),
    ("zones-of-two-regions", standalone(zones=["europe-west1-b", "us-central1-a"]), "ZONES_REGIONS",
     "2 regions (europe-west1, us-central1)", "zones:"),
    ("ingress-2-ip-is-another-environments-address", ingress_two_ip_is_a_standalone_address, "GCE_NAME_COLLISION",
     "'iapgen-dev-web-2'", "dev-web-2:"),
    ("pinned-ip-in-two-environments", same_pinned_ip_in_two_environments, "GCE_NAME_COLLISION", "'argocd-ip'",
     "prod:"),
    ("gateway-system-namespace", gateway_mode(gateway={"namespace": "kube-system"}), "GATEWAY_NAMESPACE_SYSTEM",
     "system namespace", "namespace: kube-system"),
    ("gateway-reserved-name", lambda s: (gateway_mode()(s), svc(s).update(name="iapgen-https-redirect",
                                                                           namespace="iapgen-gateway")),
     "GATEWAY_NAME_RESERVED", "redirect route", "name: iapgen-https-redirect"),
    ("quoted-port", set_path("services", 0, "port", value="443"),
     "SPEC_SHAPE", "remove the quotes", "port: '443'"),
]


@pytest.mark.parametrize(("mutate", "rule", "text", "needle"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_spec_is_refused_with_rule_and_line(tmp_path: Path, mutate: Mutation, rule: str, text: str,
                                                needle: str) -> None:
    spec = base_spec()
    mutate(spec)
    path = write_spec(tmp_path, spec)
    result = run_cli("check", "--spec", path)
    assert result.code == 1, result
    lines = [line for line in result.err.splitlines() if line.endswith(f"[{rule}]")]
    assert lines, result.err
    assert any(text in line for line in lines), result.err
    section, _, key = needle.rpartition(">")
    expected = f"{path}:{line_of(path, key, start=line_of(path, section) if section else 1)}:"
    assert any(line.startswith(expected) for line in lines), (expected, result.err)
    for line in result.err.splitlines()[:-1]:
        assert re.match(rf"^{re.escape(str(path))}:\d+: .* \[[A-Z0-9_]+\]$", line), line


def test_every_spec_rule_has_a_line_number_case() -> None:
    """Each rule that services.yaml can break is shown here with the line it reports (every rule,
    lint rules included, also has a bad and a good example run by test_rule_docs.py)."""
    from iapgen.lint.examples import EXAMPLES

    spec_rules = {rule for rule, examples in EXAMPLES.items() if any(e.kind in ("service", "spec") for e in examples)}
    covered = {case[2] for case in CASES}
    assert spec_rules - covered == set()


def test_issue_example_hc_port_is_service_port(tmp_path: Path) -> None:
    """The foundation issue's acceptance case, with the exact line and the port to use."""
    path = write_spec(tmp_path, """\
environments:
  dev: {project: acme-dev, domain: dev.acme.example, iap: {members: [group:eng@acme.example]}}
services:
  - name: argocd
    namespace: argocd
    selector: {app.kubernetes.io/name: argocd-server}
    port: 443
    targetPort: 8080
    protocol: HTTPS
    healthCheck:
      path: /healthz
      port: 443
""")
    result = run_cli("render", "--env", "dev", "--spec", path, "--out", tmp_path / "out")
    assert result.code == 1
    assert result.err.splitlines()[0] == (
        f"{path}:12: services[argocd].healthCheck.port: 443 is the Service port; with NEGs the probe "
        "reaches the Pod IP, so use targetPort 8080 or omit it [HC_PORT_NOT_TARGET]")
    assert not (tmp_path / "out").exists()


def test_override_error_points_at_the_override(tmp_path: Path) -> None:
    spec = base_spec()
    spec["services"][0]["overrides"] = {"prod": {"healthCheck": {"port": 443}}}
    path = write_spec(tmp_path, spec)
    result = run_cli("check", "--spec", path)
    assert result.code == 1
    line = line_of(path, "port: 443", start=line_of(path, "overrides:"))
    assert result.err.startswith(f"{path}:{line}: services[argocd].overrides.prod.healthCheck.port: "), result.err


def test_override_type_error_points_at_the_override(tmp_path: Path) -> None:
    spec = base_spec()
    spec["services"][0]["overrides"] = {"prod": {"targetPort": "eighty"}}
    path = write_spec(tmp_path, spec)
    result = run_cli("check", "--spec", path)
    assert result.code == 1
    assert f"{path}:{line_of(path, 'targetPort: eighty')}: services[argocd].overrides.prod.targetPort:" in result.err


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    spec = base_spec()
    spec["services"][0]["protocol"] = "https"
    spec["services"][0]["port"] = 0
    spec["environments"]["dev"]["project"] = "X"
    result = run_cli("check", "--spec", write_spec(tmp_path, spec))
    assert {"[PROTOCOL_INVALID]", "[PORT_RANGE]", "[PROJECT_ID_INVALID]"} <= set(re.findall(r"\[[A-Z_]+\]", result.err))
    assert result.err.rstrip().endswith("3 problems found")


def test_valid_spec_passes_check(tmp_path: Path) -> None:
    result = run_cli("check", "--spec", write_spec(tmp_path, base_spec()))
    assert result.code == 0, result
    assert "dev: 1 services" in result.out


def test_huge_value_is_shortened_in_the_message(tmp_path: Path) -> None:
    spec = base_spec()
    spec["services"][0]["name"] = "x" * 100_000
    result = run_cli("check", "--spec", write_spec(tmp_path, spec))
    assert result.code == 1
    assert "[NAME_INVALID]" in result.err
    assert max(len(line) for line in result.err.splitlines()) < 400


@pytest.mark.parametrize(("path", "value", "rule"), [
    (("services", 0, "name"), "argocd\n", "NAME_INVALID"),
    (("services", 0, "host"), "argocd.acme.example\n", "HOST_INVALID"),
    (("environments", "dev", "project"), "acme-dev\n", "PROJECT_ID_INVALID"),
    (("services", 0, "iap"), {"members": ["user:alice@acme.example\n"]}, "IAP_MEMBER_PREFIX"),
])
def test_a_trailing_newline_is_not_a_valid_name(tmp_path: Path, path: tuple[Any, ...], value: Any,
                                                 rule: str) -> None:
    """Python's `$` matches before a final newline; every check must match the whole value."""
    spec = base_spec()
    set_path(*path, value=value)(spec)
    result = run_cli("check", "--spec", write_spec(tmp_path, spec))
    assert result.code == 1 and f"[{rule}]" in result.err, result.err
