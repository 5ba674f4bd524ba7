"""`iapgen doctor` for a standalone-mode service: the Service's one `exposed_ports` annotation, the NEG by the name
iapgen chose in every zone the spec lists, and the backend service and health check of that name."""

from __future__ import annotations

from iapgen.modes.standalone.views import zones
from iapgen.operations.doctorkit import Check, Expected, Tools, neg_service
from iapgen.spec.annotations import standalone_service_annotations
from iapgen.spec.exposure import Exposure


def diagnose(tools: Tools, exposure: Exposure) -> list[Check]:
    return neg_service(tools, exposure, Expected(
        standalone_service_annotations(exposure),
        f"neg exposes port {exposure.service.port} as NEG {exposure.neg_name}, as iapgen renders it",
        neg=exposure.neg_name, zones=zones(exposure),
        logging_fix="run pulumi refresh and pulumi up: the stack declares it on"))
