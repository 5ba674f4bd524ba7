"""Gateway mode's spec checks: IAP needs the environment's own OAuth client, health-check paths must fit
HealthCheckPolicy, and the Certificate Manager names must fit GCE's 63 characters."""

from __future__ import annotations

from iapgen.modes.base import Report
from iapgen.spec import gateway, naming
from iapgen.spec.exposure import Exposure
from iapgen.spec.models import Environment


def check_exposure(exposure: Exposure, report: Report) -> None:
    message = gateway.check_policy_path(exposure.service.health_check.path)
    if message:
        report.service(exposure, ("healthCheck", "path"), message, "HC_PATH_GATEWAY")
    name = naming.certificate_manager(exposure.env, exposure.service.name)
    if len(name) > naming.GCE_NAME_MAX:
        report.service(exposure, ("name",), f"the Certificate Manager certificate name {name!r} would be {len(name)} "
                       f"characters (GCE allows {naming.GCE_NAME_MAX}); shorten the service name or the environment "
                       "name", "NAME_TOO_LONG")


def check_environment(env: str, environment: Environment, exposures: tuple[Exposure, ...], report: Report) -> None:
    """Gateway IAP needs the environment's custom OAuth client (gke-behaviour.md#gcpbackendpolicy-iap)."""
    iap_on = [e.service.name for e in exposures if e.service.iap.enabled]
    message = gateway.check_iap_client(bool(iap_on), environment.iap.oauth_client_id)
    if message:
        report.environment(env, ("loadBalancer",),
                           f"{message} ({len(iap_on)} service(s) with IAP on, e.g. {iap_on[0]})", "GATEWAY_IAP_CLIENT")
