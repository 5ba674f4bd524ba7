"""The bad/good examples of the rules declared in iapgen/spec/rules.py and iaprules.py (kept apart to keep that module short)."""

from __future__ import annotations

from iapgen.examplekit import (
    ENV,
    GATEWAY_SERVICE,
    USES_BC,
    backend_config,
    deployment,
    health_check_policy,
    service_manifest,
    standalone,
    svc,
)
from iapgen.spec.rulebook import Example

NAME_INVALID = [Example("service", svc("  healthCheck: {path: /healthz}\n").replace("name: argocd", "name: Argo_CD"),
                             svc("  healthCheck: {path: /healthz}\n"))]

PINNED_NAME_INVALID = [
        Example("service", svc("  healthCheck: {path: /healthz}\n  names: {backendConfig: Argo_Config}\n"),
                svc("  healthCheck: {path: /healthz}\n  names: {backendConfig: argocd-backend-config}\n")),
        Example("service", svc("  healthCheck: {path: /healthz}\n  names: {staticIp: argocd.ip}\n"),
                svc("  healthCheck: {path: /healthz}\n  names: {staticIp: argocd-ip}\n"))]

NAMESPACE_INVALID = [Example("service", svc("  healthCheck: {path: /healthz}\n").replace(
        "namespace: argocd", "namespace: Argo CD"), svc("  healthCheck: {path: /healthz}\n"))]

SELECTOR_INVALID = [Example("service", svc("  healthCheck: {path: /healthz}\n").replace(
        "{app: argocd-server}", "{app: -argocd}"), svc("  healthCheck: {path: /healthz}\n"))]

ENV_NAME_INVALID = [Example("spec", ENV.replace("  dev:", "  Dev_1:") + "services: []\n",
                                 ENV + "services: []\n")]

PROJECT_ID_INVALID = [Example("spec", ENV.replace("acme-dev", "Acme Dev") + "services: []\n",
                                   ENV + "services: []\n")]

HOST_INVALID = [Example("service", svc("  healthCheck: {path: /healthz}\n  host: '*.acme.example'\n"),
                             svc("  healthCheck: {path: /healthz}\n  host: argocd.acme.example\n"))]

LB_MODE_INVALID = [Example("spec", standalone("loadBalancer: standalone", "loadBalancer: neg"), standalone())]

ZONE_INVALID = [
        Example("spec", standalone("[europe-west1-b, europe-west1-c]", "[europe-west1]"), standalone()),
        Example("spec", standalone("[europe-west1-b, europe-west1-c]", "[europe-west1-b, europe-west1-b]"),
                standalone()),
    ]

NETWORK_INVALID = [Example("spec", standalone("network: gke-vpc",
                                                   "network: projects/acme-dev/global/networks/gke-vpc"),
                                standalone())]

PORT_RANGE = [Example("service", svc("  healthCheck: {path: /healthz}\n").replace("targetPort: 8080",
                                                                                       "targetPort: 80800"),
                           svc("  healthCheck: {path: /healthz}\n"))]

PROTOCOL_INVALID = [
        Example("service", svc("  healthCheck: {path: /healthz}\n").replace("HTTPS", "https"),
                svc("  healthCheck: {path: /healthz}\n")),
        Example("manifest", backend_config("  healthCheck: {type: TCP}\n"), backend_config("  healthCheck: {type: HTTP}\n")),
    ]

HC_PATH = [
        Example("service", svc("  healthCheck: {path: healthz}\n"), svc("  healthCheck: {path: /healthz}\n")),
        Example("manifest", backend_config("  healthCheck: {requestPath: healthz}\n"),
                backend_config("  healthCheck: {requestPath: /healthz}\n")),
    ]

HC_RANGE = [
        Example("service", svc("  healthCheck: {path: /healthz, unhealthyThreshold: 20}\n"),
                svc("  healthCheck: {path: /healthz, unhealthyThreshold: 3}\n")),
        Example("manifest", backend_config("  healthCheck: {checkIntervalSec: 600}\n"),
                backend_config("  healthCheck: {checkIntervalSec: 60}\n")),
    ]

HC_TIMEOUT_GT_INTERVAL = [
        Example("service", svc("  healthCheck: {path: /healthz, checkIntervalSec: 10, timeoutSec: 20}\n"),
                svc("  healthCheck: {path: /healthz, checkIntervalSec: 10, timeoutSec: 5}\n")),
        Example("manifest", service_manifest(USES_BC) + "---\n" + backend_config("  healthCheck: {timeoutSec: 20}\n"),
                service_manifest(USES_BC) + "---\n" + backend_config(
                    "  healthCheck: {timeoutSec: 20, checkIntervalSec: 30}\n")),
        Example("manifest", service_manifest(USES_BC) + "---\n" + backend_config("  healthCheck: {checkIntervalSec: 10}\n"),
                service_manifest(USES_BC) + "---\n" + backend_config(
                    "  healthCheck: {checkIntervalSec: 10, timeoutSec: 5}\n")),
    ]

HC_PORT_NOT_TARGET = [
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
    ]

HC_PROTOCOL_MISMATCH = [
        Example("service", svc("  healthCheck: {path: /healthz, protocol: HTTP}\n"),
                svc("  healthCheck: {path: /healthz}\n")),
        Example("manifest", service_manifest(USES_BC) + "---\n" + backend_config("  healthCheck: {type: HTTP}\n"),
                service_manifest(USES_BC) + "---\n" + backend_config("  healthCheck: {type: HTTPS}\n")),
        Example("manifest", GATEWAY_SERVICE + "---\n" + health_check_policy(hc_type="HTTP"),
                GATEWAY_SERVICE + "---\n" + health_check_policy()),
    ]

IAP_PUBLIC_MEMBER = [Example("service", svc("  healthCheck: {path: /healthz}\n  iap: {members: [allUsers]}\n"),
                                  svc("  healthCheck: {path: /healthz}\n  iap: {members: [group:eng@acme.example]}\n"))]

IAP_MEMBER_PREFIX = [Example("service", svc("  healthCheck: {path: /healthz}\n  iap: {members: [alice@acme.example]}\n"),
                                  svc("  healthCheck: {path: /healthz}\n  iap: {members: [user:alice@acme.example]}\n"))]

OAUTH_CLIENT_ID_INVALID = [Example("spec", ENV.replace("    iap: {members: [group:eng@acme.example]}", "    iap: {members: [group:eng@acme.example], oauthClientId: my-iap-client}") + "services: []\n",
                                        ENV.replace("    iap: {members: [group:eng@acme.example]}", "    iap: {members: [group:eng@acme.example], oauthClientId: 1234-abcd.apps.googleusercontent.com}") + "services: []\n")]

IAP_DISABLED_NO_REASON = [Example("service", svc("  healthCheck: {path: /healthz}\n  iap: {enabled: false}\n"),
                                       svc("  healthCheck: {path: /healthz}\n  iap: {enabled: false, reason: "
                                           "public status page}\n"))]
