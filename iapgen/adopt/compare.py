"""What adoption changes: the live objects against what the generated spec renders, field by field; what
would force a replacement; and the bulk-import file that hands the live objects to the stack.

Immutable fields and what to do instead: docs/gke-behaviour.md#adoption-immutable-fields.
"""

from __future__ import annotations

import ipaddress
import json
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from iapgen.adopt.discover import domains, ephemeral_ip
from iapgen.adopt.specgen import Entry
from iapgen.lint.checks.objects import (
    APP_PROTOCOLS,
    BACKEND_CONFIG,
    FRONTEND_CONFIG,
    MANAGED_CERTS,
    NEG,
    as_dict,
    as_list,
    parsed,
)
from iapgen.lint.manifests import Obj
from iapgen.render.offline import Registration
from iapgen.spec.rules import GCE_NAME

STATIC_IP = "kubernetes.io/ingress.global-static-ip-name"
GLOBAL_ADDRESS = "gcp:compute/globalAddress:GlobalAddress"
Key = tuple[str, str, str]


@dataclass
class ObjectChange:
    """One rendered object and what adopting it changes."""

    ref: str
    adopted: bool  # the object exists live and is imported; else it is created
    changes: list[str] = field(default_factory=list)


@dataclass
class Comparison:
    objects: list[ObjectChange] = field(default_factory=list)
    replacements: list[str] = field(default_factory=list)  # loud: what would replace or move what users reach
    before: list[str] = field(default_factory=list)  # commands to run before pulumi import


def compare(live: dict[Key, Obj], rendered: list[dict[str, Any]], entries: list[Entry], env: str) -> Comparison:
    result = Comparison()
    kept_ip = {e.app.service.namespace for e in entries if e.values.get("names", {}).get("staticIp")}
    for obj in rendered:
        meta = obj["metadata"]
        key = (obj["kind"], meta.get("namespace", "default"), meta["name"])
        found = live.get(key)
        ref = f"{obj['kind']} {key[1]}/{key[2]}"
        change = ObjectChange(ref, found is not None)
        if found is not None:
            differ = DIFFERS.get(obj["kind"])
            change.changes = differ(found, obj, result) if differ else []
        elif obj["kind"] == "ManagedCertificate" and key[1] in kept_ip:
            hosts = ", ".join(obj["spec"]["domains"])
            result.replacements.append(
                f"{ref} is new: HTTPS for {hosts} fails until it is Active (DNS already points at the load balancer; "
                "provisioning takes up to an hour). Instead: first add it beside the live certificate (kubectl apply "
                "it and list both in the live Ingress's networking.gke.io/managed-certificates), wait for Active, "
                "then adopt")
        result.objects.append(change)
    for entry in entries:
        _addresses(entry, result, env)
    result.replacements = list(dict.fromkeys(result.replacements))
    result.before = list(dict.fromkeys(result.before))
    return result


def _addresses(entry: Entry, result: Comparison, env: str) -> None:
    ingress = entry.kept_ingress
    pinned = entry.values.get("names", {}).get("staticIp")
    hosts = entry.values.get("host", f"the host of {entry.name}")
    if ingress is not None and pinned and pinned != ingress.annotations.get(STATIC_IP):
        address = ephemeral_ip(ingress)
        if not _is_ip(address) or not GCE_NAME.fullmatch(str(pinned)):
            result.replacements.append(
                f"Ingress {ingress.namespace}/{ingress.name} reports the address {address!r}, which is not an IP "
                "address: no command is written for it. Read the address with kubectl get ingress "
                f"{ingress.name} -n {ingress.namespace} and reserve it by hand (gcloud compute addresses create NAME "
                "--global --addresses=IP) before adopting, so DNS keeps pointing at it")
            return
        result.before.append(f"gcloud compute addresses create {shlex.quote(str(pinned))} --global "
                             f"--addresses={shlex.quote(str(address))}")
        result.replacements.append(
            f"Ingress {ingress.namespace}/{ingress.name} uses the ephemeral address {address}, which changes when the "
            f"Ingress is recreated: reserve it as {pinned} before adopting (the command under 'Before you import'), "
            "so DNS keeps pointing at it")
    elif not pinned:
        result.replacements.append(
            f"{entry.name}: a new static IP is reserved and the hosts move to it ({hosts}): DNS must change and a new "
            "certificate provisions only after it has. Instead: if the app has an address today, reserve it with "
            "gcloud compute addresses create NAME --global --addresses=IP and set names.staticIp: NAME")


