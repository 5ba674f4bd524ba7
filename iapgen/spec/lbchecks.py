"""Whole-environment checks of the loadBalancer modes: the fields each mode needs, and GCE names that two
environments of one project would both generate. Called by validate.py; each finding is (location, message,
rule id)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from iapgen.spec import gateway, naming
from iapgen.spec.gateway import GATEWAY_IAP_CLIENT
from iapgen.spec.lbrules import GCE_NAME_COLLISION, LB_FIELD_OTHER_MODE, STANDALONE_FIELD_MISSING
from iapgen.spec.models import Environment
from iapgen.spec.rulebook import Rule
from iapgen.spec.rules import ZONE_INVALID

if TYPE_CHECKING:
    from iapgen.spec.validate import Exposure

Found = tuple[tuple[Any, ...], str, Rule]


def mode_fields(env_name: str, environment: Environment) -> list[Found]:
    """The fields a loadBalancer mode needs are there; those of another mode are not; zones are listed once."""
    found: list[Found] = []
    loc: tuple[Any, ...] = ("environments", env_name)
    mode = environment.load_balancer
    if mode == "standalone":
        for field, why in (("zones", "the zones of the cluster's nodes, e.g. [europe-west1-b, europe-west1-c]: "
                            "the backend service names one NEG per zone"),
                           ("network", "the cluster's VPC network name: it gets the firewall rule that admits "
                            "Google's health checks")):
            if getattr(environment, field) is None:
                found.append(((*loc, "loadBalancer"), f"loadBalancer: standalone needs {field}: {why}; add "
                              f"environments.{env_name}.{field}", STANDALONE_FIELD_MISSING))
    else:
        for field in ("zones", "network"):
            if getattr(environment, field) is not None:
                found.append(((*loc, field), f"{field} is read only with loadBalancer: standalone, but {env_name} "
                              f"uses {mode}; remove it or set loadBalancer: standalone", LB_FIELD_OTHER_MODE))
    if mode != "gateway" and environment.gateway is not None:
        found.append(((*loc, "gateway"), f"gateway is read only with loadBalancer: gateway, but {env_name} uses "
                      f"{mode}; remove it or set loadBalancer: gateway", LB_FIELD_OTHER_MODE))
    seen: set[str] = set()
    for index, zone in enumerate(environment.zones or ()):
        if zone in seen:
            found.append(((*loc, "zones", index), f"{zone} is listed twice; a backend service takes each NEG once, "
                          "so list every zone once", ZONE_INVALID))
        seen.add(zone)
    return found


def gateway_iap(env_name: str, environment: Environment, exposures: Iterable[Exposure]) -> list[Found]:
    """Gateway IAP needs the environment's custom OAuth client (gke-behaviour.md#gcpbackendpolicy-iap)."""
    if environment.load_balancer != "gateway":
        return []
    iap_on = [e.service.name for e in exposures if e.service.iap.enabled]
    message = gateway.check_iap_client(bool(iap_on), environment.iap.oauth_client_id)
    if not message:
        return []
    return [(("environments", env_name, "loadBalancer"),
             f"{message} ({len(iap_on)} service(s) with IAP on, e.g. {iap_on[0]})", GATEWAY_IAP_CLIENT)]


def gce_collisions(environments: Mapping[str, Environment],
                   exposures: Mapping[str, tuple[Exposure, ...]]) -> list[Found]:
    """Environments that share a project must not generate the same GCE name in one collection."""
    owner: dict[tuple[str, str, str], str] = {}
    clashes: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for env_name, environment in environments.items():
        names: dict[str, list[str]]
        if environment.load_balancer == "standalone":
            names = naming.standalone_gce_names(env_name, [e.service.name for e in exposures[env_name]])
        elif environment.load_balancer == "gateway":
            names = gateway.gce_names(env_name, [e.service.name for e in exposures[env_name]])
        else:
            names = {"addresses": sorted({naming.static_ip(env_name, e.service.namespace)
                                          for e in exposures[env_name]})}
        for collection, generated in names.items():
            for name in generated:
                other = owner.setdefault((environment.project, collection, name), env_name)
                if other != env_name:
                    clashes.setdefault((env_name, other), (name, []))[1].append(collection)
    return [(("environments", env_name),
             f"{env_name} and {other} share project {environments[env_name].project} and would both create "
             f"{name!r} ({', '.join(dict.fromkeys(collections))}): one would take over the other's objects; rename "
             "a service or an environment, or give one its own project", GCE_NAME_COLLISION)
            for (env_name, other), (name, collections) in clashes.items()]
