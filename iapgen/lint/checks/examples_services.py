"""The bad/good examples of the rules declared in iapgen/lint/checks/services.py (kept apart to keep that module short)."""

from __future__ import annotations

from iapgen.examplekit import NEG_INGRESS, USES_BC, backend_config, deployment, ingress, service_manifest
from iapgen.spec.rulebook import Example

APP_PROTOCOLS_LEGACY = [Example(
        "manifest", service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                                     "    service.alpha.kubernetes.io/app-protocols: '{\"https\": \"HTTP2\"}'\n"
                                     "    cloud.google.com/app-protocols: '{\"https\": \"HTTPS\"}'"),
        service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                         "    cloud.google.com/app-protocols: '{\"https\": \"HTTPS\"}'"))]

APP_PROTOCOL_IGNORED = [Example(
        "manifest", service_manifest(NEG_INGRESS, ports="  - {name: https, port: 443, targetPort: 8080, appProtocol: HTTPS}\n"),
        service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                         "    cloud.google.com/app-protocols: '{\"https\": \"HTTPS\"}'",
                         ports="  - {name: https, port: 443, targetPort: 8080, appProtocol: HTTPS}\n"))]

SERVICE_PORT_NAMES = [Example(
        "manifest", service_manifest(ports="  - {port: 443, targetPort: 8443}\n  - {port: 80, targetPort: 8080}\n"),
        service_manifest(ports="  - {name: https, port: 443, targetPort: 8443}\n"
                               "  - {name: http, port: 80, targetPort: 8080}\n"))]

NEG_CUSTOM_NAME = [Example(
        "manifest", service_manifest("    cloud.google.com/neg: '{\"ingress\": true, \"exposed_ports\": "
                                     "{\"443\": {\"name\": \"web-neg\"}}}'"),
        service_manifest("    cloud.google.com/neg: '{\"exposed_ports\": {\"443\": {\"name\": \"web-neg\"}}}'"))]

NEG_ENABLES_NOTHING = [Example("manifest", service_manifest("    cloud.google.com/neg: '{\"ingress\": false}'"),
                                    service_manifest())]

CONTROLLER_OWNED = [Example(
        "manifest", service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                                     "    cloud.google.com/neg-status: '{\"network_endpoint_groups\":{\"443\":\"k8s1-x\"}}'"),
        service_manifest())]

CLUSTERIP_WITHOUT_NEG = [Example(
        "manifest", service_manifest("    cloud.google.com/neg: '{\"exposed_ports\": {\"443\": {}}}'") + "---\n" + ingress(),
        service_manifest() + "---\n" + ingress())]

BACKENDCONFIG_NOT_FOUND = [Example(
        "manifest", service_manifest(USES_BC) + "---\n" + backend_config("  healthCheck: {type: HTTPS}\n",
                                                                          namespace="default"),
        service_manifest(USES_BC) + "---\n" + backend_config("  healthCheck: {type: HTTPS}\n")),
        Example("manifest", service_manifest(USES_BC) + "---\n" + backend_config("  healthCheck: {type: HTTPS}\n",
                                                                                   name="web-bc"),
                service_manifest(USES_BC) + "---\n" + backend_config("  healthCheck: {type: HTTPS}\n"))]

BACKENDCONFIG_ANNOTATION = [Example(
        "manifest", service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                                     "    cloud.google.com/backend-config: '{\"ports\": {\"8080\": \"web\"}}'"),
        service_manifest("    cloud.google.com/neg: '{\"ingress\": true}'\n"
                         "    cloud.google.com/backend-config: '{\"ports\": {\"https\": \"web\"}}'"))]

TARGET_PORT_NOT_DECLARED = [Example(
        "manifest", service_manifest() + "---\n" + deployment("      - name: web\n        image: web\n        ports: [{containerPort: 9000}]\n"),
        service_manifest() + "---\n" + deployment("      - name: web\n        image: web\n        ports: [{containerPort: 8080}]\n"))]

APP_PROTOCOLS_MISSING = [Example(
        "manifest", service_manifest(NEG_INGRESS) + "---\n" + ingress(annotations="    networking.gke.io/managed-certificates: web\n"),
        service_manifest() + "---\n"
        + ingress(annotations="    networking.gke.io/managed-certificates: web\n"))]

TARGET_PORT_NAME_UNKNOWN = [Example(
        "manifest", service_manifest(ports="  - {name: https, port: 443, targetPort: https}\n") + "---\n"
        + deployment("      - name: web\n        image: web\n        ports: [{name: web, containerPort: 8443}]\n"),
        service_manifest(ports="  - {name: https, port: 443, targetPort: web}\n") + "---\n"
        + deployment("      - name: web\n        image: web\n        ports: [{name: web, containerPort: 8443}]\n"))]
