"""Rules for any kind: GKE annotations on objects that do not read them, APIs no longer served."""

from __future__ import annotations

from iapgen.examplekit import ingress
from iapgen.lint.checks.context import (
    Context,
    Report,
)
from iapgen.lint.checks.objects import (
    APP_PROTOCOLS,
    BACKEND_CONFIG,
    BETA_BACKEND_CONFIG,
    LEGACY_APP_PROTOCOLS,
    NEG,
)
from iapgen.lint.manifests import Obj
from iapgen.spec.rulebook import WARNING, Example, Rule

SERVICE_ONLY = (APP_PROTOCOLS, LEGACY_APP_PROTOCOLS, NEG, BACKEND_CONFIG, BETA_BACKEND_CONFIG)
# (apiVersion, kind) -> (Kubernetes release that stopped serving it, what to use instead)
REMOVED_APIS = {
    **{("extensions/v1beta1", k): ("1.16", "apps/v1") for k in ("Deployment", "DaemonSet", "ReplicaSet")},
    **{("apps/v1beta1", k): ("1.16", "apps/v1") for k in ("Deployment", "StatefulSet")},
    **{("apps/v1beta2", k): ("1.16", "apps/v1") for k in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")},
    ("extensions/v1beta1", "Ingress"): ("1.22", "networking.k8s.io/v1 (backend.service.name/port)"),
    ("networking.k8s.io/v1beta1", "Ingress"): ("1.22", "networking.k8s.io/v1 (backend.service.name/port)"),
    ("extensions/v1beta1", "NetworkPolicy"): ("1.16", "networking.k8s.io/v1"),
    ("batch/v1beta1", "CronJob"): ("1.25", "batch/v1"),
}


ANNOTATION_IGNORED = Rule(
    "ANNOTATION_IGNORED", "A GKE annotation on an object GKE does not read it from.",
    source="gke-behaviour.md#app-protocol-field-ignored-by-ingress, gke-behaviour.md#backend-config-annotation",
    severity=WARNING,
    why="GKE reads each annotation from one kind of object only; elsewhere it silently does nothing.",
    fix="Move the annotation to the object GKE reads it from (the Service for app-protocols and backend-config).",
    examples=[Example(
        "manifest", ingress(annotations="    cloud.google.com/app-protocols: '{\"https\": \"HTTPS\"}'\n"),
        ingress())])

API_REMOVED = Rule(
    "API_REMOVED", "The object uses an API version current GKE no longer serves.",
    source="gke-behaviour.md#removed-api-versions", severity=WARNING,
    why="The API server refuses objects of an API version it no longer serves.",
    fix="Use the served apiVersion the finding names, and that version's field layout.",
    examples=[Example("manifest", ingress().replace("networking.k8s.io/v1", "networking.k8s.io/v1beta1").replace(
        "service: {name: web, port: {number: 443}}", "{serviceName: web, servicePort: 443}"), ingress())])


def lint_any(ctx: Context, obj: Obj, report: Report) -> None:
    if obj.kind != "Service":
        for key in SERVICE_ONLY:
            if key in obj.annotations:
                report.add(obj, ("metadata", "annotations", key), ANNOTATION_IGNORED,
                           f"{key} is read from Services only; on a {obj.kind} it has no effect: move it to the "
                           "Service the load balancer targets")
    elif "networking.gke.io/app-protocols" in obj.annotations and APP_PROTOCOLS not in obj.annotations:
        report.add(obj, ("metadata", "annotations", "networking.gke.io/app-protocols"), ANNOTATION_IGNORED,
                   "networking.gke.io/app-protocols is the MultiClusterService key; GKE Ingress reads "
                   f"{APP_PROTOCOLS} and GKE Gateway reads spec.ports[].appProtocol, so the backend speaks HTTP")
    version = str(obj.data.get("apiVersion", ""))
    removed = REMOVED_APIS.get((version, obj.kind))
    if removed:
        report.add(obj, ("apiVersion",), API_REMOVED, f"{version} {obj.kind} is not served since Kubernetes "
                   f"{removed[0]}, so applying it fails on every current GKE version; use {removed[1]}")
