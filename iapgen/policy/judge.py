"""Pulumi resources judged by the lint rules: the policy pack's engine, without Pulumi.

A Pulumi program's resources arrive as (type token, name, properties): Kubernetes resources typed
`kubernetes:<group>/<version>:<Kind>` whatever created them (a typed resource, a `CustomResource`, or
`ConfigFile`/`ConfigGroup` from YAML), with the object itself as properties (camelCase, as the engine passes
them); pulumi-gcp resources with their inputs. Each Kubernetes resource becomes the manifest it applies, and
each pulumi-gcp resource the object `iapgen lint` reads from plan.json, all in one document whose "line" N is
the N-th resource: the lint checks, and their cross-object context, run on them unchanged.

Values unknown during preview (the outputs of resources not created yet) never produce a finding. They are
held by `Unknown` markers in mappings and lists that count every unknown value a check reads (and every use of
a marker). A finding is kept only when no unknown value had been read when it was reported: up to that moment
the checks saw known values only, so the same finding follows whatever the unknown values turn out to be.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, SupportsIndex

from iapgen.lint import checks
from iapgen.lint.checks.context import Report
from iapgen.lint.manifests import Obj, plan_object
from iapgen.spec.rulebook import Rule
from iapgen.spec.yamlsource import Document

# Kubernetes type tokens of components, not objects: their children are registered as resources of their own.
K8S_COMPONENTS = ("yaml", "yaml/v2", "helm.sh/v3", "helm.sh/v4", "kustomize", "kustomize/v2")


class Reads:
    """How many unknown values the checks of one judgement have read so far."""

    def __init__(self) -> None:
        self.unknown = 0


UNKNOWN: Any = type("UnknownDuringPreview", (), {"__repr__": lambda self: "<unknown during preview>"})()
"""What a converter puts where Pulumi sends a value it does not know yet (`track` turns it into an Unknown)."""


class Unknown:
    """A value Pulumi does not know yet. Reading one, comparing, hashing or printing it marks the judgement."""

    __slots__ = ("reads",)

    def __init__(self, reads: Reads):
        self.reads = reads

    def _used(self) -> None:
        self.reads.unknown += 1

    def __eq__(self, other: object) -> bool:
        self._used()
        return False

    def __ne__(self, other: object) -> bool:
        self._used()
        return True

    def __hash__(self) -> int:
        self._used()
        return 0

    def __bool__(self) -> bool:
        self._used()
        return True

    def __str__(self) -> str:
        self._used()
        return "(unknown during preview)"

    __repr__ = __str__


def _seen(reads: Reads, value: Any) -> Any:
    if isinstance(value, Unknown):
        reads.unknown += 1
    return value


class KnownDict(dict[str, Any]):
    """A mapping that counts the unknown values read from it (overriding __iter__ also sends `{**d}` and
    `dict(d)` through __getitem__)."""

    def __init__(self, reads: Reads, items: Any = ()):
        super().__init__(items)
        self.reads = reads

    def __getitem__(self, key: str) -> Any:
        return _seen(self.reads, super().__getitem__(key))

    def get(self, key: str, default: Any = None) -> Any:
        return _seen(self.reads, super().get(key, default))

    def items(self) -> list[tuple[str, Any]]:  # type: ignore[override]
        return [(key, _seen(self.reads, value)) for key, value in super().items()]

    def values(self) -> list[Any]:  # type: ignore[override]
        return [_seen(self.reads, value) for value in super().values()]

    def __iter__(self) -> Iterator[str]:
        return super().__iter__()

    def pop(self, key: str, *default: Any) -> Any:
        return _seen(self.reads, super().pop(key, *default))

    def setdefault(self, key: str, default: Any = None) -> Any:
        return _seen(self.reads, super().setdefault(key, default))

    def copy(self) -> KnownDict:
        return KnownDict(self.reads, super().items())

    def __eq__(self, other: object) -> bool:
        if any(isinstance(value, Unknown) for value in super().values()):
            self.reads.unknown += 1
        return super().__eq__(other)

    __hash__ = None


class KnownList(list[Any]):
    """A list that counts the unknown values read from it."""

    def __init__(self, reads: Reads, items: Any = ()):
        super().__init__(items)
        self.reads = reads

    def __getitem__(self, index: SupportsIndex | slice) -> Any:
        if isinstance(index, slice):
            return KnownList(self.reads, super().__getitem__(index))
        return _seen(self.reads, super().__getitem__(index))

    def __iter__(self) -> Iterator[Any]:
        for value in super().__iter__():
            yield _seen(self.reads, value)

    def __eq__(self, other: object) -> bool:
        if any(isinstance(value, Unknown) for value in super().__iter__()):
            self.reads.unknown += 1
        return super().__eq__(other)

    __hash__ = None


def track(value: Any, reads: Reads) -> Any:
    """Plain data (UNKNOWN where a value is not known) as KnownDicts, KnownLists and Unknowns."""
    if value is UNKNOWN:
        return Unknown(reads)
    if isinstance(value, dict):
        return KnownDict(reads, ((str(k), track(v, reads)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return KnownList(reads, (track(v, reads) for v in value))
    return value


@dataclass(frozen=True)
class Resource:
    """One resource of a Pulumi program: its type token, name, properties (plain data, UNKNOWN where a value is
    not known yet) and URN."""

    type: str
    name: str
    props: Any
    urn: str = ""


def api_version_kind(type_token: str) -> tuple[str, str] | None:
    """("apps/v1", "Deployment") for kubernetes:apps/v1:Deployment; None for components, lists, patches and
    other providers' types."""
    provider, _, rest = type_token.partition(":")
    group_version, _, kind = rest.rpartition(":")
    if provider != "kubernetes" or not group_version or group_version in K8S_COMPONENTS:
        return None
    if kind.endswith(("List", "Patch")):  # a Patch is partial: the object it patches is not in the program
        return None
    return ("v1" if group_version == "core/v1" else group_version), kind


