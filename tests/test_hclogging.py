"""Health-check logging against a fake Compute API on 127.0.0.1, through google-auth and HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.hclogging import BackendNotReady, HealthCheckLoggingProvider, describes
from iapgen.googleapi.compute import ApiError
from tests.fake_compute import PROJECT, PROJECT_NUMBER, TOKEN, FakeCompute, bearer_session

NAME = "k8s1-3a8f2e1c-argocd-argocd-443-9f0a1b2c"


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def provider(sleeps: Sleeps | None = None, token: str = TOKEN) -> HealthCheckLoggingProvider:
    """The production provider, with google-auth credentials that need no refresh."""
    return HealthCheckLoggingProvider(session_factory=lambda: bearer_session(token),
                                      sleep=sleeps if sleeps is not None else Sleeps())


def props(fake: FakeCompute, **extra: Any) -> dict[str, Any]:
    return {"project": PROJECT, "namespace": "argocd", "service": "argocd", "port": 443, "portName": "https",
            "clusterUid": "", "waitSeconds": 900, "computeEndpoint": f"{fake.url}/compute/v1",
            "resourceManagerEndpoint": f"{fake.url}/v1", **extra}


def patches(fake: FakeCompute) -> list[tuple[str, dict[str, Any] | None]]:
    return [(path, body) for method, path, body in fake.requests if method == "PATCH"]


def test_backend_appears_after_several_polls(fake: FakeCompute) -> None:
    fake.add_backend("argocd", "argocd", "&ServiceBackendPort{Name:,Number:443,}")
    fake.add_backend("argocd", "dex", "5556", name="k8s1-3a8f2e1c-argocd-dex-5556-aaaa0000")  # another Service
    fake.hidden_until_list = 4
    sleeps = Sleeps()
    result = provider(sleeps).create(props(fake))
    assert result.id == NAME
    assert fake.list_calls == 4
    assert sleeps[:3] == [2.0, 4.0, 8.0]  # backed off (then 1 s waiting for the PATCH operation)
    outs = result.outs
    assert outs["backendServiceName"] == NAME and outs["healthCheckName"] == NAME
    assert outs["loggingEnabled"] is True and fake.health_checks[NAME]["logConfig"] == {"enable": True}
    assert outs["iapAudience"] == f"/projects/{PROJECT_NUMBER}/global/backendServices/4411223344556677889"
    assert outs["negIds"] == ["770000", "770001"]
    assert 'logName="projects/acme-dev/logs/compute.googleapis.com%2Fhealthchecks"' in outs["logQuery"]
    assert 'resource.labels.network_endpoint_group_id=("770000" OR "770001")' in outs["logQuery"]
    # request shapes: list filtered by name, paginated; PATCH semantics on the health check only
    lists = [p for m, p, _ in fake.requests if m == "GET" and p.split("?")[0].endswith("/global/backendServices")]
    assert all("filter=name+eq+%22k8s1-.%2A%22" in p and "maxResults=500" in p for p in lists)
    assert any("pageToken=2" in p for p in lists) or len(fake.backend_services) <= fake.page_size
    assert patches(fake) == [(f"/compute/v1/projects/{PROJECT}/global/healthChecks/{NAME}",
                              {"logConfig": {"enable": True}})]


def test_backend_never_appears(fake: FakeCompute) -> None:
    sleeps = Sleeps()
    with pytest.raises(BackendNotReady) as caught:
        provider(sleeps).create(props(fake, waitSeconds=60))
    message = str(caught.value)
    assert "no backend service for Service argocd/argocd port 443" in message and "within 60s" in message
    assert "neg-status" in message and "kubectl get pods -n argocd" in message
    assert sum(sleeps) == 60 and max(sleeps) <= 30
    assert patches(fake) == []


def test_logging_already_on_writes_nothing(fake: FakeCompute) -> None:
    fake.add_backend("argocd", "argocd", "443", logging=True)
    outs = provider().create(props(fake)).outs
    assert outs["loggingEnabled"] is True
    assert patches(fake) == []


def test_turned_off_shows_as_drift_and_is_repaired(fake: FakeCompute) -> None:
    fake.add_backend("argocd", "argocd", "https")
    p = provider()
    created = p.create(props(fake))
    fake.health_checks[NAME]["logConfig"] = {"enable": False}  # someone clicked in the console
    before = len(fake.requests)
    refreshed = p.read(created.id, created.outs)
    assert refreshed.id == NAME and refreshed.outs["loggingEnabled"] is False
    assert not any(path.startswith("/v1/projects/") for _, path, _ in fake.requests[before:])  # number reused
    diff = p.diff(created.id, refreshed.outs, props(fake))
    assert diff.changes is True and diff.replaces == []
    updated = p.update(created.id, refreshed.outs, props(fake))
    assert updated.outs["loggingEnabled"] is True
    assert fake.health_checks[NAME]["logConfig"] == {"enable": True}
    assert len(patches(fake)) == 2
    assert p.diff(created.id, updated.outs, props(fake)).changes is False


def test_permission_denied_names_the_permission(fake: FakeCompute) -> None:
    fake.add_backend("argocd", "argocd", "443")
    fake.forbidden[("PATCH", "healthChecks")] = (
        f"Required 'compute.healthChecks.update' permission for 'projects/{PROJECT}/global/healthChecks/{NAME}'")
    with pytest.raises(ApiError) as caught:
        provider().create(props(fake))
    assert caught.value.status == 403
    assert "needs compute.healthChecks.update on project acme-dev" in str(caught.value)


def test_permission_denied_without_detail_names_the_permission_for_the_call(fake: FakeCompute) -> None:
    fake.forbidden[("GET", "backendServices")] = "Forbidden"
    with pytest.raises(ApiError, match=r"needs compute\.backendServices\.list"):
        provider().create(props(fake))


def test_deleted_backend(fake: FakeCompute) -> None:
    fake.add_backend("argocd", "argocd", "443")
    p = provider()
    created = p.create(props(fake))
    fake.backend_services.clear()
    fake.health_checks.clear()  # GKE removed them with the Ingress
    assert p.read(created.id, created.outs).id is None
    p.delete(created.id, created.outs)  # 404: nothing to do, no error


def test_delete_turns_logging_off(fake: FakeCompute) -> None:
    fake.add_backend("argocd", "argocd", "443")
    p = provider()
    created = p.create(props(fake))
    p.delete(created.id, created.outs)
    assert fake.health_checks[NAME]["logConfig"] == {"enable": False}


def test_transient_errors_are_retried(fake: FakeCompute) -> None:
    fake.add_backend("argocd", "argocd", "443")
    fake.failures = [503, 429]
    sleeps = Sleeps()
    assert provider(sleeps).create(props(fake)).outs["loggingEnabled"] is True
    assert 0.5 <= sleeps[0] <= 1.5 and 1.0 <= sleeps[1] <= 3.0  # 1 s then 2 s, jittered by up to half


def test_refused_credentials(fake: FakeCompute) -> None:
    fake.add_backend("argocd", "argocd", "443")
    with pytest.raises(ApiError, match="credentials were refused") as caught:
        provider(token="wrong-token").create(props(fake))
    assert len(fake.requests) == 1  # no retries: they cannot help
    assert "wrong-token" not in str(caught.value)


def test_two_clusters_in_one_project_need_the_cluster_uid(fake: FakeCompute) -> None:
    fake.add_backend("argocd", "argocd", "443")
    other = fake.add_backend("argocd", "argocd", "443", name="k8s1-77aa88bb-argocd-argocd-443-11112222")
    with pytest.raises(ApiError, match="iapgen:clusterUid"):
        provider().create(props(fake))
    assert provider().create(props(fake, clusterUid="77aa88bb-1234")).id == other


def test_identity_change_replaces(fake: FakeCompute) -> None:
    diff = provider().diff(NAME, {**props(fake), "loggingEnabled": True}, props(fake, port=8443))
    assert diff.replaces == ["port"]


@pytest.mark.parametrize(("printed", "expected"), [
    ("443", True), ("https", True), ("&ServiceBackendPort{Name:,Number:443,}", True),
    ("&ServiceBackendPort{Name:https,Number:0,}", True), ("8443", False), ("&ServiceBackendPort{Name:,Number:4430,}",
                                                                          False)])
def test_description_matching(printed: str, expected: bool) -> None:
    description = json.dumps({"kubernetes.io/service-name": "argocd/argocd", "kubernetes.io/service-port": printed})
    assert describes(description, "argocd", "argocd", 443, "https") is expected
    assert not describes(description, "argocd", "argo", 443, "https")
    assert not describes("not json", "argocd", "argocd", 443, "https")


def test_provider_survives_the_trip_to_pulumis_provider_process(tmp_path: Any) -> None:
    """`pulumi up` pickles the provider and loads it in another process: it must travel by reference."""
    import subprocess
    import sys

    from pulumi.dynamic.dynamic import serialize_provider

    blob = serialize_provider(HealthCheckLoggingProvider())
    assert len(blob) < 2000  # by reference, not by value: no captured session or code
    script = ("import base64, sys, dill; p = dill.loads(base64.b64decode(sys.argv[1])); "
              "print(type(p).__module__, type(p).__name__, callable(p.create), p.session_factory)")
    proc = subprocess.run([sys.executable, "-c", script, blob], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["components.hclogging", "HealthCheckLoggingProvider", "True", "None"]


def test_a_thousand_services_do_not_exhaust_the_stack() -> None:
    """pulumi's serialize_provider wraps pickle._Pickler._batch_setitems on every call and never restores
    it, so each dynamic resource deepens every later pickle; about 1,000 of them raise RecursionError.
    HealthCheckLogging undoes that wrapping, so a program may declare as many services as it likes."""
    import pickle

    import pulumi

    from components.hclogging import HealthCheckLogging, HealthCheckLoggingArgs
    from iapgen.render.offline import run_offline

    before = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]

    def program() -> None:
        for i in range(1200):
            HealthCheckLogging(f"s{i}", HealthCheckLoggingArgs(project="acme-dev", namespace="ns", service=f"s{i}",
                                                              port=443, port_name="https"))
        pulumi.export("n", 1200)

    run = run_offline(program, project="iapgen", stack="dev", config={})
    assert len(run.resources) == 1200
    assert pickle._Pickler._batch_setitems is before  # type: ignore[attr-defined]
