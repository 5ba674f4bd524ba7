"""The bad/good examples of the rules declared in iapgen/spec/rules.py (kept apart to keep that module short)."""

from __future__ import annotations

from iapgen.examplekit import (
        ENV,
        GATEWAY_SERVICE,
        IAP_MEMBER,
        USES_BC,
        backend_config,
        deployment,
        health_check_policy,
        plan,
        service_manifest,
        standalone,
        svc,
        two_standalone_envs,
)
from iapgen.spec.rulebook import Example

FILE_UNREADABLE = []

YAML_SYNTAX = [Example("file", "services:\n\t- name: web\n", "services:\n  - name: web\n")]

YAML_DUPLICATE_KEY = [Example("file", "a:\n  port: 80\n  port: 443\n", "a:\n  port: 443\n")]

YAML_TOO_LARGE = [Example("file", "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(6)),
        "a: &a [1, 2]\nb: *a\n")]

SPEC_SHAPE = [Example("service", svc("  helthCheck: {path: /healthz}\n"),
                           svc("  healthCheck: {path: /healthz}\n"))]

ENV_UNKNOWN = [Example("stack", ENV + "services: []\n", ENV + "  prod:\n    project: acme-prod\n"
                            "    domain: acme.example\n    iap: {members: [group:sre@acme.example]}\nservices: []\n",
                            env="prod")]

OVERRIDE_UNKNOWN_ENV = [Example("service", svc("  healthCheck: {path: /healthz}\n  overrides:\n"
                                                    "    staging: {port: 8443}\n"),
                                     svc("  healthCheck: {path: /healthz}\n  overrides:\n    dev: {port: 8443}\n"))]

SERVICE_DUPLICATE = [Example("service", svc("  healthCheck: {path: /healthz}\n")
                                  + svc("  namespace: other\n  healthCheck: {path: /healthz}\n").replace(
                                      "  namespace: argocd\n", "", 1),
                                  svc("  healthCheck: {path: /healthz}\n")
                                  + svc("  healthCheck: {path: /healthz}\n").replace("argocd", "dex"))]

HOST_DUPLICATE = [Example("service", svc("  healthCheck: {path: /healthz}\n") + svc(
        "  healthCheck: {path: /healthz}\n  host: argocd.dev.acme.example\n").replace("name: argocd", "name: dex"),
        svc("  healthCheck: {path: /healthz}\n") + svc("  healthCheck: {path: /healthz}\n").replace(
            "name: argocd", "name: dex"))]

NAME_TOO_LONG = [Example("service", svc("  healthCheck: {path: /healthz}\n").replace(
        "namespace: argocd", "namespace: argocd-" + "x" * 50),
        svc("  healthCheck: {path: /healthz}\n"))]

PROJECT_MISMATCH = [Example("stack", ENV + "services: []\n", ENV + "services: []\n",
                                 stack_config="config:\n  gcp:project: acme-prod\n",
                                 good_stack_config="config:\n  gcp:project: acme-dev\n")]

INGRESS_CERT_LIMIT = [Example("service", "".join(svc("  healthCheck: {path: /healthz}\n  ingress: 2\n").replace(
        "name: argocd", f"name: app{i}") for i in range(16)), "".join(svc(
            f"  healthCheck: {{path: /healthz}}\n  ingress: {2 + i // 15}\n").replace(
            "name: argocd", f"name: app{i}") for i in range(16)))]

INGRESS_PIN_REQUIRED = [Example("service", "".join(svc("  healthCheck: {path: /healthz}\n").replace(
        "name: argocd", f"name: app{i}") for i in range(16)), "".join(svc(
            "  healthCheck: {path: /healthz}\n" + ("  ingress: 2\n" if i == 15 else "")).replace(
            "name: argocd", f"name: app{i}") for i in range(16)))]

NAME_COLLISION = [Example("service", "".join(svc(
        "  healthCheck: {path: /healthz}\n" + ("  ingress: 2\n" if i == 15 else "")).replace(
        "name: argocd", f"name: app{i}").replace("namespace: argocd", "namespace: team") for i in range(16))
        + svc("  healthCheck: {path: /healthz}\n").replace("namespace: argocd", "namespace: team-2"),
        "".join(svc("  healthCheck: {path: /healthz}\n" + ("  ingress: 2\n" if i == 15 else "")).replace(
            "name: argocd", f"name: app{i}").replace("namespace: argocd", "namespace: team") for i in range(16))
        + svc("  healthCheck: {path: /healthz}\n").replace("namespace: argocd", "namespace: team-b"))]

