"""The bad/good examples of the rules declared in iapgen/spec/validate.py (kept apart to keep that module short)."""

from __future__ import annotations

from iapgen.examplekit import ENV, svc
from iapgen.spec.rulebook import Example

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
