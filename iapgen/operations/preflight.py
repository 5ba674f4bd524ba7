"""`iapgen preflight`: read-only checks of the live project before the first `pulumi up` of an environment.

Each check is a PASS or FAIL line with its fix and the Google documentation page it rests on
(iapgen/operations/preflighttable.py, docs/preflight.md):

1. apis          each API the mode needs (Mode.apis) is ENABLED, or the deployer may enable it
2. permissions   projects.testIamPermissions for exactly the permissions of what the environment creates
3. quota         per Compute global quota: usage + what the environment creates (GKE's own resources too) <= limit
4. cluster       one GKE cluster chosen (--cluster when several), VPC-native, node zones = `zones`, its network
5. cm-writes     Certificate Manager writes of the environment against 300 writes a minute, with --parallel

Reads only (GET, and the POST of testIamPermissions, which changes nothing). Any API answer, refusal included,
becomes a FAIL line with the API's words, never a traceback. Runs in the base install: it counts what the
environment creates from the spec (tests/test_preflight.py holds the counts to the golden render).
"""

from __future__ import annotations

import functools
import json
import math
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass

from iapgen.googleapi.compute import ApiError
from iapgen.googleapi.preflightapi import PreflightClient
from iapgen.modes import mode_of
from iapgen.operations import preflighttable as table
from iapgen.spec.exposure import Exposure
from iapgen.spec.models import Environment

PASS, FAIL = "PASS", "FAIL"
MIN_WRITE_SECONDS = 1.0  # a create waits at least this for its answer: --parallel N makes <= N*60/1 writes a minute
FORWARDING_METRICS = ("GLOBAL_EXTERNAL_MANAGED_FORWARDING_RULES", "FORWARDING_RULES")
ROLES = {"compute": "roles/compute.loadBalancerAdmin (and roles/compute.securityAdmin for firewalls)",
         "certificatemanager": "roles/certificatemanager.editor", "iap": "roles/iap.admin",
         "serviceusage": "roles/serviceusage.serviceUsageAdmin", "resourcemanager": "roles/browser"}


@dataclass(frozen=True)
class Result:
    check: str
    status: str
    evidence: str
    fix: str = ""
    source: str = ""


@dataclass(frozen=True)
class Target:
    """What preflight checks: one environment of the spec."""

    env: str
    environment: Environment
    exposures: tuple[Exposure, ...]
    cluster: str | None = None


def needed_permissions(made: Counter[str]) -> dict[str, str]:
    """{permission: its documentation page} for everything in `made`, plus enabling APIs."""
    needed = {"serviceusage.services.enable": table.SU_ACCESS}
    for token in sorted(made):
        permissions, source = table.PERMISSIONS.get(token, ((), ""))
        for permission in permissions:
            needed.setdefault(permission, source)
    return needed


def quota_needs(made: Counter[str]) -> Counter[str]:
    """{Compute quota metric: how many the environment adds}, the stack's resources and GKE's together."""
    needs: Counter[str] = Counter()
    for token, count in made.items():
        metric = token[4:] if token.startswith("gke:") else table.QUOTA_OF.get(token)
        if metric:
            needs[metric] += count
    return needs


def run(target: Target, client: PreflightClient) -> list[Result]:
    mode = mode_of(target.environment)
    made = table.creates(mode, target.environment, target.exposures)
    results = _apis(client, mode.apis)
    if made is None:
        results.append(Result("permissions", FAIL, f"iapgen preflight does not know what mode {mode.name} creates",
                              "give the mode a `creates` (iapgen/operations/preflighttable.py)"))
        return results
    results += _permissions(client, needed_permissions(made))
    results += _quotas(client, quota_needs(made))
    results += _cluster(client, target)
    results += _cm_writes(made)
    return results


def _call(check: str, call: Callable[[], object], fix: str) -> tuple[object, Result | None]:
    try:
        return call(), None
    except ApiError as err:
        return None, Result(check, FAIL, f"the API refused: {err}", fix)


