"""The GKE annotations iapgen puts on each Service, as the JSON strings Kubernetes stores.

The program writes them (components/backend.py) and `iapgen doctor` compares the live ones with
them, so both read them from here. Why each one: docs/gke-behaviour.md#app-protocols-by-port-name,
#neg-ingress-annotation, #backendconfig-reference.
"""

from __future__ import annotations

import json

from iapgen.spec import pinned
from iapgen.spec.validate import Exposure


def service_annotations(exposure: Exposure) -> dict[str, str]:
    """The three GKE annotations of one service's Service."""
    service = exposure.service
    port_name = exposure.port_name
    return {
        "cloud.google.com/app-protocols": json.dumps({port_name: service.protocol}, separators=(",", ":")),
        "cloud.google.com/neg": json.dumps({"ingress": True}, separators=(",", ":")),
        "cloud.google.com/backend-config": json.dumps(
            {"default": pinned.backend_config(service)}, separators=(",", ":")),
    }
