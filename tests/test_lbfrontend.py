"""LbFrontend: the environment's static IP and Certificate Manager map, as the mocks record them."""

from __future__ import annotations

from collections import Counter

import pulumi

from components.lbfrontend import Host, LbFrontend, LbFrontendArgs
from iapgen.render.offline import run_offline
from tests.conftest import Plan

HOSTS = [Host("argocd", "argocd.acme.example"), Host("grafana", "grafana.staging.acme.example")]


def frontend_plan() -> Plan:
    def program() -> None:
        frontend = LbFrontend("staging/lb-frontend", LbFrontendArgs(env="staging", project="acme-staging",
                                                                    hosts=HOSTS))
        pulumi.export("map_ref", frontend.certificate_map_ref)
        pulumi.export("map_name", frontend.certificate_map_name)
        pulumi.export("address_ref", frontend.address_ref)
        pulumi.export("address_name", frontend.address_name)

    return Plan(run_offline(program, project="iapgen", stack="staging", config={}, preview=True))


def test_one_managed_certificate_per_host_with_load_balancer_authorization() -> None:
    certificates = frontend_plan().of_type("certificatemanager/certificate:Certificate")
    assert sorted(c.inputs["managed"]["domains"] for c in certificates) == [[h.host] for h in HOSTS]
    for certificate in certificates:
        # No DNS authorization: the load balancer authorizes the domain once it serves it on 443.
        assert "dnsAuthorizations" not in certificate.inputs["managed"]
        assert certificate.inputs["scope"] == "DEFAULT"
        assert certificate.inputs["project"] == "acme-staging"
    assert sorted(c.inputs["name"] for c in certificates) == ["iapgen-staging-argocd", "iapgen-staging-grafana"]


def test_one_map_entry_per_host_naming_its_certificate_in_one_map() -> None:
    plan = frontend_plan()
    maps = plan.of_type("certificateMap:CertificateMap")
    assert [m.inputs["name"] for m in maps] == ["iapgen-staging"]
    entries = {e.inputs["hostname"]: e.inputs for e in plan.of_type("certificateMapEntry:CertificateMapEntry")}
    assert set(entries) == {h.host for h in HOSTS}
    assert entries["argocd.acme.example"]["certificates"] == [
        "projects/acme-staging/locations/global/certificates/iapgen-staging-argocd"]
    assert {e["map"] for e in entries.values()} == {"iapgen-staging"}


def test_outputs_are_what_a_proxy_and_a_forwarding_rule_take() -> None:
    plan = frontend_plan()
    assert plan.run.outputs["map_ref"] == ("//certificatemanager.googleapis.com/projects/acme-staging/locations/"
                                           "global/certificateMaps/iapgen-staging")
    assert plan.run.outputs["address_ref"] == "projects/acme-staging/global/addresses/iapgen-staging"
    assert plan.run.outputs["map_name"] == plan.run.outputs["address_name"] == "iapgen-staging"
    address = plan.one("compute/globalAddress:GlobalAddress", "staging/lb-frontend-address")
    assert address.inputs["addressType"] == "EXTERNAL"


def test_children_are_parented_and_uniquely_named() -> None:
    plan = frontend_plan()
    names = Counter(r.name for r in plan.resources)
    assert max(names.values()) == 1
    assert {r.parent for r in plan.resources if r.custom} == {"staging/lb-frontend"}