def _is_ip(value: object) -> bool:
    try:
        ipaddress.ip_address(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def _service(live: Obj, rendered: dict[str, Any], result: Comparison) -> list[str]:
    changes: list[str] = []
    new_notes = rendered["metadata"].get("annotations", {})
    old = parsed(live, APP_PROTOCOLS) or {}
    new = json.loads(new_notes[APP_PROTOCOLS])
    for key in sorted(set(old) - set(new)):
        for new_key in sorted(set(new) - set(old)):
            changes.append(f"app-protocols key {key} -> {new_key}")
    for key in sorted(set(old) & set(new)):
        if old[key] != new[key]:
            changes.append(f"app-protocols {key} {old[key]} -> {new[key]}")
    if not old:
        changes.append(f"app-protocols unset -> {new_notes[APP_PROTOCOLS]}")
    for annotation, label in ((NEG, "neg"), (BACKEND_CONFIG, "backend-config")):
        before, after = parsed(live, annotation), json.loads(new_notes[annotation])
        if before != after:
            changes.append(f"{label} {_flat(before)} -> {_flat(after)}")
    old_type = live.spec.get("type", "ClusterIP")
    if old_type != "ClusterIP":
        changes.append(f"type {old_type} -> ClusterIP")
        if old_type == "LoadBalancer":
            result.replacements.append(f"{live.ref} is type LoadBalancer: adoption makes it ClusterIP, which deletes "
                                       "its own network load balancer and address; move its clients first")
    if live.spec.get("selector") != rendered["spec"]["selector"]:
        changes.append(f"selector {_flat(live.spec.get('selector'))} -> {_flat(rendered['spec']['selector'])}")
    port = rendered["spec"]["ports"][0]
    old_ports = [p for p in as_list(live.spec.get("ports")) if isinstance(p, dict)]
    match = next((p for p in old_ports if p.get("port") == port["port"]), None)
    for p in old_ports:
        if p is not match:
            changes.append(f"port {p.get('port')} removed")
    if match is not None:
        for key in ("name", "targetPort"):
            if match.get(key, match.get("port") if key == "targetPort" else None) != port[key]:
                changes.append(f"port {port['port']} {key} {match.get(key, 'unset')} -> {port[key]}")
    return changes


def _backend_config(live: Obj, rendered: dict[str, Any], result: Comparison) -> list[str]:
    changes = []
    old_hc, new_hc = as_dict(live.spec.get("healthCheck")), rendered["spec"]["healthCheck"]
    for key, label in (("port", "port"), ("type", "type"), ("requestPath", "path"), ("checkIntervalSec", "interval"),
                       ("timeoutSec", "timeout"), ("healthyThreshold", "healthy threshold"),
                       ("unhealthyThreshold", "unhealthy threshold")):
        if old_hc.get(key) != new_hc.get(key):
            changes.append(f"health check {label} {old_hc.get(key, 'unset')} -> {new_hc.get(key)}")
    old_iap = as_dict(live.spec.get("iap")).get("enabled", False)
    if old_iap != rendered["spec"]["iap"]["enabled"]:
        changes.append(f"iap {'on' if old_iap else 'off'} -> {'on' if rendered['spec']['iap']['enabled'] else 'off'}")
    for key in sorted(set(live.spec) - set(rendered["spec"])):
        changes.append(f"{key} not rendered (the spec cannot express it; see the notes below)")
    if live.data.get("apiVersion") != rendered["apiVersion"]:
        changes.append(f"apiVersion {live.data.get('apiVersion')} -> {rendered['apiVersion']}")
    return changes


def _ingress(live: Obj, rendered: dict[str, Any], result: Comparison) -> list[str]:
    changes = []
    notes = rendered["metadata"]["annotations"]
    for key in (STATIC_IP, MANAGED_CERTS, FRONTEND_CONFIG, "kubernetes.io/ingress.class"):
        before = live.annotations.get(key)
        if before != notes.get(key):
            changes.append(f"{key.rsplit('/', 1)[-1]} {before or 'unset'} -> {notes.get(key)}")
    old_hosts = {str(r.get("host")) for r in as_list(live.spec.get("rules")) if isinstance(r, dict)}
    new_hosts = {r["host"] for r in rendered["spec"]["rules"]}
    for host in sorted(old_hosts - new_hosts):
        changes.append(f"host {host} removed")
        result.replacements.append(f"{live.ref} stops routing host {host}: adopt its service too, or keep that "
                                   "host on another Ingress before adopting")
    for host in sorted(new_hosts - old_hosts):
        changes.append(f"host {host} added")
    if live.spec.get("tls"):
        changes.append("spec.tls removed (certificates come from ManagedCertificates)")
    return changes


def _certificate(live: Obj, rendered: dict[str, Any], result: Comparison) -> list[str]:
    before, after = domains(live), rendered["spec"]["domains"]
    if before == after:
        return []
    result.replacements.append(
        f"{live.ref} domains {', '.join(before)} -> {', '.join(after)}: GKE provisions a new certificate for the new "
        "domain list, and HTTPS for those hosts fails until it is Active. Instead: create the per-host certificates "
        "first beside it (kubectl apply, list them in the live Ingress, wait for Active), then adopt")
    return [f"domains {', '.join(before)} -> {', '.join(after)} (re-provisions)"]


def _flat(value: Any) -> str:
    return "unset" if value is None else json.dumps(value, separators=(",", ":"), sort_keys=True)


DIFFERS = {"Service": _service, "BackendConfig": _backend_config, "Ingress": _ingress,
           "ManagedCertificate": _certificate}


def import_file(resources: Iterable[Registration], live: dict[Key, Obj], project: str,
                addresses: set[str]) -> dict[str, Any]:
    """`pulumi import --file` input: every rendered resource that exists live, with the components above it."""
    registrations = list(resources)
    by_name = {r.name: r for r in registrations}
    imported: list[dict[str, Any]] = []
    for r in registrations:
        if not r.custom:
            continue
        resource_id = _live_id(r, live, project, addresses)
        if resource_id is not None:
            imported.append({"type": r.type, "name": r.name, "id": resource_id,
                             **({"parent": r.parent} if r.parent in by_name else {})})
    components: list[dict[str, Any]] = []
    wanted = [item.get("parent") for item in imported]
    seen: set[str] = set()
    while wanted:
        name = wanted.pop()
        if not name or name in seen or name not in by_name or by_name[name].custom:
            continue
        seen.add(name)
        parent = by_name[name].parent
        components.append({"type": by_name[name].type, "name": name, "component": True,
                           **({"parent": parent} if parent in by_name else {})})
        wanted.append(parent)
    return {"resources": sorted(components, key=lambda c: c["name"]) + sorted(imported, key=lambda c: c["name"])}


def _live_id(r: Registration, live: dict[Key, Obj], project: str, addresses: set[str]) -> str | None:
    if r.type == GLOBAL_ADDRESS:
        return f"projects/{project}/global/addresses/{r.inputs['name']}" if r.inputs.get("name") in addresses else None
    if not r.type.startswith("kubernetes:"):
        return None
    meta = r.inputs.get("metadata") or {}
    key = (str(r.inputs.get("kind")), str(meta.get("namespace", "default")), str(meta.get("name")))
    return f"{key[1]}/{key[2]}" if key in live else None
