"""GCE names that two environments of one project would both generate. Each mode says which names an
environment creates (`Mode.gce_names`); validate.py collects them and reports each clash once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iapgen.examplekit import two_standalone_envs
from iapgen.spec.models import Environment
from iapgen.spec.rulebook import Example, Rule

Found = tuple[tuple[Any, ...], str, Rule]

# dev's service b-c and dev-b's service c would both be iapgen-dev-b-c in project acme-dev.
GCE_NAME_COLLISION = Rule(
    "GCE_NAME_COLLISION", "Two environments in one project would generate the same GCE object name.",
    source="gke-behaviour.md#neg-custom-names, gke-behaviour.md#gce-and-kubernetes-names",
    why="Both stacks would create and fight over the same GCE object.",
    fix="Rename a service or an environment, or give one its own project.",
    examples=[Example("spec", two_standalone_envs("acme-dev"), two_standalone_envs("acme-dev-b"))])



def gce_collisions(environments: Mapping[str, Environment],
                   names: Mapping[str, Mapping[str, list[str]]]) -> list[Found]:
    """Environments that share a project must not generate the same GCE name in one collection.
    `names`: {environment: {collection: names}}."""
    owner: dict[tuple[str, str, str], str] = {}
    clashes: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for env_name, environment in environments.items():
        for collection, generated in names[env_name].items():
            for name in generated:
                other = owner.setdefault((environment.project, collection, name), env_name)
                if other != env_name:
                    clashes.setdefault((env_name, other), (name, []))[1].append(collection)
    return [(("environments", env_name),
             f"{env_name} and {other} share project {environments[env_name].project} and would both create "
             f"{name!r} ({', '.join(dict.fromkeys(collections))}): one would take over the other's objects; rename "
             "a service or an environment, or give one its own project", GCE_NAME_COLLISION)
            for (env_name, other), (name, collections) in clashes.items()]
