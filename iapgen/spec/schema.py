"""The JSON schema of services.yaml, for editors (yaml-language-server) and reviewers."""

from __future__ import annotations

import copy
from typing import Any

from iapgen.spec.models import ENVIRONMENTS, Spec
from iapgen.spec.validate import NOT_OVERRIDABLE


def spec_schema() -> dict[str, Any]:
    """Spec's schema, with `overrides` described as partial services instead of free mappings."""
    schema = Spec.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "iapgen services.yaml"
    defs = schema["$defs"]
    _environments_by_mode(defs)
    service = defs["Service"]
    partial = _partial(service, defs)
    for key in NOT_OVERRIDABLE:
        partial["properties"].pop(key, None)
    partial["title"] = "ServiceOverride"
    partial["description"] = "Values that replace the service's own in one environment."
    defs["ServiceOverride"] = partial
    overrides = service["properties"]["overrides"]
    ref = {"$ref": "#/$defs/ServiceOverride"}
    for pattern in overrides.get("patternProperties", {}):
        overrides["patternProperties"][pattern] = ref
    overrides["additionalProperties"] = False if "patternProperties" in overrides else ref
    return schema


def _environments_by_mode(defs: dict[str, Any]) -> None:
    """An environment is one of the registered modes' models, told apart by loadBalancer (validation does the
    same: iapgen/spec/models.py)."""
    variants = []
    for model in ENVIRONMENTS.values():
        own = model.model_json_schema(by_alias=True, mode="validation", ref_template="#/$defs/{model}")
        defs.update(own.pop("$defs", {}))
        defs[model.__name__] = own
        variants.append({"$ref": f"#/$defs/{model.__name__}"})
    base = defs["Environment"]
    defs["Environment"] = {"title": base["title"], "description": base["description"], "oneOf": variants}


def _partial(definition: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """A copy with nothing required, nested objects made partial too."""
    result = copy.deepcopy(definition)
    result.pop("required", None)
    for name, prop in result.get("properties", {}).items():
        ref = prop.get("$ref") or next((a.get("$ref") for a in prop.get("anyOf", []) if "$ref" in a), None)
        if ref:
            target = ref.rsplit("/", 1)[-1]
            partial_name = f"{target}Override"
            if partial_name not in defs:
                defs[partial_name] = _partial(defs[target], defs)
            result["properties"][name] = {"$ref": f"#/$defs/{partial_name}",
                                          "description": prop.get("description", "")}
    return result
