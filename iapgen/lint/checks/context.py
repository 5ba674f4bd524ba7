"""Every object linted together, indexed for cross-object rules, and the report findings go to."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from iapgen.errors import Finding
from iapgen.lint.checks.objects import (
    BACKEND_CONFIG,
    BETA_BACKEND_CONFIG,
    WORKLOAD_KINDS,
    ServicePort,
    as_int,
    backend_config_for,
    ingress_backends,
    is_gke_ingress,
    parsed,
    pod_ports,
    pod_template,
    service_ports,
)
from iapgen.lint.manifests import Obj
from iapgen.spec import rules


class Context:
    """Every object linted together, indexed for cross-object rules.

    A reference resolves to the object in the referrer's own file when there is one, else to
    the first in the inputs: linting many unrelated files at once (often all in `default`)
    must not pair one project's Ingress with another project's Service of the same name. An
    object without a namespace may share anyone's (it lands in the kubectl context's).
    Reverse references (who routes to this Service, who uses this BackendConfig) are resolved
    once, with the same rules, so linting stays linear in the number of objects.
    """

    def __init__(self, objects: list[Obj]):
        self.objects = objects
        self.by_kind: dict[str, list[Obj]] = defaultdict(list)
        self.by_key: dict[tuple[str, str, str], list[Obj]] = defaultdict(list)
        self.by_name: dict[tuple[str, str], list[Obj]] = defaultdict(list)
        self.by_namespace: dict[tuple[str, str], list[Obj]] = defaultdict(list)
        self.unset: dict[str, list[Obj]] = defaultdict(list)
        for obj in objects:
            self.by_kind[obj.kind].append(obj)
            self.by_key[(obj.kind, obj.namespace, obj.name)].append(obj)
            self.by_name[(obj.kind, obj.name)].append(obj)
            self.by_namespace[(obj.kind, obj.namespace)].append(obj)
            if not obj.namespace_set:
                self.unset[obj.kind].append(obj)
        self._backends: dict[int, list[tuple[Obj, tuple[Any, ...], dict[str, Any]]]] | None = None
        self._users: dict[int, list[tuple[Obj, ServicePort]]] | None = None
        self._workloads: dict[int, list[tuple[Obj, dict[str, Any], tuple[Any, ...]]]] = {}
        self._memo: dict[str, Any] = {}

    def find(self, kind: str, namespace: str, name: str, near: Obj) -> Obj | None:
        candidates = self.by_key.get((kind, namespace, name)) or self.unplaced(kind, name, near)
        if not candidates:
            return None
        return next((o for o in candidates if o.file == near.file), candidates[0])

    def unplaced(self, kind: str, name: str, near: Obj) -> list[Obj]:
        """Same-named objects that may share `near`'s namespace because one of them leaves it unset."""
        return [o for o in self.by_name.get((kind, name), []) if not o.namespace_set or not near.namespace_set]

    def peers(self, kind: str, near: Obj) -> list[Obj]:
        """Objects of `kind` that may be in `near`'s namespace."""
        if not near.namespace_set:
            return self.by_kind.get(kind, [])
        same = self.by_namespace.get((kind, near.namespace), [])
        return same + [o for o in self.unset.get(kind, []) if o.namespace != near.namespace]

    # "It is in another namespace" and "did you mean" only draw on the referrer's own file: across
    # files, a same-named object elsewhere is as likely another app's.
    def elsewhere(self, kind: str, namespace: str, name: str, near: Obj) -> list[Obj]:
        return [o for o in self.by_name.get((kind, name), []) if o.namespace != namespace and o.file == near.file]

    def similar(self, kind: str, namespace: str, name: str, near: Obj) -> Obj | None:
        """A near-miss name in the namespace, from the referrer's own file first."""
        candidates = sorted(self.by_namespace.get((kind, namespace), []), key=lambda o: o.file != near.file)
        close = difflib.get_close_matches(name, [o.name for o in candidates], n=1, cutoff=0.8)
        return next(o for o in candidates if o.name == close[0]) if close else None

    def backends_of(self, service: Obj) -> list[tuple[Obj, tuple[Any, ...], dict[str, Any]]]:
        """(ingress, location of the backend, backend.service) for every GKE Ingress path to `service`."""
        if self._backends is None:
            self._backends = defaultdict(list)
            for ingress in self.by_kind.get("Ingress", []):
                if not is_gke_ingress(ingress):
                    continue
                for loc, backend in ingress_backends(ingress):
                    target = self.find("Service", ingress.namespace, str(backend.get("name")), near=ingress)
                    if target is not None:
                        self._backends[id(target)].append((ingress, loc, backend))
        return self._backends.get(id(service), [])

    def services_using(self, config: Obj) -> list[tuple[Obj, ServicePort]]:
        """Services whose backend-config annotation resolves a port to `config`."""
        if self._users is None:
            self._users = defaultdict(list)
            for service in self.by_kind.get("Service", []):
                mapping = parsed(service, BACKEND_CONFIG) or parsed(service, BETA_BACKEND_CONFIG)
                if not isinstance(mapping, dict):
                    continue
                for port in service_ports(service):
                    name = backend_config_for(mapping, port)
                    found = self.find("BackendConfig", service.namespace, name, near=service) if name else None
                    if found is not None:
                        self._users[id(found)].append((service, port))
        return self._users.get(id(config), [])

    def memo(self, key: str, compute: Callable[[Context], Any]) -> Any:
        """An index another module builds once per run (e.g. which GCPBackendPolicies target which Service)."""
        if key not in self._memo:
            self._memo[key] = compute(self)
        return self._memo[key]

    def workloads_for(self, service: Obj) -> list[tuple[Obj, dict[str, Any], tuple[Any, ...]]]:
        """(workload, pod spec, location of the pod spec) of workloads the Service selects; computed once
        per Service (named ports, health-check ports and listen addresses all ask)."""
        if id(service) not in self._workloads:
            self._workloads[id(service)] = self._select(service)
        return self._workloads[id(service)]

    def named_port(self, svc: Obj, name: int | str | None) -> int | None:
        """The containerPort a named targetPort resolves to in the workloads the Service selects."""
        if not isinstance(name, str):
            return None
        for _, pod, _ in self.workloads_for(svc):
            for port in pod_ports(pod):
                if port.get("name") == name and as_int(port.get("containerPort")):
                    return int(port["containerPort"])
        return None

    def _select(self, service: Obj) -> list[tuple[Obj, dict[str, Any], tuple[Any, ...]]]:
        selector = service.spec.get("selector")
        if not isinstance(selector, dict) or not selector:
            return []
        found = []
        for kind in WORKLOAD_KINDS:
            for workload in self.peers(kind, service):
                labels, pod, loc = pod_template(workload)
                if pod is not None and all(labels.get(k) == v for k, v in selector.items()):
                    found.append((workload, pod, loc))
        same_file = [w for w in found if w[0].file == service.file]
        return same_file or found


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    def add(self, obj: Obj, loc: tuple[Any, ...], rule: str, message: str, severity: str | None = None) -> None:
        entry = rules.CATALOGUE[rule]
        self.findings.append(Finding(obj.file, obj.line(*loc), obj.ref, message, rule, severity or entry.severity))


Linter = Callable[[Context, Obj, Report], None]
LINTERS: dict[str, list[Linter]] = defaultdict(list)


def linter(*kinds: str) -> Callable[[Linter], Linter]:
    def register(function: Linter) -> Linter:
        for kind in kinds:
            LINTERS[kind].append(function)
        return function
    return register