def _manifest(resource_name: str, props: Any, api_kind: tuple[str, str]) -> Any:
    """The object a Kubernetes resource applies: its properties, with the apiVersion and kind of its type and
    (when the program lets Pulumi name it) its Pulumi name as metadata.name."""
    manifest = props.copy() if isinstance(props, KnownDict) else KnownDict(Reads())
    if "apiVersion" not in manifest:
        manifest["apiVersion"] = api_kind[0]
    if "kind" not in manifest:
        manifest["kind"] = api_kind[1]
    meta = dict.get(manifest, "metadata")
    if isinstance(meta, KnownDict) and "name" not in meta:
        meta = meta.copy()
        meta["name"] = resource_name
        manifest["metadata"] = meta
    elif "metadata" not in manifest:
        manifest["metadata"] = KnownDict(manifest.reads, {"name": resource_name})
    return manifest


def objects(resources: list[Resource], reads: Reads, file: str = "<pulumi stack>") -> list[Obj]:
    """The lint objects of a program's resources (resources of other types are left out)."""
    entries = KnownList(reads, (KnownDict(reads, {"type": r.type, "name": r.name, "inputs": track(r.props, reads)})
                                for r in resources))
    document = Document(file, entries, {(index,): index + 1 for index in range(len(resources))})
    found = []
    for index, entry in enumerate(list.__iter__(entries)):
        api_kind = api_version_kind(entry["type"])
        inputs = dict.get(entry, "inputs")
        if api_kind is not None and isinstance(inputs, KnownDict):
            found.append(Obj(document, (index, "inputs"), _manifest(entry["name"], inputs, api_kind)))
        elif not api_kind:
            obj = plan_object(document, index, entry)
            if obj is not None:
                found.append(obj)
    return found


@dataclass(frozen=True)
class Verdict:
    """A finding on one resource (its index among those judged); `certain` when no unknown value had been read
    when it was reported."""

    rule: str
    severity: str
    subject: str
    message: str
    resource: int
    certain: bool

    def text(self) -> str:
        return f"{self.rule}: {self.subject}: {self.message}" if self.subject else f"{self.rule}: {self.message}"


@dataclass
class _Judgement(Report):
    """A lint report that notes which findings were made after an unknown value had been read."""

    reads: Reads = field(default_factory=Reads)
    uncertain: set[int] = field(default_factory=set)

    def add(self, obj: Obj, loc: tuple[Any, ...], rule: Rule, message: str, severity: str | None = None) -> None:
        super().add(obj, loc, rule, message, severity)
        if self.reads.unknown:
            self.uncertain.add(len(self.findings) - 1)


def judge(resources: list[Resource]) -> list[Verdict]:
    """Every lint finding on the resources, judged together (one resource alone for a resource policy)."""
    reads = Reads()
    report = _Judgement(reads=reads)
    checks.run(objects(resources, reads), report=report)
    return [Verdict(f.rule, f.severity, _subject(f.field), f.message, (f.line or 1) - 1, i not in report.uncertain)
            for i, f in enumerate(report.findings)]


def _subject(ref: str) -> str:
    """Lint's "Kind namespace/name", with a pulumi-gcp type token as its kind and a project when the resource
    names one ("gcp:compute/healthCheck:HealthCheck ?/web"), as "HealthCheck web" or "HealthCheck acme/web"."""
    kind, _, rest = ref.partition(" ")
    if not kind.startswith("gcp:"):
        return ref
    return f"{kind.rsplit(':', 1)[-1]} {rest.removeprefix('?/')}"
