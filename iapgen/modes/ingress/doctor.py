"""`iapgen doctor` for an Ingress-mode service: the Service's three GKE annotations, then the NEG checks every
NEG-backed mode shares (iapgen/operations/doctorkit.py)."""

from __future__ import annotations

from iapgen.operations.doctorkit import Check, Expected, Tools, neg_service
from iapgen.spec.annotations import service_annotations
from iapgen.spec.exposure import Exposure


def diagnose(tools: Tools, exposure: Exposure) -> list[Check]:
    return neg_service(tools, exposure, Expected(
        service_annotations(exposure), "app-protocols, neg and backend-config as iapgen renders them"))
