"""A bad and a good example for every rule: the source of docs/rules.md, and run by the tests.

kind "service": one services.yaml service entry (wrapped in a dev environment with members);
kind "spec": a whole services.yaml; kind "stack": a spec rendered for `env` with a stack config;
kind "manifest": Kubernetes YAML for `iapgen lint`; kind "file": raw file text for the loaders.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Example:
    kind: str
    bad: str
    good: str
    env: str = "dev"
    stack_config: str = ""  # Pulumi.<env>.yaml for the bad example
    good_stack_config: str = ""  # ... and for the good one


SVC = """\
- name: argocd
  namespace: argocd
  selector: {app: argocd-server}
  port: 443
  targetPort: 8080
  protocol: HTTPS
"""

ENV = """\
environments:
  dev:
    project: acme-dev
    domain: dev.acme.example
    iap: {members: [group:eng@acme.example]}
"""


GATEWAY_ENV = """\
environments:
  dev:
    project: acme-dev
    domain: dev.acme.example
    loadBalancer: gateway
    iap: {members: [group:eng@acme.example], oauthClientId: 1234-abcd.apps.googleusercontent.com}
"""


def svc(extra: str) -> str:
    return SVC + extra


STANDALONE = ENV + """\
    loadBalancer: standalone
    zones: [europe-west1-b, europe-west1-c]
    network: gke-vpc
"""


def standalone(replace: str = "", by: str = "", services: str = "") -> str:
    """A whole spec with a standalone dev environment, one line of it replaced."""
    text = STANDALONE.replace(replace, by) if replace else STANDALONE
    return text + "services:\n" + (services or svc("  healthCheck: {path: /healthz}\n"))


def plan(check: dict[str, Any] | None = None, backend: dict[str, Any] | None = None,
         neg: str = "iapgen-dev-web") -> str:
    """A plan.json of `iapgen render` for one standalone service: its Service, health check and backend
    service, with fields of the health check and backend service replaced (None removes one)."""
    hc: dict[str, Any] = {"name": "iapgen-dev-web", "project": "acme-dev", "logConfig": {"enable": True},
                          "httpsHealthCheck": {"portSpecification": "USE_SERVING_PORT", "requestPath": "/healthz"}}
    bs: dict[str, Any] = {
        "name": "iapgen-dev-web", "project": "acme-dev", "loadBalancingScheme": "EXTERNAL_MANAGED",
        "protocol": "HTTPS", "healthChecks": "projects/acme-dev/global/healthChecks/iapgen-dev-web",
        "backends": [{"group": "projects/acme-dev/zones/europe-west1-b/networkEndpointGroups/iapgen-dev-web",
                      "balancingMode": "RATE", "maxRatePerEndpoint": 1}]}
    svc = {"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": "web", "namespace": "web", "annotations": {
               "cloud.google.com/neg": json.dumps({"exposed_ports": {"443": {"name": neg}}})}},
           "spec": {"type": "ClusterIP", "selector": {"app": "web"},
                    "ports": [{"name": "https", "port": 443, "targetPort": 8080, "protocol": "TCP"}]}}
    for inputs, changes in ((hc, check or {}), (bs, backend or {})):
        for key, value in changes.items():
            if value is None:
                inputs.pop(key, None)
            else:
                inputs[key] = value
    entries = [("kubernetes:core/v1:Service", "web-service", svc),
               ("gcp:compute/healthCheck:HealthCheck", "web-health-check", hc),
               ("gcp:compute/backendService:BackendService", "web-backend-service", bs)]
    return json.dumps([{"type": t, "name": n, "parent": "web", "inputs": i} for t, n, i in entries], indent=1) + "\n"


def two_standalone_envs(second_project: str) -> str:
    second = STANDALONE.removeprefix("environments:\n").replace("  dev:", "  dev-b:").replace(
        "project: acme-dev", f"project: {second_project}")
    services = "".join(svc("  healthCheck: {path: /healthz}\n").replace("name: argocd", f"name: {name}")
                       for name in ("b-c", "c"))
    return STANDALONE + second + "services:\n" + services


NEG_INGRESS = "    cloud.google.com/neg: '{\"ingress\": true}'"
HTTPS_BACKEND = NEG_INGRESS + "\n    cloud.google.com/app-protocols: '{\"https\": \"HTTPS\"}'"


def service_manifest(annotations: str = "", ports: str = "  - {name: https, port: 443, targetPort: 8080}\n",
                     kind: str = "ClusterIP", name: str = "web") -> str:
    annotations = annotations or HTTPS_BACKEND
    return f"""\
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: web
  annotations:
{annotations}
spec:
  type: {kind}
  selector: {{app: web}}
  ports:
{ports}"""


def backend_config(spec: str, name: str = "web", namespace: str = "web") -> str:
    return f"""\
