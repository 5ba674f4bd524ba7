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
from iapgen.spec.rulebook import Rule

MAX_HINT_COMPARISONS = 20_000  # name comparisons for "did you mean" hints per run
MAX_INDEXED_NAME = 63  # names up to a DNS label's length are indexed for one-edit hints
FREE_ONE_EDIT = 16  # one-edit candidates compared without drawing on the budget


class Context:
    """Every object linted together, indexed for cross-object rules.

    A reference resolves to the object in the referrer's own file when there is one, else to
    the first in the inputs: linting many unrelated files at once (often all in `default`)
    must not pair one project's Ingress with another project's Service of the same name. An
    object without a namespace may share anyone's (it lands in the kubectl context's).
    Reverse references (who routes to this Service, who uses this BackendConfig) are resolved
    once, with the same rules, so linting stays linear in the number of objects. Selectors are
    resolved once per distinct (namespace, selector, file) through a label index, and "did you
    mean" hints spend at most MAX_HINT_COMPARISONS name comparisons in all: a thousand Services
    sharing one selector, or a thousand near-miss names, cost about four times what 250 do.
    """

    def __init__(self, objects: list[Obj]):
        self.objects = objects
        self.by_kind: dict[str, list[Obj]] = defaultdict(list)
        self.by_key: dict[tuple[str, str, str], list[Obj]] = defaultdict(list)
        self.by_name: dict[tuple[str, str], list[Obj]] = defaultdict(list)
        self.by_namespace: dict[tuple[str, str], list[Obj]] = defaultdict(list)
        self.unset: dict[str, list[Obj]] = defaultdict(list)
        self.by_file: dict[tuple[str, str], list[Obj]] = defaultdict(list)
        self.by_namespace_file: dict[tuple[str, str, str], list[Obj]] = defaultdict(list)
        for obj in objects:
            self.by_file[(obj.kind, obj.file)].append(obj)
            self.by_namespace_file[(obj.kind, obj.namespace, obj.file)].append(obj)
            self.by_kind[obj.kind].append(obj)
            self.by_key[(obj.kind, obj.namespace, obj.name)].append(obj)
            self.by_name[(obj.kind, obj.name)].append(obj)
            self.by_namespace[(obj.kind, obj.namespace)].append(obj)
            if not obj.namespace_set:
                self.unset[obj.kind].append(obj)
        self._backends: dict[int, list[tuple[Obj, tuple[Any, ...], dict[str, Any]]]] | None = None
        self._users: dict[int, list[tuple[Obj, ServicePort]]] | None = None
        self._selections: dict[Any, Selection] = {}  # by selection key: Services sharing one selector
        self._of_service: dict[int, Selection] = {}
        self._selecting: dict[int, list[Selection]] | None = None
        self._labels: dict[str, dict[Any, list[Labelled]]] | None = None
        self.schemas = True  # validate custom resources against their CRD schemas
        self.hint_budget = MAX_HINT_COMPARISONS
        self.hints_skipped = 0
        self.memo: dict[Any, Any] = {}  # per-run caches of linters, keyed by (linter, object id)
        self._indexes: dict[str, Any] = {}  # indexes other check modules build once per run (index())

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
        """A near-miss name in the namespace, from the referrer's own file first.

        Names one edit away are found through an index of their one-letter deletions. Beyond that,
        difflib's ratio reaches 0.8 only when the shorter name has 2/3 of the longer's length, so
        other lengths are never compared, and the comparisons draw on a budget shared by the whole
        run; once it is spent, hints are skipped (`hints_skipped` counts them, lint says so).
        """
        one_edit = self._one_edit(kind, namespace, name)
        # A few names one letter off are compared for free; many (names that differ in one position
        # only) draw on the budget like any other search.
        found: list[str] | None = (_closest_one_edit(name, one_edit)
                                   if len(one_edit) <= FREE_ONE_EDIT else self._budgeted(name, one_edit))
        if found == []:
            by_length = self._names_by_length(kind, namespace)
            size = len(name)
            found = self._budgeted(name, [other for length in by_length
                                          if 3 * min(size, length) >= 2 * max(size, length)
                                          for other in by_length[length]])
        if found is None:
            self.hints_skipped += 1
        if not found:
            return None
        same_name = self.by_key[(kind, namespace, found[0])]
        return next((o for o in same_name if o.file == near.file), same_name[0])

    def _budgeted(self, name: str, names: list[str]) -> list[str] | None:
        """The closest of `names`, if the run's comparison budget covers them all; None when it does not."""
        if len(names) > self.hint_budget:
            self.hint_budget = 0
            return None
        self.hint_budget -= len(names)
        return _closest_one_edit(name, names) if names else []

    def _names_by_length(self, kind: str, namespace: str) -> dict[int, list[str]]:
        found = self.memo.get(("lengths", kind, namespace))
        if found is None:
            found = self.memo[("lengths", kind, namespace)] = defaultdict(list)
            for other in dict.fromkeys(o.name for o in self.by_namespace.get((kind, namespace), [])):
                found[len(other)].append(other)
        return found

    def _one_edit(self, kind: str, namespace: str, name: str) -> list[str]:
        """Names of `kind` in `namespace` one insertion, deletion or substitution away from `name`."""
        index = self.memo.get(("deletions", kind, namespace))
        if index is None:
            index = self.memo[("deletions", kind, namespace)] = defaultdict(set)
            for obj in self.by_namespace.get((kind, namespace), []):
                if len(obj.name) <= MAX_INDEXED_NAME:
                    for variant in _deletions(obj.name):
                        index[variant].add(obj.name)
        if len(name) > MAX_INDEXED_NAME:
            return []
        return sorted({found for variant in _deletions(name) for found in index.get(variant, ())})

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

    def index(self, key: str, compute: Callable[[Context], Any]) -> Any:
        """An index another module builds once per run (e.g. which GCPBackendPolicies target which Service)."""
        if key not in self._indexes:
            self._indexes[key] = compute(self)
        return self._indexes[key]

    def workloads_for(self, service: Obj) -> list[Workload]:
        """(workload, pod spec, location of the pod spec) of workloads the Service selects; computed once
        per distinct selection (named ports, health-check ports and listen addresses all ask)."""
        return self.selection(service).workloads

    def selection(self, service: Obj) -> Selection:
        """The Services that select exactly as `service` does (same selector, namespace and file), and
        what they select."""
        found = self._of_service.get(id(service))
        if found is None:
            key = _selection_key(service)
            found = self._selections.get(key) if key is not None else None
            if found is None:
                found = Selection(self._select(service))
                if key is not None:
                    self._selections[key] = found
            found.services.append(service)
            self._of_service[id(service)] = found
        return found

    def selecting(self, workload: Obj) -> list[Selection]:
        """The selections (groups of Services) whose workloads include `workload`."""
        if self._selecting is None:
            self._selecting = defaultdict(list)
            seen: set[int] = set()
            for service in self.by_kind.get("Service", []):
                group = self.selection(service)
                if id(group) not in seen:
                    seen.add(id(group))
                    for selected, _, _ in group.workloads:
                        self._selecting[id(selected)].append(group)
        return self._selecting.get(id(workload), [])

    def declared_ports(self, svc: Obj) -> tuple[bool, set[int | None]]:
        """(whether the Service's own file holds workloads it selects, the containerPorts they declare):
        across files, same-labelled Pods are as likely another app's. Computed once per selection and file."""
        return self.selection(svc).ports_in_file(svc.file)

    def named_port(self, svc: Obj, name: int | str | None) -> int | None:
        """The containerPort a named targetPort resolves to in the workloads the Service selects."""
        if not isinstance(name, str):
            return None
        return self.selection(svc).named_ports().get(name)

    def _select(self, service: Obj) -> list[Workload]:
        selector = service.spec.get("selector")
        if not isinstance(selector, dict) or not selector:
            return []
        index = self._label_index()
        found = []
        for kind in WORKLOAD_KINDS:
            try:  # the shortest list of workloads carrying one of the selector's labels
                pool = min((index[kind].get(pair, []) for pair in selector.items()), key=len)
            except TypeError:  # an unhashable label value: no workload carries it
                continue
            matching = [w for w in pool if all(w[3].get(k) == v for k, v in selector.items())]
            if service.namespace_set:  # the order peers() gives: own namespace, then namespace-less
                matching = ([w for w in matching if w[0].namespace == service.namespace]
                            + [w for w in matching if not w[0].namespace_set and w[0].namespace != service.namespace])
            found += [(w[0], w[1], w[2]) for w in matching]
        same_file = [w for w in found if w[0].file == service.file]
        return same_file or found

    def _label_index(self) -> dict[str, dict[Any, list[Labelled]]]:
        if self._labels is None:
            self._labels = {}
            for kind in WORKLOAD_KINDS:
                index: dict[Any, list[Labelled]] = defaultdict(list)
                for workload in self.by_kind.get(kind, []):
                    labels, pod, loc = pod_template(workload)
                    if pod is None:
                        continue
                    for pair in labels.items():
                        try:
                            index[pair].append((workload, pod, loc, labels))
                        except TypeError:
                            continue  # unhashable: no selector can name it
                self._labels[kind] = index
        return self._labels


