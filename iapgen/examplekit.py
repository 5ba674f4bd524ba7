"""Builders for the rules' bad/good examples: a services.yaml service entry in a dev environment, Kubernetes
manifests and a plan.json, as text. Each rule declares its own examples with these.
"""

from __future__ import annotations

import json
from typing import Any

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