STACK_CONFIG_INVALID = [Example("stack", ENV + "services: []\n", ENV + "services: []\n",
                                     stack_config="config:\n  iapgen:backendWaitSeconds: soon\n",
                                     good_stack_config="config:\n  iapgen:backendWaitSeconds: 1200\n")]

OAUTH_SECRET_MISSING = [Example("stack", ENV.replace("    iap: {members: [group:eng@acme.example]}", "    iap: {members: [group:eng@acme.example], oauthClientId: 1234-abcd.apps.googleusercontent.com}") + "services: []\n",
                                     ENV.replace("    iap: {members: [group:eng@acme.example]}", "    iap: {members: [group:eng@acme.example], oauthClientId: 1234-abcd.apps.googleusercontent.com}") + "services: []\n",
                                     stack_config="config:\n  gcp:project: acme-dev\n",
                                     good_stack_config="config:\n  gcp:project: acme-dev\n  iapgen:oauthClientSecret:\n    secure: v1:AAAABBBBCCCC\n")]

IAP_NO_MEMBERS = [Example("spec", ENV.replace("    iap: {members: [group:eng@acme.example]}\n", "")
                               + "services:\n" + svc("  healthCheck: {path: /healthz}\n"),
                               ENV.replace("    iap: {members: [group:eng@acme.example]}\n", "") + "services:\n"
                               + svc("  healthCheck: {path: /healthz}\n  iap: {members: [group:argocd@acme.example]}\n"))]

PINNED_NAME_CONFLICT = [Example(
        "service", svc("  healthCheck: {path: /healthz}\n  names: {ingress: argocd-server-ingress}\n")
        + svc("  healthCheck: {path: /healthz}\n  names: {ingress: dex-ingress}\n").replace("name: argocd", "name: dex"),
        svc("  healthCheck: {path: /healthz}\n  names: {ingress: argocd-server-ingress}\n")
        + svc("  healthCheck: {path: /healthz}\n  names: {ingress: argocd-server-ingress}\n").replace(
            "name: argocd", "name: dex"))]

STANDALONE_FIELD_MISSING = [Example("spec", standalone("    network: gke-vpc\n", ""), standalone())]

LB_FIELD_OTHER_MODE = [Example("spec", standalone("    loadBalancer: standalone\n", ""), standalone())]

# dev's service b-c and dev-b's service c would both be iapgen-dev-b-c in project acme-dev.
GCE_NAME_COLLISION = [Example("spec", two_standalone_envs("acme-dev"), two_standalone_envs("acme-dev-b"))]

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
                                  svc("  healthCheck: {path: /healthz}\n  iap: {members: [group:eng@acme.example]}\n")),
                     Example("manifest", plan(frontend={IAP_MEMBER: {"member": "allUsers"}}), plan(frontend={}))]

IAP_MEMBER_PREFIX = [Example("service", svc("  healthCheck: {path: /healthz}\n  iap: {members: [alice@acme.example]}\n"),
                                  svc("  healthCheck: {path: /healthz}\n  iap: {members: [user:alice@acme.example]}\n")),
                     Example("manifest", plan(frontend={IAP_MEMBER: {"member": "alice@acme.example"}}),
                             plan(frontend={}))]

OAUTH_CLIENT_ID_INVALID = [Example("spec", ENV.replace("    iap: {members: [group:eng@acme.example]}", "    iap: {members: [group:eng@acme.example], oauthClientId: my-iap-client}") + "services: []\n",
                                        ENV.replace("    iap: {members: [group:eng@acme.example]}", "    iap: {members: [group:eng@acme.example], oauthClientId: 1234-abcd.apps.googleusercontent.com}") + "services: []\n")]

IAP_DISABLED_NO_REASON = [Example("service", svc("  healthCheck: {path: /healthz}\n  iap: {enabled: false}\n"),
                                       svc("  healthCheck: {path: /healthz}\n  iap: {enabled: false, reason: "
                                           "public status page}\n"))]
