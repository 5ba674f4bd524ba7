"""Validate Kubernetes objects offline against the official schemas, as an API server would.

* Built-in kinds (core/v1, apps/v1, networking.k8s.io/v1, ...): the strict JSON schemas bundled in
  `kubernetes-validate` (generated from the upstream Kubernetes OpenAPI spec), so unknown fields are
  errors, as with `kubectl apply --validate=strict`.
* Custom resources (BackendConfig, FrontendConfig, ManagedCertificate, HealthCheckPolicy,
  GCPBackendPolicy, Gateway, HTTPRoute, ...): the CRD openAPIV3Schema files iapgen ships for `iapgen lint`
  (iapgen/lint/schemas, read through iapgen.lint.schema_files; provenance in its SOURCES.md), processed like the API
  server does: defaults applied first, unknown fields rejected unless x-kubernetes-preserve-unknown-fields,
  nullable, int-or-string, list-type map/set uniqueness, and x-kubernetes-validations CEL rules
  (cel-python; transition rules, which read oldSelf, only apply to updates and are skipped).
* metadata: the ObjectMeta schema plus the apimachinery name and label syntax rules.

An object whose apiVersion/kind has no schema is an error, not a pass.

This is the project's copy of the team's validate_manifests.py, trimmed to what the tests need:
`validate_manifests()` returns the same report as that tool's `--json` output.
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import yaml
from referencing import Registry, Resource

from iapgen.lint import schema_files
from iapgen.lint.schema_files import SCHEMA_DIR

# Kubernetes minor whose built-in schemas are used (kubernetes-validate bundles 1.25-1.37); the team tool's default.
K8S_VERSION = "1.32"
MANIFEST_SUFFIXES = (".yaml", ".yml")

DEFS_ID = "https://kubernetes.io/api/_definitions.json"
OBJECTMETA_REF = DEFS_ID + "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

# apimachinery syntax rules (k8s.io/apimachinery/pkg/util/validation); used with fullmatch, since "$" alone
# also matches before a trailing newline
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
# kinds whose metadata.name must be a DNS-1035 label (apiserver ValidateServiceName)
DNS1035_NAME_KINDS = {("", "Service")}

Json = Any  # a value decoded from YAML/JSON


@dataclass(frozen=True)
class Finding:
    level: str  # "FAIL" (the API server would reject the object) or "WARN" (could not be checked)
    where: str
    path: str
    msg: str
    source: str  # the schema or rule set that judged

    def __str__(self) -> str:
        path = f"{self.path}: " if self.path else ""
        return f"{self.level:5} {self.where}: {path}{self.msg}  [{self.source}]"


@dataclass(frozen=True)
class Schema:
    validator: jsonschema.Draft202012Validator
    raw: dict[str, Json]  # as published: CEL rules, defaults and list types are read from it
    source: str
    is_crd: bool


# --------------------------------------------------------------------------- schema lookup
def split_api_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.partition("/")
    return (group, version) if version else ("", group)


def is_builtin_group(group: str) -> bool:
    if group.startswith(("gateway.networking.k8s.io", "gateway.networking.x-k8s.io")):
        return False
    return group == "" or "." not in group or group.endswith(".k8s.io")


@functools.cache
def _core_dir() -> Traversable:
    base = importlib.resources.files("kubernetes_validate").joinpath("kubernetes-json-schema")
    for entry in sorted(base.iterdir(), key=lambda e: e.name):
        if entry.name.startswith(f"v{K8S_VERSION}.") and entry.name.endswith("-local-strict"):
            return entry
    raise RuntimeError(f"kubernetes-validate bundles no strict schemas for Kubernetes {K8S_VERSION}")


@functools.cache
def _core_registry() -> Registry:
    definitions = json.loads(_core_dir().joinpath("_definitions.json").read_text())
    return Resource.from_contents(definitions) @ Registry()


@functools.cache
def core_schema(group: str, version: str, kind: str) -> Schema | None:
    prefix = group.split(".")[0]
    name = f"{kind.lower()}-{prefix}-{version}.json" if group else f"{kind.lower()}-{version}.json"
    try:
        schema = json.loads(_core_dir().joinpath(name).read_text())
    except FileNotFoundError:
        return None
    gvks = schema.get("x-kubernetes-group-version-kind", [])
    if not any((g.get("group"), g.get("version"), g.get("kind")) == (group, version, kind) for g in gvks):
        return None  # e.g. networking.gke.io must not hit the networking.k8s.io files
    validator = jsonschema.Draft202012Validator(schema, registry=_core_registry())
    return Schema(validator, schema, f"kubernetes-validate:{_core_dir().name}/{name}", is_crd=False)


def openapi_to_jsonschema(node: Json, junction: bool = False) -> Json:
    """CRD structural OpenAPI v3 schema -> JSON Schema 2020-12 that accepts what the API server accepts.

    `junction`: the node is a branch of allOf/anyOf/oneOf/not. Structural schemas allow only value
    validations there; their `properties` constrain the fields they name and prune nothing, so a branch
    must not reject the object's other fields (Gateway `spec.addresses[]` is such a oneOf)."""
    if isinstance(node, list):
        return [openapi_to_jsonschema(x, junction) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Json] = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties", "$defs", "definitions"):
            out[key] = {name: openapi_to_jsonschema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = openapi_to_jsonschema(value)
        elif key in ("not", "allOf", "anyOf", "oneOf"):
            out[key] = openapi_to_jsonschema(value, junction=True)
        else:
            out[key] = value
    if out.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    if out.get("nullable") and "type" in out:
        types = out["type"]
        out["type"] = [*(types if isinstance(types, list) else [types]), "null"]
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if out.get(bound) is True and limit in out:
            out[bound] = out.pop(limit)
        if out.get(bound) is False:
            out.pop(bound)
    preserves_unknown = out.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in out and "additionalProperties" not in out and not preserves_unknown and not junction:
        out["additionalProperties"] = False  # unknown fields are rejected (strict field validation)
    return out


@functools.cache
def crd_schema(group: str, version: str, kind: str) -> Schema | None:
    path = schema_files.schema_path(group, version, kind)
    raw = schema_files.raw_schema(group, version, kind)
    if path is None or raw is None:
        return None
    schema = openapi_to_jsonschema(schema_files.published(raw))
    schema.setdefault("properties", {})
    # the API server validates a custom resource's metadata as ObjectMeta
    schema["properties"]["metadata"] = {"$ref": OBJECTMETA_REF}
    schema["properties"]["apiVersion"] = {"const": f"{group}/{version}"}
    schema["properties"]["kind"] = {"const": kind}
    schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind", "metadata"})
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    validator = jsonschema.Draft202012Validator(schema, registry=_core_registry())
    source = f"crd:{path.relative_to(SCHEMA_DIR).as_posix()}"
    if upstream := raw.get("x-source"):
        source += f" ({upstream.get('repo')}@{str(upstream.get('commit', ''))[:10]})"
    return Schema(validator, raw, source, is_crd=True)


def find_schema(group: str, version: str, kind: str) -> Schema | None:
    return (core_schema(group, version, kind) if is_builtin_group(group) else None) or crd_schema(group, version, kind)


# --------------------------------------------------------------------------- API-server-like passes
def apply_defaults(obj: Json, schema: Json) -> None:
    """Structural defaulting, which the API server does before validating."""
    if not isinstance(schema, dict):
        return
    properties = schema.get("properties", {})
    if isinstance(obj, dict):
        for name, sub in properties.items():
            if name not in obj and isinstance(sub, dict) and "default" in sub:
                obj[name] = copy.deepcopy(sub["default"])
            if name in obj:
                apply_defaults(obj[name], sub)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for name in obj:
                if name not in properties:
                    apply_defaults(obj[name], extra)
    elif isinstance(obj, list) and isinstance(schema.get("items"), dict):
        for item in obj:
            apply_defaults(item, schema["items"])


def _walk(obj: Json, schema: Json, path: str) -> Iterator[tuple[Json, dict[str, Json], str]]:
    """(value, schema node, path) for every schema node that has a value, parents first."""
    if not isinstance(schema, dict):
        return
    yield obj, schema, path
    if isinstance(obj, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, value in obj.items():
            sub = properties[key] if key in properties else extra if isinstance(extra, dict) else None
            if sub is not None:
                yield from _walk(value, sub, f"{path}.{key}" if path else key)
    elif isinstance(obj, list) and isinstance(schema.get("items"), dict):
        for i, value in enumerate(obj):
            yield from _walk(value, schema["items"], f"{path}[{i}]")


def _cel_split(text: Json, separator: Json, limit: Json = -1) -> celpy.celtypes.ListType:
    """Kubernetes' CEL strings extension: text.split(separator[, limit])."""
    n = int(limit)
    parts = [] if n == 0 else str(text).split(str(separator), n - 1 if n > 0 else -1)
    return celpy.celtypes.ListType([celpy.celtypes.StringType(p) for p in parts])


@functools.cache
def _cel_program(rule: str) -> celpy.Runner:
    env = celpy.Environment()
    return env.program(env.compile(rule), functions={"split": _cel_split})


def _list_type_findings(value: Json, node: dict[str, Json], path: str) -> Iterator[tuple[str, str, str]]:
    """(level, path, message) for each duplicate in a list-type map or set."""
    list_type = node.get("x-kubernetes-list-type")
    if not isinstance(value, list) or list_type not in ("set", "map"):
        return
    keys = node.get("x-kubernetes-list-map-keys", [])
    seen: set[Json] = set()
    for i, item in enumerate(value):
        if list_type == "map" and isinstance(item, dict):
            key: Json = tuple(json.dumps(item.get(k), sort_keys=True) for k in keys)
        else:
            key = json.dumps(item, sort_keys=True)
        if key in seen:
            yield "FAIL", f"{path}[{i}]", f"duplicate entry for list-type={list_type} keys={keys}"
        seen.add(key)


def _cel_findings(value: Json, node: dict[str, Json]) -> Iterator[tuple[str, str]]:
    """(level, message) for each x-kubernetes-validations rule that fails or cannot be evaluated."""
    for rule_spec in node.get("x-kubernetes-validations") or []:
        rule = rule_spec["rule"]
        if "oldSelf" in rule:
            continue  # transition rule: only meaningful on update
        try:
            result = _cel_program(rule).evaluate({"self": celpy.json_to_cel(value)})
        except Exception as e:  # CEL evaluation errors, e.g. an extension function cel-python lacks
            yield "WARN", f"CEL rule not evaluated ({type(e).__name__}): {rule}"
            continue
        if isinstance(result, Exception) or not isinstance(result, bool | celpy.celtypes.BoolType):
            yield "WARN", f"CEL rule not evaluated ({result!r}): {rule}"
        elif not bool(result):
            yield "FAIL", f"{rule_spec.get('message') or f'failed rule: {rule}'}  (CEL: {rule})"


def crd_semantic_findings(obj: Json, raw: dict[str, Json], where: str, source: str) -> list[Finding]:
    """What the API server checks beyond the JSON schema: list-type uniqueness and CEL rules."""
    schema = {k: v for k, v in raw.items() if not k.startswith(("x-source", "x-gvk"))}
    findings: list[Finding] = []
    for value, node, path in _walk(obj, schema, ""):
        findings += [Finding(level, where, item_path, msg, source)
                     for level, item_path, msg in _list_type_findings(value, node, path)]
        findings += [Finding(level, where, path, msg, source) for level, msg in _cel_findings(value, node)]
    return findings


def metadata_findings(doc: dict[str, Json], group: str, kind: str, where: str) -> list[Finding]:
    """apimachinery name, namespace and label syntax, which JSON schemas do not carry."""
    metadata = doc.get("metadata")
    md: dict[str, Json] = metadata if isinstance(metadata, dict) else {}
    findings: list[Finding] = []

    def fail(path: str, msg: str) -> None:
        findings.append(Finding("FAIL", where, path, msg, "apimachinery-syntax"))

    name = md.get("name")
    if not name and not md.get("generateName"):
        fail("metadata.name", "name is required")
    elif isinstance(name, str):
        if (group, kind) in DNS1035_NAME_KINDS:
            if len(name) > 63 or not DNS1035_LABEL.fullmatch(name):
                fail("metadata.name", f"{name!r} must be a DNS-1035 label "
                                      '(lowercase alphanumeric or "-", start with a letter, max 63)')
        elif len(name) > 253 or not DNS1123_SUBDOMAIN.fullmatch(name):
            fail("metadata.name", f"{name!r} must be a DNS-1123 subdomain")
    namespace = md.get("namespace")
    if isinstance(namespace, str) and (len(namespace) > 63 or not DNS1123_LABEL.fullmatch(namespace)):
        fail("metadata.namespace", f"{namespace!r} must be a DNS-1123 label")
    for field in ("labels", "annotations"):
        entries = md.get(field)
        for key, value in (entries.items() if isinstance(entries, dict) else ()):
            if not isinstance(key, str):
                continue
            prefix, _, short = key.rpartition("/")
            if ((prefix and (len(prefix) > 253 or not DNS1123_SUBDOMAIN.fullmatch(prefix)))
                    or len(short) > 63 or not QUALIFIED_NAME.fullmatch(short)):
                fail(f"metadata.{field}", f"invalid key {key!r}")
            if field == "labels" and isinstance(value, str) and (len(value) > 63 or not LABEL_VALUE.fullmatch(value)):
                fail("metadata.labels", f"invalid value {value!r} for {key!r}")
    return findings


def _error_path(error: jsonschema.ValidationError) -> str:
    path = ""
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def check_object(doc: dict[str, Json], where: str) -> list[Finding]:
    """Every finding on one object that has apiVersion and kind; `where` names it in the findings."""
    group, version = split_api_version(str(doc["apiVersion"]))
    kind = str(doc["kind"])
    schema = find_schema(group, version, kind)
    findings: list[Finding] = []
    if schema is None:
        findings.append(Finding("FAIL", where, "", f"no schema for {group or 'core'}/{version} {kind}", "lookup"))
    else:
        obj = copy.deepcopy(doc)
        if schema.is_crd:
            apply_defaults(obj, schema.raw)
        errors = sorted(schema.validator.iter_errors(obj), key=lambda e: [str(p) for p in e.absolute_path])
        findings += [Finding("FAIL", where, _error_path(e), e.message, schema.source) for e in errors]
        if schema.is_crd:
            findings += crd_semantic_findings(obj, schema.raw, where, schema.source)
    findings += metadata_findings(doc, group, kind, where)
    return findings


def _is_object(doc: Json) -> bool:
    return isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc


# --------------------------------------------------------------------------- public API
def validate_objects(objects: Iterable[dict[str, Json]]) -> list[str]:
    """One line per problem, each prefixed by kind/namespace/name; [] when every check ran and passed.

    Stricter than validate_manifests' "invalid" count: a CEL rule that could not be evaluated (a WARN there, as
    in the team tool) is listed too, since the API server rejects an object on which a rule errors (for example
    "no such key" when a rule reads a field the object leaves unset).
    """
    problems: list[str] = []
    for i, doc in enumerate(objects):
        if not _is_object(doc):
            problems.append(f"object #{i}: not a Kubernetes object (apiVersion/kind)")
            continue
        metadata = doc.get("metadata")
        md = metadata if isinstance(metadata, dict) else {}
        where = "/".join(str(part) for part in (doc["kind"], md.get("namespace"), md.get("name", "?")) if part)
        for finding in check_object(doc, where):
            path = f"{finding.path}: " if finding.path else ""
            problems.append(f"{finding.where}: {path}{finding.msg}  [{finding.source}]")
    return problems


def _manifest_files(path: Path) -> list[str]:
    if not path.is_dir():
        return [str(path)]
    return sorted(str(p) for p in path.rglob("*") if p.suffix in MANIFEST_SUFFIXES and p.is_file())


def _documents(paths: Iterable[Path]) -> Iterator[tuple[str, int, Json, str | None]]:
    """(file, index, document, YAML error) for every document; `kind: *List` documents yield their items."""
    for path in paths:
        for file in _manifest_files(path):
            try:
                with open(file) as stream:
                    docs = list(yaml.safe_load_all(stream))
            except yaml.YAMLError as e:
                yield file, 0, None, f"YAML parse error: {e}"
                continue
            index = 0
            for doc in docs:
                if doc is None:
                    continue
                kind = doc.get("kind") if isinstance(doc, dict) else None
                items = doc["items"] if isinstance(kind, str) and kind.endswith("List") else None
                for item in items if isinstance(items, list) else [doc]:
                    yield file, index, item, None
                    index += 1


def validate_manifests(*paths: Path) -> dict[str, Any]:
    """Validate YAML files and folders (recursively *.yaml, *.yml; multi-document).

    Returns the team tool's `--json` report: {"documents", "invalid", "seconds", "findings": [{"level",
    "where", "path", "msg", "source"}]}; a document is invalid when it has a FAIL finding.
    """
    started = time.time()
    findings: list[Finding] = []
    documents = invalid = 0
    for file, index, doc, parse_error in _documents(paths):
        if parse_error:  # counted invalid, not as a document (as the team tool does)
            findings.append(Finding("FAIL", file, "", parse_error, "yaml"))
            invalid += 1
            continue
        documents += 1
        if not _is_object(doc):
            findings.append(Finding("FAIL", f"{file}#{index}", "",
                                    "document is not a Kubernetes object (apiVersion/kind)", "shape"))
            invalid += 1
            continue
        metadata = doc.get("metadata")
        name = metadata.get("name", "?") if isinstance(metadata, dict) else "?"
        found = check_object(doc, f"{file}#{index} {doc['apiVersion']}/{doc['kind']} {name}")
        findings += found
        invalid += any(f.level == "FAIL" for f in found)
    return {"documents": documents, "invalid": invalid, "seconds": round(time.time() - started, 3),
            "findings": [asdict(f) for f in findings]}
