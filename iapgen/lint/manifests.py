"""Kubernetes manifests as `iapgen lint` reads them: anyone's YAML, with lines kept.

Accepts files, folders (recursively: *.yaml, *.yml, *.json), and "-" for standard input;
multi-document YAML; `kind: List` as `kubectl get -o yaml` prints it; and the plan.json of `iapgen render`,
whose pulumi-gcp health checks and backend services are linted too. A file that is
not valid YAML becomes a finding for that file; the other files are still read.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iapgen.errors import Finding, SpecError
from iapgen.spec import yamllimits
from iapgen.spec.filerules import YAML_TOO_LARGE
from iapgen.spec.yamllimits import MAX_BYTES, FileTooLarge
from iapgen.spec.yamlsource import Document, Loc, decode, parse_all, read_text

SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True, eq=False)
class Obj:
    """One Kubernetes object and where it came from (compared by identity; accessors are cached)."""

    doc: Document
    base: Loc
    data: dict[str, Any]

    @property
    def file(self) -> str:
        return self.doc.file

    @functools.cached_property
    def kind(self) -> str:
        return str(self.data.get("kind", ""))

    @functools.cached_property
    def metadata(self) -> dict[str, Any]:
        meta = self.data.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @functools.cached_property
    def name(self) -> str:
        return str(self.metadata.get("name") or self.metadata.get("generateName") or "?")

    @functools.cached_property
    def namespace(self) -> str:
        return str(self.metadata.get("namespace") or "default")

    @functools.cached_property
    def namespace_set(self) -> bool:
        """False when the manifest leaves the namespace to the kubectl context."""
        return bool(self.metadata.get("namespace"))

    @functools.cached_property
    def annotations(self) -> dict[str, Any]:
        notes = self.metadata.get("annotations")
        return notes if isinstance(notes, dict) else {}

    @functools.cached_property
    def spec(self) -> dict[str, Any]:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}

    @functools.cached_property
    def ref(self) -> str:
        """How messages name the object: Service argocd/argocd-server."""
        return f"{self.kind} {self.namespace}/{self.name}"

    @property
    def is_live(self) -> bool:
        """Read back from a cluster (kubectl get -o yaml) rather than written by hand."""
        meta = self.metadata
        return bool(meta.get("uid") or meta.get("resourceVersion") or meta.get("creationTimestamp"))

    def line(self, *loc: str | int) -> int:
        return self.doc.line_of((*self.base, *loc))


@dataclass
class Loaded:
    objects: list[Obj]
    findings: list[Finding]
    documents: int = 0


def expand(paths: Iterable[str]) -> Iterator[str]:
    """Files named, and the YAML/JSON files below folders named, in a stable order."""
    for raw in paths:
        path = Path(raw)
        if raw != "-" and path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
            yield from (str(p) for p in found)
        else:
            yield raw


def load(paths: Iterable[str], stdin: bytes | None = None) -> Loaded:
    loaded = Loaded([], [])
    for name in expand(paths):
        try:
            if name == "-":
                raw = stdin if stdin is not None else sys.stdin.buffer.read(MAX_BYTES + 1)  # no more than the cap
                text = decode(raw, "<stdin>")
                name = "<stdin>"
            else:
                text = read_text(Path(name), name)
        except SpecError as err:
            loaded.findings.extend(err.findings)
            continue
        for document in _documents(text, name, loaded.findings):
            loaded.documents += 1
            loaded.objects.extend(_objects(document, (), document.data))
    return loaded


_DOCUMENT_MARKER = re.compile(r"^---(?:[ \t].*)?$", re.MULTILINE)


def _documents(text: str, name: str, findings: list[Finding]) -> list[Document]:
    """Every document of a file; when one is broken, the others are still read.

    A line starting with '---' at column 0 always starts a new document (it even ends a block
    scalar), so a broken file can be split there and each part parsed on its own.
    """
    try:
        return parse_all(text, name)
    except SpecError as err:
        if isinstance(err, FileTooLarge) or not _DOCUMENT_MARKER.search(text):
            findings.extend(err.findings)
            return []
    documents: list[Document] = []
    budget = [yamllimits.MAX_FILE_NODES]  # the parts together hold no more than the whole file may
    starts = [0] + [m.start() for m in _DOCUMENT_MARKER.finditer(text)]
    if len(starts) > yamllimits.MAX_DOCUMENTS:
        findings.append(Finding(name, None, "", yamllimits.too_many_documents(), YAML_TOO_LARGE))
        return []
    line = 1
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        try:
            documents.extend(parse_all(text[start:end], name, first_line=line, budget=budget))
        except FileTooLarge as err:
            findings.extend(err.findings)
            break
        except SpecError as err:
            findings.extend(err.findings)
        line += text.count("\n", start, end)
    return documents


# The pulumi-gcp resources lint judges, as Pulumi types them (plan.json and the policy pack).
PLAN_TYPES = ("gcp:compute/healthCheck:HealthCheck", "gcp:compute/backendService:BackendService",
              "gcp:compute/globalForwardingRule:GlobalForwardingRule", "gcp:compute/targetHttpProxy:TargetHttpProxy",
              "gcp:compute/targetHttpsProxy:TargetHttpsProxy", "gcp:compute/uRLMap:URLMap",
              "gcp:compute/firewall:Firewall",
              *(f"gcp:iap/{kind}Iam{grant}:{kind[0].upper()}{kind[1:]}Iam{grant}"
                for kind in ("webBackendService", "web", "webTypeCompute") for grant in ("Member", "Binding")))


def plan_object(document: Document, index: int, entry: Any) -> Obj | None:
    """The pulumi-gcp resource of `document.data[index]` (a {type, name, inputs} entry) as an object whose kind
    is the type token, named by its `name` input (else its Pulumi name) in its project; None for other types."""
    if not (isinstance(entry, dict) and entry.get("type") in PLAN_TYPES and isinstance(entry.get("inputs"), dict)):
        return None
    inputs = entry["inputs"]
    meta = {"name": inputs.get("name") or entry.get("name"), "namespace": inputs.get("project") or "?"}
    data = inputs.copy()  # (the policy pack's mappings copy as themselves: they note which values are read)
    data.update(kind=entry["type"], metadata=meta)
    return Obj(document, (index, "inputs"), data)


def _plan_objects(document: Document, data: list[Any]) -> Iterator[Obj]:
    """The pulumi-gcp resources of an `iapgen render` plan.json (the plan's Kubernetes objects are linted
    from k8s/, where render writes them)."""
    for index, entry in enumerate(data):
        found = plan_object(document, index, entry)
        if found is not None:
            yield found


def _objects(document: Document, base: Loc, data: Any) -> Iterator[Obj]:
    if isinstance(data, list) and not base and any(isinstance(e, dict) and "inputs" in e for e in data):
        yield from _plan_objects(document, data)
        return
    if not isinstance(data, dict) or "kind" not in data:
        return  # not a Kubernetes object (a values file, a kustomization patch, ...): nothing to judge
    items = data.get("items")
    if isinstance(items, list) and str(data.get("kind", "")).endswith("List"):
        for index, item in enumerate(items):
            yield from _objects(document, (*base, "items", index), item)
        return
    yield Obj(document, base, data)