def _apis(client: PreflightClient, apis: tuple[str, ...]) -> list[Result]:
    results = []
    can_enable: bool | None = None
    for api in apis:
        state, failed = _call("apis", functools.partial(client.api_state, api),
                              "grant serviceusage.services.get (roles/serviceusage.serviceUsageViewer), or check the "
                              "project id")
        if failed:
            results.append(failed)
            continue
        source = "https://cloud.google.com/service-usage/docs/reference/rest/v1/services/get"
        state = str(state)
        if state == "ENABLED":
            results.append(Result("apis", PASS, f"{api} is enabled", source=source))
            continue
        if can_enable is None:
            held, _ = _call("apis", lambda: client.granted(["serviceusage.services.enable"]), "")
            can_enable = bool(held)
        if can_enable:
            results.append(Result("apis", PASS, f"{api} is {state.lower()}; the stack enables it (you hold "
                                  "serviceusage.services.enable)", source=source))
        else:
            results.append(Result("apis", FAIL, f"{api} is {state.lower()} and you cannot enable it",
                                  f"gcloud services enable {api} --project {client.project}, or grant "
                                  f"{ROLES['serviceusage']} to the deployer", source))
    return results


def _permissions(client: PreflightClient, needed: dict[str, str]) -> list[Result]:
    held, failed = _call("permissions", lambda: client.granted(sorted(needed)),
                         "check the project id and the credentials (gcloud auth application-default login)")
    if failed:
        return [failed]
    assert isinstance(held, set)
    missing = [p for p in sorted(needed) if p not in held]
    source = "https://cloud.google.com/resource-manager/reference/rest/v1/projects/testIamPermissions"
    if not missing:
        return [Result("permissions", PASS, f"the deployer holds all {len(needed)} permissions the environment needs",
                       source=source)]
    roles = sorted({ROLES.get(p.split(".", 1)[0], p.split(".", 1)[0]) for p in missing})
    return [Result("permissions", FAIL, f"the deployer lacks {len(missing)} of {len(needed)} permissions: "
                   + ", ".join(f"{p} ({needed[p]})" for p in missing),
                   f"grant {', '.join(roles)} on project {client.project} to the identity that runs pulumi up",
                   source)]


def _quotas(client: PreflightClient, needs: Counter[str]) -> list[Result]:
    quotas, failed = _call("quota", client.quotas, "enable compute.googleapis.com and grant compute.projects.get")
    if failed:
        return [failed]
    assert isinstance(quotas, dict)
    results = []
    for metric, need in sorted(needs.items()):
        if metric == "GLOBAL_EXTERNAL_MANAGED_FORWARDING_RULES":
            metric = next((m for m in FORWARDING_METRICS if m in quotas), metric)
        what, source = table.QUOTAS.get(metric, table.QUOTAS["GLOBAL_EXTERNAL_MANAGED_FORWARDING_RULES"])
        if metric not in quotas:
            results.append(Result(f"quota {metric}", PASS, f"the project reports no {metric} quota (adds {need})",
                                  source=source))
            continue
        usage, limit = quotas[metric]
        line = f"{what}: {usage:.0f} used + {need} this environment creates = {usage + need:.0f} of {limit:.0f}"
        if usage + need <= limit:
            results.append(Result(f"quota {metric}", PASS, line, source=source))
        else:
            results.append(Result(f"quota {metric}", FAIL, line, f"request {metric} >= {usage + need:.0f} (Cloud "
                                  "console, IAM & Admin > Quotas), or delete unused ones", source))
    return results


