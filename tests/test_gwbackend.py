"""Finding the backend service GKE's Gateway controller made, against the fake Compute API on 127.0.0.1."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.gwbackend import GatewayBackendProvider
from iapgen.googleapi.compute import ApiError
from iapgen.spec.gateway import name_fits, neg_matches
from tests.fake_compute import PROJECT, PROJECT_NUMBER, FakeCompute, bearer_session

NAME = "gkegw1-yi3w-argocd-argocd-443-4fdj4jjm3trk"


def provider() -> GatewayBackendProvider:
    return GatewayBackendProvider(session_factory=bearer_session, sleep=lambda _: None)


def props(fake: FakeCompute, **extra: Any) -> dict[str, Any]:
    return {"project": PROJECT, "namespace": "argocd", "service": "argocd", "port": 443, "clusterUid": "",
            "waitSeconds": 30, "computeEndpoint": f"{fake.url}/compute/v1", "resourceManagerEndpoint": f"{fake.url}/v1",
            **extra}


def add(fake: FakeCompute, name: str, namespace: str, service: str, port: int, uid: str = "3a8f2e1c5b6d7e8f",
        logging: bool = True) -> None:
    fake.add_backend(namespace, service, str(port), name=name, logging=logging)
    for (_, neg_name), neg in fake.negs.items():
        if neg_name == name:
            neg["description"] = json.dumps({"cluster-uid": uid, "namespace": namespace, "service-name": service,
                                             "port": str(port)})
    fake.backend_services[name]["description"] = ""  # the Gateway controller's own description is not relied on


@pytest.mark.parametrize(("name", "fits"), [
    (NAME, True),
    ("gkegw1-yi3w-argocd-argocd-8080-4fdj4jjm3trk", False),  # another port
    ("gkegw1-yi3w-argocd-argocd-server-443-4fdj4jjm3trk", False),  # another Service
    # fields cut although the whole name fits 63 characters: GKE cuts only what does not fit
    ("gkegw1-yi3w-argo-argoc-443-4fdj4jjm3trk", False),
    ("gkegw1-yi3w-argocd-argocd-44-4fdj4jjm3trk", False),
    ("k8s1-3a8f2e1c-argocd-argocd-443-9f0a1b2c", False),  # an Ingress backend
    ("gkegw1-yi3w-argocd-argocd-443-short", False),
])
def test_name_fits(name: str, fits: bool) -> None:
    assert name_fits(name, "argocd", "argocd", 443) is fits


def test_cut_names_seen_in_public_gcloud_output_fit() -> None:
    assert name_fits("gkegw1-jgyx-kalchem-access-advisor-middleware-8000-78qnvyiusmha", "kalchemy",
                     "access-advisor-middleware-svc", 8000)
    assert name_fits("gkegw1-pzx5-llm-d-inferenc-qwen2-3b-pattern1--8000-jfiarzj058qe", "llm-d-inference-scheduling",
                     "qwen2-3b-pattern1-kserve-workload-svc", 8000)


def test_neg_description_decides() -> None:
    description = json.dumps({"cluster-uid": "3a8f2e1c", "namespace": "argocd", "service-name": "argocd",
                              "port": "443"})
    assert neg_matches(description, "argocd", "argocd", 443, "") is True
    assert neg_matches(description, "argocd", "argocd-server", 443, "") is False
    assert neg_matches(description, "argocd", "argocd", 443, "ffff0000") is False
    assert neg_matches("", "argocd", "argocd", 443, "") is None


def test_finds_the_backend_and_reports_what_only_it_knows(fake: FakeCompute) -> None:
    add(fake, NAME, "argocd", "argocd", 443)
    add(fake, "gkegw1-yi3w-argocd-dex-5556-aaaabbbbcccc", "argocd", "dex", 5556)
    add(fake, "k8s1-3a8f2e1c-argocd-argocd-443-9f0a1b2c", "argocd", "argocd", 443)  # an Ingress's, same Service
    result = provider().create(props(fake))
    assert result.id == NAME
    outs = result.outs
    assert outs["backendServiceName"] == NAME and outs["loggingEnabled"] is True
    assert outs["iapAudience"] == f"/projects/{PROJECT_NUMBER}/global/backendServices/4411223344556677889"
    assert [m for m, _, _ in fake.requests if m != "GET"] == []  # reads only: HealthCheckPolicy owns logging


def test_a_truncated_name_shared_by_two_services_is_settled_by_the_neg(fake: FakeCompute) -> None:
    """Both names cut to the same middle; the NEG description says which Service each serves."""
    add(fake, "gkegw1-yi3w-argocd-argocd-443-aaaaaaaaaaaa", "argocd", "argocd-server-with-a-long-name", 443)
    add(fake, "gkegw1-yi3w-argocd-argocd-443-bbbbbbbbbbbb", "argocd", "argocd", 443)
    assert provider().create(props(fake)).id == "gkegw1-yi3w-argocd-argocd-443-bbbbbbbbbbbb"


def test_two_clusters_in_one_project_need_the_cluster_uid(fake: FakeCompute) -> None:
    add(fake, "gkegw1-aaaa-argocd-argocd-443-aaaaaaaaaaaa", "argocd", "argocd", 443, uid="11111111aaaa")
    add(fake, "gkegw1-bbbb-argocd-argocd-443-bbbbbbbbbbbb", "argocd", "argocd", 443, uid="22222222bbbb")
    with pytest.raises(ApiError, match="several clusters share the project"):
        provider().create(props(fake))
    chosen = provider().create(props(fake, clusterUid="22222222bbbbcccc"))
    assert chosen.id == "gkegw1-bbbb-argocd-argocd-443-bbbbbbbbbbbb"


def test_no_backend_in_time_says_what_to_check(fake: FakeCompute) -> None:
    with pytest.raises(ApiError, match=r"kubectl get httproute argocd -n argocd"):
        provider().create(props(fake, waitSeconds=1))


def test_delete_changes_nothing(fake: FakeCompute) -> None:
    add(fake, NAME, "argocd", "argocd", 443)
    provider().delete(NAME, {**props(fake), "healthCheckName": NAME})
    assert fake.requests == []


@pytest.mark.parametrize("other", [("web", "ab", 80), ("web", "a-b", 80), ("web", "a", 8080)])
def test_another_services_short_name_is_not_taken_when_its_neg_says_nothing(fake: FakeCompute,
                                                                           other: tuple[str, str, int]) -> None:
    """Issue 24 item 6: the backend of web/a:80 is not a cut name of web/ab:80, web/a-b:80 or web/a:8080."""
    name = "gkegw1-ab12-web-a-80-0123456789ab"
    add(fake, name, "web", "a", 80)
    for neg in fake.negs.values():
        neg["description"] = ""  # the lookup of the NEG tells nothing
    namespace, service, port = other
    with pytest.raises(ApiError, match="no backend service"):
        provider().create(props(fake, namespace=namespace, service=service, port=port, waitSeconds=1))
    assert provider().create(props(fake, namespace="web", service="a", port=80)).id == name


def test_a_cut_name_needs_its_neg_to_confirm(fake: FakeCompute) -> None:
    namespace, service = "kalchemy", "access-advisor-middleware-svc"
    name = "gkegw1-jgyx-kalchem-access-advisor-middleware-8000-78qnvyiusmha"
    add(fake, name, namespace, service, 8000)
    assert provider().create(props(fake, namespace=namespace, service=service, port=8000)).id == name
    for neg in fake.negs.values():
        neg["description"] = ""
    with pytest.raises(ApiError, match="no backend service"):
        provider().create(props(fake, namespace=namespace, service=service, port=8000, waitSeconds=1))


def test_logging_off_is_reported_but_is_not_drift(fake: FakeCompute) -> None:
    """Issue 22: the HealthCheckPolicy owns health-check logging; this resource never patches it, so reporting
    it as a change would leave a diff that never clears."""
    add(fake, NAME, "argocd", "argocd", 443, logging=False)
    p = provider()
    created = p.create(props(fake))
    assert created.outs["loggingEnabled"] is False
    refreshed = p.read(created.id, created.outs)
    assert refreshed.outs["loggingEnabled"] is False
    inputs = {k: v for k, v in props(fake).items()}
    assert p.diff(created.id, refreshed.outs, inputs).changes is False
    assert [m for m, _, _ in fake.requests if m != "GET"] == []
