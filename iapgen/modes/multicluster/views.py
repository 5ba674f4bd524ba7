"""Multi-cluster Gateway mode's runbook, summary and diff facts: what on-call and reviewers read about the
objects a `loadBalancer: multicluster-gateway` environment renders, per cluster."""

from __future__ import annotations

from typing import Any

from iapgen.modes.base import DiffService, Rendered, SummaryInput
from iapgen.modes.gateway import views as gateway_views
from iapgen.modes.multicluster import objects
from iapgen.modes.multicluster.environment import fleet
from iapgen.spec import gateway as gw
from iapgen.spec import naming
from iapgen.spec.exposure import Exposure
from iapgen.templating import render_template


def runbook(exposure: Exposure) -> str:
    service, environment = exposure.service, fleet(exposure.environment)
    by_name = {c.name: c for c in environment.clusters}
    view = {
        "name": service.name, "namespace": service.namespace, "url": exposure.url, "host": exposure.host,
        "port": service.port, "port_name": exposure.port_name, "target_port": service.target_port,
        "protocol": service.protocol, "path": service.health_check.path, "selector_arg": exposure.selector_text,
        "hc_block": gw.HC_BLOCK[service.protocol], "scheme": exposure.scheme,
        "members": exposure.members_text, "iap": exposure.iap_text,
        "route": gw.route_name(service.name), "policy": gw.policy_name(service.name),
        "gateway": gw.GATEWAY, "gateway_namespace": environment.gateway.namespace,
        "address": naming.environment_address(exposure.env), "certificate_map": naming.certificate_map(exposure.env),
        "prefix": objects.BACKEND_PREFIX, "clusters": [by_name[c] for c in objects.clusters_of(exposure)],
        "config": by_name.get(environment.config_cluster, environment.clusters[0]),
    }
    return render_template("runbook-multicluster.md.j2", s=view, env=exposure.env,
                           project=exposure.environment.project)


def summary(given: SummaryInput) -> str:
    env, exposures, environment = given.env, given.exposures, fleet(given.environment)
    first: dict[str, Any] = next(iter(given.outputs.get("addresses", {}).values()), {})
    placed = {e.service.name: objects.clusters_of(e) for e in exposures}
    config = next((c for c in environment.clusters if c.name == environment.config_cluster), environment.clusters[0])
    view = {"namespace": environment.gateway.namespace, "name": gw.GATEWAY, "class": objects.GATEWAY_CLASS,
            "address_name": naming.environment_address(env), "ip": first.get("ip", "<computed>"),
            "certificate_map": naming.certificate_map(env), "clusters": environment.clusters,
            "config_cluster": environment.config_cluster, "config_context": config.context,
            "namespaces": sorted({e.service.namespace for e in exposures}), "hosts": [e.host for e in exposures],
            "clusters_of": placed,
            "services_in": {c.name: [s for s, where in placed.items() if c.name in where]
                            for c in environment.clusters}}
    return render_template("summary-multicluster.md.j2", env=env, environment=environment, fleet=view,
                           **given.common)


def diff_services(rendered: Rendered) -> dict[str, DiffService]:
    """Gateway mode's facts (the routes and policies are the same objects), plus the clusters each service is
    exported from, read from the k8s/<cluster>/ folder of each ServiceExport."""
    exported: dict[str, list[str]] = {}
    services: dict[str, dict[str, Any]] = {}
    for document, path in zip(rendered.documents, rendered.paths, strict=True):
        name = document["metadata"]["name"]
        if document["kind"] == objects.SERVICE_EXPORT:
            exported.setdefault(name, []).append(path.split("/")[1])
        elif document["kind"] == "Service":
            services.setdefault(name, document)
    found = gateway_views.diff_services(Rendered(rendered.documents, {**rendered.objects, **{
        ("Service", name): svc for name, svc in services.items()}}, rendered.plan, rendered.members))
    for name, service in found.items():
        service.facts["clusters"] = ", ".join(sorted(exported.get(name, []))) or "none"
        service.facts["backend"] = f"{objects.BACKEND_PREFIX}..."
        service.facts["lb"] = service.facts["lb"].replace("GKE Gateway", "multi-cluster GKE Gateway", 1)
    return found
