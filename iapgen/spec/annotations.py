"""The GKE annotations iapgen puts on each Service, as the JSON strings Kubernetes stores.

The program writes them (components/ingress/backend.py) and `iapgen doctor` compares the live ones with
them, so both read them from here. Why each one: docs/gke-behaviour.md#app-protocols-by-port-name,
#neg-ingress-annotation, #backendconfig-reference.
"""

from __future__ import annotations

import json

from iapgen.spec import pinned
from iapgen.spec.exposure import Exposure


def service_annotations(exposure: Exposure) -> dict[str, str]:
    """The three GKE annotations of one service's Service (ingress mode)."""
    service = exposure.service
    port_name = exposure.port_name
    return {
        "cloud.google.com/app-protocols": json.dumps({port_name: service.protocol}, separators=(",", ":")),
        "cloud.google.com/neg": json.dumps({"ingress": True}, separators=(",", ":")),
        "cloud.google.com/backend-config": json.dumps(
            {"default": pinned.backend_config(service)}, separators=(",", ":")),
    }


def standalone_service_annotations(exposure: Exposure) -> dict[str, str]:
    """The one annotation of a standalone-NEG Service: a NEG named by iapgen for the Service port.

    Keyed by the Service `port`, never targetPort (docs/gke-behaviour.md#neg-exposed-ports-keys), with
    a custom name (#neg-custom-names) so the backend service can name its NEGs before they exist. No
    app-protocols or backend-config: nothing reads them for standalone NEGs.
    """
    exposed = {"exposed_ports": {str(exposure.service.port): {"name": exposure.neg_name}}}
    return {"cloud.google.com/neg": json.dumps(exposed, separators=(",", ":"))}