def _cluster(client: PreflightClient, target: Target) -> list[Result]:
    found, failed = _call("cluster", client.clusters, "enable container.googleapis.com and grant "
                          "container.clusters.list (roles/container.clusterViewer)")
    if failed:
        return [failed]
    assert isinstance(found, list)
    clusters = [c for c in found if isinstance(c, dict)]
    source = "https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters/list"
    names = [str(c.get("name")) for c in clusters]
    if target.cluster is not None:
        clusters = [c for c in clusters if c.get("name") == target.cluster]
        if not clusters:
            return [Result("cluster", FAIL, f"no cluster {target.cluster} in project {client.project} (there: "
                           f"{', '.join(names) or 'none'})", "pass --cluster with one of those names", source)]
    if not clusters:
        return [Result("cluster", FAIL, f"no GKE cluster in project {client.project}",
                       "create the cluster first (VPC-native), or check the environment's project", source)]
    if len(clusters) > 1:
        return [Result("cluster", FAIL, f"{len(clusters)} clusters in project {client.project}: {', '.join(names)}",
                       "say which one the environment deploys to: iapgen preflight --cluster NAME", source)]
    cluster = clusters[0]
    name = cluster.get("name")
    results = []
    native = bool((cluster.get("ipAllocationPolicy") or {}).get("useIpAliases"))
    if native:
        results.append(Result("cluster", PASS, f"cluster {name} is VPC-native", source=source))
    else:
        results.append(Result("cluster", FAIL, f"cluster {name} is routes-based (ipAllocationPolicy.useIpAliases is "
                              "not true): container-native NEGs need a VPC-native cluster",
                              "create a VPC-native cluster (gcloud container clusters create --enable-ip-alias); "
                              "a routes-based cluster cannot be converted", source))
    zones = getattr(target.environment, "zones", None)
    if zones:
        pools = [p for p in cluster.get("nodePools") or [] if isinstance(p, dict)]
        live = sorted({str(z) for p in pools for z in p.get("locations") or []}
                      or {str(z) for z in cluster.get("locations") or []})
        if sorted(set(zones)) == live:
            results.append(Result("zones", PASS, f"the nodes of {name} run in {', '.join(live)}, as `zones` says",
                                  source=source))
        else:
            results.append(Result("zones", FAIL, f"`zones` lists {', '.join(sorted(zones))}; the nodes of {name} run "
                                  f"in {', '.join(live) or 'no zone'}",
                                  f"set environments.{target.env}.zones: [{', '.join(live)}]", source))
    network = getattr(target.environment, "network", None)
    if network and cluster.get("network") and cluster.get("network") != network:
        results.append(Result("network", FAIL, f"`network` is {network}; cluster {name} is on {cluster['network']}",
                              f"set environments.{target.env}.network: {cluster['network']}", source))
    return results


def _cm_writes(made: Counter[str]) -> list[Result]:
    writes = made[table.CERT] + made[table.MAP] + made[table.ENTRY]
    if not writes:
        return []
    quota = table.CM_WRITES_PER_MINUTE
    parallel = max(1, math.floor(quota * MIN_WRITE_SECONDS / 60))
    line = (f"{writes} Certificate Manager writes ({made[table.CERT]} certificates, {made[table.MAP]} map, "
            f"{made[table.ENTRY]} map entries) against {quota} writes a minute")
    if writes <= quota:
        return [Result("cm-writes", PASS, line + ": they fit in one minute at any --parallel",
                       source=table.CM_QUOTAS)]
    return [Result("cm-writes", FAIL, line + ": an unbounded pulumi up can exceed it",
                   f"run pulumi up --parallel {parallel} (at most {parallel * 60 / MIN_WRITE_SECONDS:.0f} writes a "
                   "minute), or request more Certificate Manager write quota", table.CM_QUOTAS)]


def as_text(header: str, results: list[Result]) -> str:
    lines = [f"iapgen preflight: {header}"]
    for r in results:
        lines.append(f"{r.status}  {r.check:<12} {r.evidence}")
        if r.fix:
            lines.append(f"      fix: {r.fix}")
        if r.source:
            lines.append(f"      source: {r.source}")
    failed = sum(r.status == FAIL for r in results)
    lines.append(f"{len(results) - failed} passed, {failed} failed")
    return "\n".join(lines) + "\n"


def as_json(header: str, results: list[Result]) -> str:
    return json.dumps({"target": header, "checks": [asdict(r) for r in results],
                       "failed": sum(r.status == FAIL for r in results)}, indent=2) + "\n"


def client_for(project: str) -> PreflightClient:
    """The client the command uses (Application Default Credentials); tests point it at their fake."""
    return PreflightClient(project)


def command(spec: str, env: str, fmt: str, cluster: str | None, write: Callable[[str], object]) -> int:
    """The whole command: 0 when every check passes, 1 when one fails or the API cannot be reached at all."""
    from iapgen.spec.validate import load_spec

    environment, exposures = load_spec(spec).environment(env)
    try:
        client = client_for(environment.project)
    except ApiError as err:
        print(f"iapgen preflight: {err}", file=sys.stderr)
        return 1
    results = run(Target(env, environment, exposures, cluster), client)
    header = f"{env} (project {environment.project}, {mode_of(environment).name} mode, {len(exposures)} services)"
    write((as_json if fmt == "json" else as_text)(header, results))
    return 1 if any(r.status == FAIL for r in results) else 0