apiVersion: cloud.google.com/v1
kind: BackendConfig
metadata: {{name: {name}, namespace: {namespace}}}
spec:
{spec}"""


USES_BC = "    cloud.google.com/neg: '{\"ingress\": true}'\n    cloud.google.com/backend-config: '{\"default\": \"web\"}'\n" \
          "    cloud.google.com/app-protocols: '{\"https\": \"HTTPS\"}'"


def ingress(backend: str = "service: {name: web, port: {number: 443}}", annotations: str = "",
            extra_spec: str = "") -> str:
    return f"""\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: web
  annotations:
    kubernetes.io/ingress.class: gce
{annotations}spec:
{extra_spec}  defaultBackend:
    {backend}
"""


def deployment(container: str) -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: web}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
{container}"""


GATEWAY_SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: web}
spec:
  selector: {app: web}
  ports:
  - {name: https, port: 443, targetPort: 8080, appProtocol: HTTPS}
"""


def health_check_policy(block: str = "{portSpecification: USE_FIXED_PORT, port: 8080, requestPath: /healthz}",
                        hc_type: str = "HTTPS", target: str = "web", namespace: str = "web", extra: str = "") -> str:
    block_name = {"HTTP": "httpHealthCheck", "HTTPS": "httpsHealthCheck", "HTTP2": "http2HealthCheck"}[hc_type]
    return f"""\
apiVersion: networking.gke.io/v1
kind: HealthCheckPolicy
metadata: {{name: web, namespace: {namespace}}}
spec:
  default:
{extra}    logConfig: {{enabled: true}}
    config:
      type: {hc_type}
      {block_name}: {block}
  targetRef: {{group: "", kind: Service, name: {target}}}
"""


def backend_policy(default: str = "{iap: {enabled: true, clientID: 1234-abcd.apps.googleusercontent.com, "
                   "oauth2ClientSecret: {name: iapgen-oauth}}}", name: str = "web", target: str = "web") -> str:
    return f"""\
apiVersion: networking.gke.io/v1
kind: GCPBackendPolicy
metadata: {{name: {name}, namespace: web}}
spec:
  default: {default}
  targetRef: {{group: "", kind: Service, name: {target}}}
"""


def gateway(allowed: str = "{namespaces: {from: All}}") -> str:
    return f"""\
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: iapgen
  namespace: iapgen-gateway
  annotations: {{networking.gke.io/certmap: iapgen-dev}}
spec:
  gatewayClassName: gke-l7-global-external-managed
  listeners:
  - {{name: https, protocol: HTTPS, port: 443, allowedRoutes: {allowed}}}
"""


def http_route(port: str = "443", parent: str = "{name: iapgen, namespace: iapgen-gateway, sectionName: https}") -> str:
    return f"""\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: web, namespace: web}}
spec:
  parentRefs: [{parent}]
  hostnames: [web.acme.example]
  rules:
  - backendRefs: [{{name: web, port: {port}}}]
