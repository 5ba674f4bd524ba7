"""Bad and good examples of the multi-cluster Gateway rules (spec and lint), merged into EXAMPLES by
iapgen/lint/examples.py."""

from __future__ import annotations

from iapgen.examplekit import GATEWAY_SERVICE, svc
from iapgen.spec.rulebook import Example

MC_ENV = """\
environments:
  dev:
    project: acme-dev
    domain: dev.acme.example
    loadBalancer: multicluster-gateway
    clusters:
      - {name: west, context: gke_acme-dev_europe-west1_west}
      - {name: east, context: gke_acme-dev_us-east1_east}
    configCluster: west
    iap: {members: [group:eng@acme.example], oauthClientId: 1234-abcd.apps.googleusercontent.com}
"""

INGRESS_ENV = """\
environments:
  dev:
    project: acme-dev
    domain: dev.acme.example
    iap: {members: [group:eng@acme.example]}
"""


def services(extra: str = "") -> str:
    entry = svc("  healthCheck: {path: /healthz}\n" + extra)
    return "services:\n" + "".join("  " + line + "\n" for line in entry.splitlines())


MC_GATEWAY = """\
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: iapgen, namespace: iapgen-gateway, annotations: {networking.gke.io/certmap: iapgen-dev}}
spec:
  gatewayClassName: gke-l7-global-external-managed-mc
  listeners:
  - {name: https, protocol: HTTPS, port: 443, allowedRoutes: {namespaces: {from: All}}}
"""


def export(namespace: str = "web") -> str:
    return f"""\
apiVersion: net.gke.io/v1
kind: ServiceExport
metadata: {{name: web, namespace: {namespace}}}
"""


def route(namespace: str = "web") -> str:
    return f"""\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: web, namespace: {namespace}}}
spec:
  parentRefs: [{{name: iapgen, namespace: iapgen-gateway, sectionName: https}}]
  hostnames: [web.acme.example]
  rules:
  - backendRefs: [{{group: net.gke.io, kind: ServiceImport, name: web, port: 443}}]
"""


def policy(target: str, namespace: str = "web", target_namespace: str = "") -> str:
    where = f", namespace: {target_namespace}" if target_namespace else ""
    return f"""\
apiVersion: networking.gke.io/v1
kind: HealthCheckPolicy
metadata: {{name: web, namespace: {namespace}}}
spec:
  default:
    logConfig: {{enabled: true}}
    config: {{type: HTTPS, httpsHealthCheck: {{portSpecification: USE_FIXED_PORT, port: 8080, requestPath: /healthz}}}}
  targetRef: {{{target}{where}, name: web}}
"""


SERVICE_TARGET = 'group: "", kind: Service'
IMPORT_TARGET = "group: net.gke.io, kind: ServiceImport"
FLEET = MC_GATEWAY + "---\n" + GATEWAY_SERVICE + "---\n" + export() + "---\n" + route() + "---\n"

EXAMPLES: dict[str, list[Example]] = {
    "SERVICE_FIELD_OTHER_MODE": [Example(
        "spec", INGRESS_ENV + services("  clusters: [west]\n"), INGRESS_ENV + services())],
    "MC_CLUSTER_DUPLICATE": [Example(
        "spec", MC_ENV.replace("{name: east, context: gke_acme-dev_us-east1_east}",
                               "{name: west, context: gke_acme-dev_us-east1_east}").replace(
            "configCluster: west", "configCluster: west") + services(),
        MC_ENV + services())],
    "MC_CONFIG_CLUSTER": [Example(
        "spec", MC_ENV.replace("configCluster: west", "configCluster: europe") + services(), MC_ENV + services())],
    "MC_SERVICE_CLUSTER": [Example(
        "spec", MC_ENV + services("  clusters: [west, north]\n"), MC_ENV + services("  clusters: [west]\n"))],
    "MC_POLICY_TARGETS_SERVICE": [Example(
        "manifest", FLEET + policy(SERVICE_TARGET), FLEET + policy(IMPORT_TARGET))],
    "MC_ROUTE_NO_EXPORT": [Example(
        "manifest", MC_GATEWAY + "---\n" + GATEWAY_SERVICE + "---\n" + export("apps") + "---\n" + route(),
        FLEET.rstrip("-\n") + "\n")],
    "MC_POLICY_NAMESPACE": [Example(
        "manifest", FLEET + policy(IMPORT_TARGET, "web", "apps"), FLEET + policy(IMPORT_TARGET))],
}