Workload = tuple[Obj, dict[str, Any], tuple[Any, ...]]
Labelled = tuple[Obj, dict[str, Any], tuple[Any, ...], dict[str, Any]]  # a Workload and its Pod labels


@dataclass(eq=False)
class Selection:
    """Workloads some Services select, with what every linter asks of them, computed once."""

    workloads: list[Workload]
    services: list[Obj] = field(default_factory=list)
    _named: dict[str, int] | None = None
    _answers: dict[Any, Any] = field(default_factory=dict)

    def named_ports(self) -> dict[str, int]:
        if self._named is None:
            self._named = {}
            for _, pod, _ in self.workloads:
                for port in pod_ports(pod):
                    name = port.get("name")
                    if isinstance(name, str) and as_int(port.get("containerPort")):
                        self._named.setdefault(name, int(port["containerPort"]))
        return self._named

    def without_port(self, number: int) -> list[tuple[Obj, set[int | None]]]:
        """(workload, its declared containerPorts) for those that declare ports but not `number`."""
        return self._memo(("port", number), lambda: [
            (w, declared) for w, pod, _ in self.workloads
            for declared in [{as_int(p.get("containerPort")) for p in pod_ports(pod)} - {None}]
            if declared and number not in declared])

    def without_name(self, name: str) -> list[tuple[Obj, set[Any]]]:
        """(workload, its port names) for those with no containerPort named `name`."""
        return self._memo(("name", name), lambda: [
            (w, names) for w, pod, _ in self.workloads
            for names in [{p.get("name") for p in pod_ports(pod)}] if name not in names])

    def ports_in_file(self, file: str) -> tuple[bool, set[int | None]]:
        """(whether any selected workload is in `file`, the containerPorts those declare)."""
        return self._memo(("file", file), lambda: (
            any(w.file == file for w, _, _ in self.workloads),
            {as_int(p.get("containerPort")) for w, pod, _ in self.workloads if w.file == file
             for p in pod_ports(pod)} - {None}))

    def _memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        if key not in self._answers:
            self._answers[key] = compute()
        return self._answers[key]


def _closest_one_edit(name: str, names: list[str]) -> list[str]:
    """The closest of names one deletion apart from `name`: by difflib's ratio (0.8 at least), or two swapped
    neighbouring letters (`wbe` for `web`), which short names fall below that ratio for."""
    found = difflib.get_close_matches(name, names, n=1, cutoff=0.8)
    return found or [other for other in names if _swapped(name, other)][:1]


def _swapped(a: str, b: str) -> bool:
    if len(a) != len(b) or a == b:
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def _deletions(name: str) -> set[str]:
    return {name} | {name[:i] + name[i + 1:] for i in range(len(name))}


def _selection_key(service: Obj) -> Any:
    """Services with equal keys select the same workloads (None: not shareable)."""
    selector = service.spec.get("selector")
    if not isinstance(selector, dict):
        return None
    items = tuple(sorted((repr(k), repr(v)) for k, v in selector.items()))
    return (service.namespace_set, service.namespace if service.namespace_set else "", service.file, items)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    def add(self, obj: Obj, loc: tuple[Any, ...], rule: Rule, message: str, severity: str | None = None) -> None:
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