"""


EXAMPLES: dict[str, list[Example]] = {
    # --- the file ---------------------------------------------------------------------
    "FILE_UNREADABLE": [],  # a missing or unreadable path has no content to show
    "YAML_SYNTAX": [Example("file", "services:\n\t- name: web\n", "services:\n  - name: web\n")],
    "YAML_DUPLICATE_KEY": [Example("file", "a:\n  port: 80\n  port: 443\n", "a:\n  port: 443\n")],
    "YAML_TOO_LARGE": [Example("file", "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(6)),
        "a: &a [1, 2]\nb: *a\n")],
    "SPEC_SHAPE": [Example("service", svc("  helthCheck: {path: /healthz}\n"),
                           svc("  healthCheck: {path: /healthz}\n"))],
    # --- the spec -----------------------------------------------------------------------
    "ENV_UNKNOWN": [Example("stack", ENV + "services: []\n", ENV + "  prod:\n    project: acme-prod\n"
                            "    domain: acme.example\n    iap: {members: [group:sre@acme.example]}\nservices: []\n",
                            env="prod")],
    "ENV_NAME_INVALID": [Example("spec", ENV.replace("  dev:", "  Dev_1:") + "services: []\n",
                                 ENV + "services: []\n")],
    "OVERRIDE_UNKNOWN_ENV": [Example("service", svc("  healthCheck: {path: /healthz}\n  overrides:\n"
                                                    "    staging: {port: 8443}\n"),
                                     svc("  healthCheck: {path: /healthz}\n  overrides:\n    dev: {port: 8443}\n"))],
    "SERVICE_DUPLICATE": [Example("service", svc("  healthCheck: {path: /healthz}\n")
                                  + svc("  namespace: other\n  healthCheck: {path: /healthz}\n").replace(
                                      "  namespace: argocd\n", "", 1),
                                  svc("  healthCheck: {path: /healthz}\n")
                                  + svc("  healthCheck: {path: /healthz}\n").replace("argocd", "dex"))],
    "HOST_DUPLICATE": [Example("service", svc("  healthCheck: {path: /healthz}\n") + svc(
        "  healthCheck: {path: /healthz}\n  host: argocd.dev.acme.example\n").replace("name: argocd", "name: dex"),
        svc("  healthCheck: {path: /healthz}\n") + svc("  healthCheck: {path: /healthz}\n").replace(
            "name: argocd", "name: dex"))],
    "NAME_TOO_LONG": [Example("service", svc("  healthCheck: {path: /healthz}\n").replace(
        "namespace: argocd", "namespace: argocd-" + "x" * 50),
        svc("  healthCheck: {path: /healthz}\n"))],
    "PROJECT_MISMATCH": [Example("stack", ENV + "services: []\n", ENV + "services: []\n",
                                 stack_config="config:\n  gcp:project: acme-prod\n",
                                 good_stack_config="config:\n  gcp:project: acme-dev\n")],
    "INGRESS_CERT_LIMIT": [Example("service", "".join(svc("  healthCheck: {path: /healthz}\n  ingress: 2\n").replace(
        "name: argocd", f"name: app{i}") for i in range(16)), "".join(svc(
            f"  healthCheck: {{path: /healthz}}\n  ingress: {2 + i // 15}\n").replace(
            "name: argocd", f"name: app{i}") for i in range(16)))],
    "INGRESS_PIN_REQUIRED": [Example("service", "".join(svc("  healthCheck: {path: /healthz}\n").replace(
        "name: argocd", f"name: app{i}") for i in range(16)), "".join(svc(
            "  healthCheck: {path: /healthz}\n" + ("  ingress: 2\n" if i == 15 else "")).replace(
            "name: argocd", f"name: app{i}") for i in range(16)))],
    "NAME_COLLISION": [Example("service", "".join(svc(
        "  healthCheck: {path: /healthz}\n" + ("  ingress: 2\n" if i == 15 else "")).replace(
        "name: argocd", f"name: app{i}").replace("namespace: argocd", "namespace: team") for i in range(16))
        + svc("  healthCheck: {path: /healthz}\n").replace("namespace: argocd", "namespace: team-2"),
        "".join(svc("  healthCheck: {path: /healthz}\n" + ("  ingress: 2\n" if i == 15 else "")).replace(
            "name: argocd", f"name: app{i}").replace("namespace: argocd", "namespace: team") for i in range(16))
        + svc("  healthCheck: {path: /healthz}\n").replace("namespace: argocd", "namespace: team-b"))],
    "GCP_HC_ONE_BLOCK": [Example("manifest", plan({"httpHealthCheck": {"requestPath": "/"}}), plan())],
    "GCP_HC_LOGGING_OFF": [Example("manifest", plan({"logConfig": None}), plan())],
    "GCP_LB_SCHEME_IMPLICIT": [Example("manifest", plan(backend={"loadBalancingScheme": None}), plan())],
    "GCP_NEG_BACKEND_RATE": [Example("manifest", plan(backend={"backends": [{
        "group": "projects/acme-dev/zones/europe-west1-b/networkEndpointGroups/iapgen-dev-web"}]}), plan())],
    "GCP_NEG_NOT_EXPOSED": [Example("manifest", plan(neg="iapgen-dev-website"), plan())],
    "LB_MODE_INVALID": [Example("spec", standalone("loadBalancer: standalone", "loadBalancer: neg"), standalone())],
    "ZONE_INVALID": [
        Example("spec", standalone("[europe-west1-b, europe-west1-c]", "[europe-west1]"), standalone()),
        Example("spec", standalone("[europe-west1-b, europe-west1-c]", "[europe-west1-b, europe-west1-b]"),
                standalone()),
    ],
    "NETWORK_INVALID": [Example("spec", standalone("network: gke-vpc",
                                                   "network: projects/acme-dev/global/networks/gke-vpc"),
                                standalone())],
    "STANDALONE_FIELD_MISSING": [Example("spec", standalone("    network: gke-vpc\n", ""), standalone())],
    "LB_FIELD_OTHER_MODE": [Example("spec", standalone("    loadBalancer: standalone\n", ""), standalone())],
    # dev's service b-c and dev-b's service c would both be iapgen-dev-b-c in project acme-dev.
    "GCE_NAME_COLLISION": [Example("spec", two_standalone_envs("acme-dev"), two_standalone_envs("acme-dev-b"))],
    "IAP_NO_MEMBERS": [Example("spec", ENV.replace("    iap: {members: [group:eng@acme.example]}\n", "")
                               + "services:\n" + svc("  healthCheck: {path: /healthz}\n"),
                               ENV.replace("    iap: {members: [group:eng@acme.example]}\n", "") + "services:\n"
                               + svc("  healthCheck: {path: /healthz}\n  iap: {members: [group:argocd@acme.example]}\n"))],
    "NAME_INVALID": [Example("service", svc("  healthCheck: {path: /healthz}\n").replace("name: argocd", "name: Argo_CD"),
                             svc("  healthCheck: {path: /healthz}\n"))],
    "PINNED_NAME_INVALID": [
        Example("service", svc("  healthCheck: {path: /healthz}\n  names: {backendConfig: Argo_Config}\n"),
                svc("  healthCheck: {path: /healthz}\n  names: {backendConfig: argocd-backend-config}\n")),
        Example("service", svc("  healthCheck: {path: /healthz}\n  names: {staticIp: argocd.ip}\n"),
                svc("  healthCheck: {path: /healthz}\n  names: {staticIp: argocd-ip}\n"))],
    "PINNED_NAME_CONFLICT": [Example(
        "service", svc("  healthCheck: {path: /healthz}\n  names: {ingress: argocd-server-ingress}\n")
        + svc("  healthCheck: {path: /healthz}\n  names: {ingress: dex-ingress}\n").replace("name: argocd", "name: dex"),
        svc("  healthCheck: {path: /healthz}\n  names: {ingress: argocd-server-ingress}\n")
        + svc("  healthCheck: {path: /healthz}\n  names: {ingress: argocd-server-ingress}\n").replace(
            "name: argocd", "name: dex"))],
    "NAMESPACE_INVALID": [Example("service", svc("  healthCheck: {path: /healthz}\n").replace(
        "namespace: argocd", "namespace: Argo CD"), svc("  healthCheck: {path: /healthz}\n"))],
    "SELECTOR_INVALID": [Example("service", svc("  healthCheck: {path: /healthz}\n").replace(
        "{app: argocd-server}", "{app: -argocd}"), svc("  healthCheck: {path: /healthz}\n"))],
    "PROJECT_ID_INVALID": [Example("spec", ENV.replace("acme-dev", "Acme Dev") + "services: []\n",
                                   ENV + "services: []\n")],
    "HOST_INVALID": [Example("service", svc("  healthCheck: {path: /healthz}\n  host: '*.acme.example'\n"),
                             svc("  healthCheck: {path: /healthz}\n  host: argocd.acme.example\n"))],
    "PORT_RANGE": [Example("service", svc("  healthCheck: {path: /healthz}\n").replace("targetPort: 8080",
                                                                                       "targetPort: 80800"),
                           svc("  healthCheck: {path: /healthz}\n"))],
    "PROTOCOL_INVALID": [
        Example("service", svc("  healthCheck: {path: /healthz}\n").replace("HTTPS", "https"),
                svc("  healthCheck: {path: /healthz}\n")),
        Example("manifest", backend_config("  healthCheck: {type: TCP}\n"), backend_config("  healthCheck: {type: HTTP}\n")),
    ],
    "HC_PATH": [
        Example("service", svc("  healthCheck: {path: healthz}\n"), svc("  healthCheck: {path: /healthz}\n")),
        Example("manifest", backend_config("  healthCheck: {requestPath: healthz}\n"),
                backend_config("  healthCheck: {requestPath: /healthz}\n")),
    ],
    "HC_RANGE": [
        Example("service", svc("  healthCheck: {path: /healthz, unhealthyThreshold: 20}\n"),
                svc("  healthCheck: {path: /healthz, unhealthyThreshold: 3}\n")),
        Example("manifest", backend_config("  healthCheck: {checkIntervalSec: 600}\n"),
                backend_config("  healthCheck: {checkIntervalSec: 60}\n")),
    ],
    "HC_TIMEOUT_GT_INTERVAL": [
        Example("service", svc("  healthCheck: {path: /healthz, checkIntervalSec: 10, timeoutSec: 20}\n"),
                svc("  healthCheck: {path: /healthz, checkIntervalSec: 10, timeoutSec: 5}\n")),
        Example("manifest", service_manifest(USES_BC) + "---\n" + backend_config("  healthCheck: {timeoutSec: 20}\n"),
                service_manifest(USES_BC) + "---\n" + backend_config(
                    "  healthCheck: {timeoutSec: 20, checkIntervalSec: 30}\n")),
        Example("manifest", service_manifest(USES_BC) + "---\n" + backend_config("  healthCheck: {checkIntervalSec: 10}\n"),
                service_manifest(USES_BC) + "---\n" + backend_config(
                    "  healthCheck: {checkIntervalSec: 10, timeoutSec: 5}\n")),
    ],
    "HC_PORT_NOT_TARGET": [
        Example("service", svc("  healthCheck: {path: /healthz, port: 443}\n"), svc("  healthCheck: {path: /healthz}\n")),
        Example("manifest", service_manifest(USES_BC) + "---\n" + backend_config(
            "  healthCheck: {type: HTTPS, port: 443, requestPath: /healthz}\n"),
            service_manifest(USES_BC) + "---\n" + backend_config(
                "  healthCheck: {type: HTTPS, port: 8080, requestPath: /healthz}\n")),
        Example("manifest", service_manifest(USES_BC) + "---\n" + deployment(
            "      - {name: web, image: web:1, ports: [{containerPort: 8080}]}\n") + "---\n" + backend_config(
            "  healthCheck: {type: HTTP, port: 9000, requestPath: /healthz}\n"),
            service_manifest(USES_BC) + "---\n" + deployment(
                "      - {name: web, image: web:1, ports: [{containerPort: 8080}, {containerPort: 9000}]}\n")
            + "---\n" + backend_config("  healthCheck: {type: HTTP, port: 9000, requestPath: /healthz}\n")),
        Example("manifest", GATEWAY_SERVICE + "---\n" + health_check_policy(
            "{portSpecification: USE_FIXED_PORT, port: 443, requestPath: /healthz}"),
            GATEWAY_SERVICE + "---\n" + health_check_policy()),
    ],
    "HC_PROTOCOL_MISMATCH": [
        Example("service", svc("  healthCheck: {path: /healthz, protocol: HTTP}\n"),
                svc("  healthCheck: {path: /healthz}\n")),
        Example("manifest", service_manifest(USES_BC) + "---\n" + backend_config("  healthCheck: {type: HTTP}\n"),
                service_manifest(USES_BC) + "---\n" + backend_config("  healthCheck: {type: HTTPS}\n")),
        Example("manifest", GATEWAY_SERVICE + "---\n" + health_check_policy(hc_type="HTTP"),
                GATEWAY_SERVICE + "---\n" + health_check_policy()),
    ],
    "OAUTH_CLIENT_ID_INVALID": [Example("spec", ENV.replace("    iap: {members: [group:eng@acme.example]}", "    iap: {members: [group:eng@acme.example], oauthClientId: my-iap-client}") + "services: []\n",
                                        ENV.replace("    iap: {members: [group:eng@acme.example]}", "    iap: {members: [group:eng@acme.example], oauthClientId: 1234-abcd.apps.googleusercontent.com}") + "services: []\n")],
    "STACK_CONFIG_INVALID": [Example("stack", ENV + "services: []\n", ENV + "services: []\n",
                                     stack_config="config:\n  iapgen:backendWaitSeconds: soon\n",
                                     good_stack_config="config:\n  iapgen:backendWaitSeconds: 1200\n")],
    "OAUTH_SECRET_MISSING": [Example("stack", ENV.replace("    iap: {members: [group:eng@acme.example]}", "    iap: {members: [group:eng@acme.example], oauthClientId: 1234-abcd.apps.googleusercontent.com}") + "services: []\n",
                                     ENV.replace("    iap: {members: [group:eng@acme.example]}", "    iap: {members: [group:eng@acme.example], oauthClientId: 1234-abcd.apps.googleusercontent.com}") + "services: []\n",
                                     stack_config="config:\n  gcp:project: acme-dev\n",
                                     good_stack_config="config:\n  gcp:project: acme-dev\n  iapgen:oauthClientSecret:\n    secure: v1:AAAABBBBCCCC\n")],
    "IAP_PUBLIC_MEMBER": [Example("service", svc("  healthCheck: {path: /healthz}\n  iap: {members: [allUsers]}\n"),
                                  svc("  healthCheck: {path: /healthz}\n  iap: {members: [group:eng@acme.example]}\n"))],
    "IAP_MEMBER_PREFIX": [Example("service", svc("  healthCheck: {path: /healthz}\n  iap: {members: [alice@acme.example]}\n"),
                                  svc("  healthCheck: {path: /healthz}\n  iap: {members: [user:alice@acme.example]}\n"))],
    "IAP_DISABLED_NO_REASON": [Example("service", svc("  healthCheck: {path: /healthz}\n  iap: {enabled: false}\n"),
                                       svc("  healthCheck: {path: /healthz}\n  iap: {enabled: false, reason: "
                                           "public status page}\n"))],
    # --- manifests ----------------------------------------------------------------------
    "ANNOTATION_JSON": [Example("manifest", service_manifest("    cloud.google.com/neg: '{ingress: true}'"),
                                service_manifest())],
    "APP_PROTOCOLS_NUMERIC_KEY": [Example(
        "manifest", service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                                     "    cloud.google.com/app-protocols: '{\"443\": \"HTTPS\"}'"),
        service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                         "    cloud.google.com/app-protocols: '{\"https\": \"HTTPS\"}'"))],
    "APP_PROTOCOLS_UNKNOWN_PORT": [Example(
        "manifest", service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                                     "    cloud.google.com/app-protocols: '{\"http\": \"HTTPS\"}'"),
        service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                         "    cloud.google.com/app-protocols: '{\"https\": \"HTTPS\"}'"))],
    "APP_PROTOCOLS_LEGACY": [Example(
        "manifest", service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                                     "    service.alpha.kubernetes.io/app-protocols: '{\"https\": \"HTTP2\"}'\n"
                                     "    cloud.google.com/app-protocols: '{\"https\": \"HTTPS\"}'"),
        service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                         "    cloud.google.com/app-protocols: '{\"https\": \"HTTPS\"}'"))],
    "APP_PROTOCOL_IGNORED": [Example(
        "manifest", service_manifest(NEG_INGRESS, ports="  - {name: https, port: 443, targetPort: 8080, appProtocol: HTTPS}\n"),
        service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                         "    cloud.google.com/app-protocols: '{\"https\": \"HTTPS\"}'",
                         ports="  - {name: https, port: 443, targetPort: 8080, appProtocol: HTTPS}\n"))],
    "SERVICE_PORT_NAMES": [Example(
        "manifest", service_manifest(ports="  - {port: 443, targetPort: 8443}\n  - {port: 80, targetPort: 8080}\n"),
        service_manifest(ports="  - {name: https, port: 443, targetPort: 8443}\n"
                               "  - {name: http, port: 80, targetPort: 8080}\n"))],
    "NEG_PORT_NOT_SERVICE_PORT": [Example(
        "manifest", service_manifest("    cloud.google.com/neg: '{\"exposed_ports\": {\"8080\": {}}}'"),
        service_manifest("    cloud.google.com/neg: '{\"exposed_ports\": {\"443\": {}}}'"))],
    "NEG_CUSTOM_NAME": [Example(
        "manifest", service_manifest("    cloud.google.com/neg: '{\"ingress\": true, \"exposed_ports\": "
                                     "{\"443\": {\"name\": \"web-neg\"}}}'"),
        service_manifest("    cloud.google.com/neg: '{\"exposed_ports\": {\"443\": {\"name\": \"web-neg\"}}}'"))],
    "NEG_ENABLES_NOTHING": [Example("manifest", service_manifest("    cloud.google.com/neg: '{\"ingress\": false}'"),
                                    service_manifest())],
    "CONTROLLER_OWNED": [Example(
        "manifest", service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                                     "    cloud.google.com/neg-status: '{\"network_endpoint_groups\":{\"443\":\"k8s1-x\"}}'"),
        service_manifest())],
    "CLUSTERIP_WITHOUT_NEG": [Example(
        "manifest", service_manifest("    cloud.google.com/neg: '{\"exposed_ports\": {\"443\": {}}}'") + "---\n" + ingress(),
        service_manifest() + "---\n" + ingress())],
    "BACKENDCONFIG_NOT_FOUND": [Example(
        "manifest", service_manifest(USES_BC) + "---\n" + backend_config("  healthCheck: {type: HTTPS}\n",
                                                                          namespace="default"),
        service_manifest(USES_BC) + "---\n" + backend_config("  healthCheck: {type: HTTPS}\n")),
        Example("manifest", service_manifest(USES_BC) + "---\n" + backend_config("  healthCheck: {type: HTTPS}\n",
                                                                                   name="web-bc"),
                service_manifest(USES_BC) + "---\n" + backend_config("  healthCheck: {type: HTTPS}\n"))],
    "BACKENDCONFIG_ANNOTATION": [Example(
        "manifest", service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                                     "    cloud.google.com/backend-config: '{\"ports\": {\"8080\": \"web\"}}'"),
        service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                         "    cloud.google.com/backend-config: '{\"ports\": {\"https\": \"web\"}}'"))],
    "HC_PORT_INSTANCE_GROUP": [Example(
        "manifest", service_manifest("    cloud.google.com/backend-config: '{\"default\": \"web\"}'", kind="NodePort",
                                     ports="  - {name: http, port: 80, targetPort: 8080, nodePort: 30080}\n")
        + "---\n" + backend_config("  healthCheck: {port: 8080}\n"),
        service_manifest("    cloud.google.com/backend-config: '{\"default\": \"web\"}'", kind="NodePort",
                         ports="  - {name: http, port: 80, targetPort: 8080, nodePort: 30080}\n")
        + "---\n" + backend_config("  healthCheck: {port: 30080}\n"))],
    "HC_LOGGING_FIELD": [Example("manifest", backend_config("  healthCheck:\n    type: HTTP\n    logConfig: {enable: true}\n"),
                                 backend_config("  healthCheck:\n    type: HTTP\n"))],
    "LOGGING_SAMPLE_RATE": [Example("manifest", backend_config("  logging: {enable: true, sampleRate: 50}\n"),
                                    backend_config("  logging: {enable: true, sampleRate: 0.5}\n"))],
    "IAP_AND_CDN": [Example("manifest", backend_config("  iap: {enabled: true}\n  cdn: {enabled: true}\n"),
                            backend_config("  iap: {enabled: true}\n"))],
    "IAP_OAUTH_CREDENTIALS": [Example(
        "manifest", backend_config("  iap:\n    enabled: true\n    oauthClientCredentials: {secretName: web-oauth}\n"),
        backend_config("  iap:\n    enabled: true\n    oauthclientCredentials: {secretName: web-oauth}\n"))],
    "BACKENDCONFIG_RANGE": [Example("manifest", backend_config("  sessionAffinity: {affinityType: COOKIE}\n"),
                                    backend_config("  sessionAffinity: {affinityType: GENERATED_COOKIE}\n"))],
    "FRONTENDCONFIG_REDIRECT": [Example(
        "manifest", "apiVersion: networking.gke.io/v1beta1\nkind: FrontendConfig\nmetadata: {name: web, namespace: web}\n"
                    "spec:\n  redirectToHttps: {enabled: true, responseCodeName: '301'}\n",
        "apiVersion: networking.gke.io/v1beta1\nkind: FrontendConfig\nmetadata: {name: web, namespace: web}\n"
        "spec:\n  redirectToHttps: {enabled: true, responseCodeName: MOVED_PERMANENTLY_DEFAULT}\n")],
    "FRONTENDCONFIG_NOT_FOUND": [Example(
        "manifest", ingress(annotations="    networking.gke.io/v1beta1.FrontendConfig: web\n") + "---\n"
        + "apiVersion: networking.gke.io/v1beta1\nkind: FrontendConfig\nmetadata: {name: web, namespace: default}\n"
          "spec: {redirectToHttps: {enabled: true}}\n",
        ingress(annotations="    networking.gke.io/v1beta1.FrontendConfig: web\n") + "---\n"
        + "apiVersion: networking.gke.io/v1beta1\nkind: FrontendConfig\nmetadata: {name: web, namespace: web}\n"
          "spec: {redirectToHttps: {enabled: true}}\n")],
    "INGRESS_CLASS_NAME": [Example("manifest", ingress().replace("    kubernetes.io/ingress.class: gce\n", "").replace(
        "spec:\n", "spec:\n  ingressClassName: gce\n"), ingress())],
    "INGRESS_BACKEND_PORT": [Example("manifest", service_manifest() + "---\n" + ingress(
        "service: {name: web, port: {number: 8080}}"), service_manifest() + "---\n" + ingress())],
    "INGRESS_PATH_WILDCARD": [Example(
        "manifest", ingress(extra_spec="  rules:\n  - http:\n      paths:\n      - {path: /api/*, pathType: Prefix, "
                                       "backend: {service: {name: web, port: {number: 443}}}}\n"),
        ingress(extra_spec="  rules:\n  - http:\n      paths:\n      - {path: /api, pathType: Prefix, "
                           "backend: {service: {name: web, port: {number: 443}}}}\n"))],
    "IAP_WITHOUT_HTTPS": [Example(
        "manifest", service_manifest(USES_BC) + "---\n" + backend_config("  iap: {enabled: true}\n") + "---\n" + ingress(),
        service_manifest(USES_BC) + "---\n" + backend_config("  iap: {enabled: true}\n") + "---\n"
        + ingress(annotations="    networking.gke.io/managed-certificates: web\n"))],
    "TARGET_PORT_NAME_UNKNOWN": [Example(
        "manifest", service_manifest(ports="  - {name: https, port: 443, targetPort: https}\n") + "---\n"
        + deployment("      - name: web\n        image: web\n        ports: [{name: web, containerPort: 8443}]\n"),
        service_manifest(ports="  - {name: https, port: 443, targetPort: web}\n") + "---\n"
        + deployment("      - name: web\n        image: web\n        ports: [{name: web, containerPort: 8443}]\n"))],
    "ANNOTATION_IGNORED": [Example(
        "manifest", ingress(annotations="    cloud.google.com/app-protocols: '{\"https\": \"HTTPS\"}'\n"),
        ingress())],
    "INGRESS_DUPLICATE_HOST": [Example(
        "manifest", ingress(extra_spec="  rules:\n  - host: web.acme.example\n    http:\n      paths:\n      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 443}}}}\n"
                                       "  - host: web.acme.example\n    http:\n      paths:\n      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 443}}}}\n"),
        ingress(extra_spec="  rules:\n  - host: web.acme.example\n    http:\n      paths:\n      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 443}}}}\n"
                           "      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 443}}}}\n"))],
    "TARGET_PORT_NOT_DECLARED": [Example(
        "manifest", service_manifest() + "---\n" + deployment("      - name: web\n        image: web\n        ports: [{containerPort: 9000}]\n"),
        service_manifest() + "---\n" + deployment("      - name: web\n        image: web\n        ports: [{containerPort: 8080}]\n"))],
    "APP_PROTOCOLS_MISSING": [Example(
        "manifest", service_manifest(NEG_INGRESS) + "---\n" + ingress(annotations="    networking.gke.io/managed-certificates: web\n"),
        service_manifest() + "---\n"
        + ingress(annotations="    networking.gke.io/managed-certificates: web\n"))],
    "HC_UNKNOWN_FIELD": [Example("manifest", backend_config("  healthCheck: {protocol: HTTP, requestPath: /healthz}\n"),
                                 backend_config("  healthCheck: {type: HTTP, requestPath: /healthz}\n"))],
    "API_REMOVED": [Example("manifest", ingress().replace("networking.k8s.io/v1", "networking.k8s.io/v1beta1").replace(
        "service: {name: web, port: {number: 443}}", "{serviceName: web, servicePort: 443}"), ingress())],
    "LISTENS_ON_LOCALHOST": [Example(
        "manifest", service_manifest() + "---\n" + deployment(
            "      - name: web\n        image: web\n        args: [--bind=127.0.0.1:8080]\n"
            "        ports: [{containerPort: 8080}]\n"),
        service_manifest() + "---\n" + deployment(
            "      - name: web\n        image: web\n        args: [--bind=0.0.0.0:8080]\n"
            "        ports: [{containerPort: 8080}]\n"))],
    # --- GKE Gateway ------------------------------------------------------------------
    "POLICY_TARGET_NOT_FOUND": [Example(
        "manifest", GATEWAY_SERVICE + "---\n" + health_check_policy(namespace="default"),
        GATEWAY_SERVICE + "---\n" + health_check_policy())],
    "HC_PORT_SPECIFICATION": [Example(
        "manifest", GATEWAY_SERVICE + "---\n" + health_check_policy("{port: 8080, requestPath: /healthz}"),
        GATEWAY_SERVICE + "---\n" + health_check_policy())],
    "HC_POLICY_CONFIG": [Example(
        "manifest", GATEWAY_SERVICE + "---\n" + health_check_policy().replace("httpsHealthCheck:", "httpHealthCheck:"),
        GATEWAY_SERVICE + "---\n" + health_check_policy())],
    "BACKEND_POLICY_DUPLICATE": [Example(
        "manifest", GATEWAY_SERVICE + "---\n" + backend_policy() + "---\n"
        + backend_policy("{timeoutSec: 120}", name="web-timeout"),
        GATEWAY_SERVICE + "---\n" + backend_policy("{timeoutSec: 120, iap: {enabled: true, clientID: "
                                                    "1234-abcd.apps.googleusercontent.com, oauth2ClientSecret: "
                                                    "{name: iapgen-oauth}}}"))],
    "BACKEND_POLICY_SAMPLE_RATE": [Example(
        "manifest", backend_policy("{logging: {enabled: true, sampleRate: 0.5}}"),
        backend_policy("{logging: {enabled: true, sampleRate: 500000}}"))],
    "ROUTE_BACKEND_PORT": [Example("manifest", GATEWAY_SERVICE + "---\n" + http_route("8080"),
                                   GATEWAY_SERVICE + "---\n" + http_route())],
    "ROUTE_NOT_ALLOWED": [Example(
        "manifest", gateway("{namespaces: {from: Same}}") + "---\n" + http_route(),
        gateway("{namespaces: {from: Selector, selector: {matchExpressions: [{key: kubernetes.io/metadata.name, "
                "operator: In, values: [web]}]}}}") + "---\n" + http_route())],
    "GATEWAY_IAP_CLIENT": [Example(
        "spec", GATEWAY_ENV.replace(", oauthClientId: 1234-abcd.apps.googleusercontent.com", "") + "services:\n"
        + "".join("  " + line + "\n" for line in svc("  healthCheck: {path: /healthz}\n").splitlines()),
        GATEWAY_ENV + "services:\n"
        + "".join("  " + line + "\n" for line in svc("  healthCheck: {path: /healthz}\n").splitlines()))],
    "HC_PATH_GATEWAY": [Example(
        "spec", GATEWAY_ENV + "services:\n"
        + "".join("  " + line + "\n" for line in svc("  healthCheck: {path: '/health[z]'}\n").splitlines()),
        GATEWAY_ENV + "services:\n"
        + "".join("  " + line + "\n" for line in svc("  healthCheck: {path: /health%5Bz%5D}\n").splitlines())),
        Example("manifest", GATEWAY_SERVICE + "---\n" + health_check_policy(
            "{portSpecification: USE_FIXED_PORT, port: 8080, requestPath: '/health#z'}"),
            GATEWAY_SERVICE + "---\n" + health_check_policy(
                "{portSpecification: USE_FIXED_PORT, port: 8080, requestPath: '/health%23z'}"))],
}

# The multi-cluster Gateway mode's rules keep their examples beside the mode's others.
from iapgen.lint.examples_multicluster import EXAMPLES as _MULTICLUSTER  # noqa: E402

EXAMPLES.update(_MULTICLUSTER)
