"""What `iapgen preflight` checks against, in one table each, every row with the Google documentation page it
came from (docs/preflight.md#sources lists them again for readers).

- PERMISSIONS: per pulumi-gcp type token (and per iapgen dynamic provider) the IAM permissions creating and
  reading it takes; the permissions a render needs are the union over the types it creates.
- QUOTAS: the Compute global quota metric each counted resource uses.
- standalone/ingress/gateway: how many of each type an environment of that mode creates, counted from the spec
  (so preflight runs in the base install); each mode's `creates` calls its own; tests/test_preflight.py checks
  the counts against the golden render's plan.json.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from iapgen.spec.exposure import Exposure
from iapgen.spec.models import Environment

COMPUTE_REF = "https://cloud.google.com/compute/docs/reference/rest/v1/"
CM_ACCESS = "https://cloud.google.com/certificate-manager/docs/permissions"
IAP_ACCESS = "https://cloud.google.com/iap/docs/managing-access"
SU_ACCESS = "https://cloud.google.com/service-usage/docs/access-control"
LB_QUOTAS = "https://cloud.google.com/load-balancing/docs/quotas"
VPC_QUOTAS = "https://cloud.google.com/vpc/docs/quota"
CM_QUOTAS = "https://cloud.google.com/certificate-manager/docs/quotas"
CM_WRITES_PER_MINUTE = 300  # "Write requests: 300 per minute" (CM_QUOTAS, rate-based quotas)

# type token -> (permissions, documentation page)
PERMISSIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "gcp:projects/service:Service": (("serviceusage.services.enable", "serviceusage.services.get"), SU_ACCESS),
    "gcp:compute/globalAddress:GlobalAddress": (("compute.globalAddresses.create", "compute.globalAddresses.get"),
                                                COMPUTE_REF + "globalAddresses/insert"),
    "gcp:compute/backendService:BackendService": (("compute.backendServices.create", "compute.backendServices.get",
                                                   "compute.healthChecks.useReadOnly"),
                                                  COMPUTE_REF + "backendServices/insert"),
    "gcp:compute/healthCheck:HealthCheck": (("compute.healthChecks.create", "compute.healthChecks.get"),
                                            COMPUTE_REF + "healthChecks/insert"),
    "gcp:compute/uRLMap:URLMap": (("compute.urlMaps.create", "compute.urlMaps.get", "compute.backendServices.use"),
                                  COMPUTE_REF + "urlMaps/insert"),
    "gcp:compute/targetHttpsProxy:TargetHttpsProxy": (("compute.targetHttpsProxies.create",
                                                       "compute.targetHttpsProxies.get", "compute.urlMaps.use",
                                                       "certificatemanager.certmaps.use"),
                                                      COMPUTE_REF + "targetHttpsProxies/insert"),
    "gcp:compute/targetHttpProxy:TargetHttpProxy": (("compute.targetHttpProxies.create",
                                                     "compute.targetHttpProxies.get", "compute.urlMaps.use"),
                                                    COMPUTE_REF + "targetHttpProxies/insert"),
    "gcp:compute/globalForwardingRule:GlobalForwardingRule": (("compute.globalForwardingRules.create",
                                                               "compute.globalForwardingRules.get",
                                                               "compute.globalAddresses.use",
                                                               "compute.targetHttpsProxies.use",
                                                               "compute.targetHttpProxies.use"),
                                                              COMPUTE_REF + "globalForwardingRules/insert"),
    "gcp:compute/firewall:Firewall": (("compute.firewalls.create", "compute.firewalls.get",
                                       "compute.networks.updatePolicy"), COMPUTE_REF + "firewalls/insert"),
    "gcp:certificatemanager/certificate:Certificate": (("certificatemanager.certs.create",
                                                        "certificatemanager.certs.get"), CM_ACCESS),
    "gcp:certificatemanager/certificateMap:CertificateMap": (("certificatemanager.certmaps.create",
                                                              "certificatemanager.certmaps.get"), CM_ACCESS),
    "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry": (("certificatemanager.certmapentries.create",
                                                                        "certificatemanager.certmapentries.get",
                                                                        "certificatemanager.certs.use"), CM_ACCESS),
    "gcp:iap/webBackendServiceIamMember:WebBackendServiceIamMember": (("iap.webServiceVersions.getIamPolicy",
                                                                       "iap.webServiceVersions.setIamPolicy"),
                                                                      IAP_ACCESS),
    "gcp:iap/webIamMember:WebIamMember": (("iap.web.getIamPolicy", "iap.web.setIamPolicy"), IAP_ACCESS),
    # iapgen's dynamic providers: what components/computeprovider.py and googleapi/compute.py call
    "pulumi-python:dynamic/iapgen:HealthCheckLogging": (("compute.backendServices.list", "compute.backendServices.get",
                                                         "compute.healthChecks.get", "compute.healthChecks.update",
                                                         "resourcemanager.projects.get"),
                                                        COMPUTE_REF + "healthChecks/patch"),
    "pulumi-python:dynamic/iapgen:GatewayBackend": (("compute.backendServices.list", "compute.backendServices.get",
                                                     "compute.healthChecks.get", "compute.healthChecks.update",
                                                     "resourcemanager.projects.get"),
                                                    COMPUTE_REF + "backendServices/list"),
    "pulumi-python:dynamic/iapgen:MulticlusterBackend": (("compute.backendServices.list", "compute.backendServices.get",
                                                     "compute.healthChecks.get", "compute.healthChecks.update",
                                                     "resourcemanager.projects.get"),
                                                    COMPUTE_REF + "backendServices/list"),
    "pulumi-python:dynamic/iapgen:NegReady": (("compute.networkEndpointGroups.get",),
                                              COMPUTE_REF + "networkEndpointGroups/get"),
}

# Compute quota metric (projects.get `quotas`) -> (what counts against it, documentation page)
QUOTAS: dict[str, tuple[str, str]] = {
    "STATIC_ADDRESSES": ("global static IP addresses", VPC_QUOTAS),
    "BACKEND_SERVICES": ("backend services", LB_QUOTAS),
    "HEALTH_CHECKS": ("health checks", LB_QUOTAS),
    "URL_MAPS": ("URL maps", LB_QUOTAS),
    "TARGET_HTTPS_PROXIES": ("target HTTPS proxies", LB_QUOTAS),
    "TARGET_HTTP_PROXIES": ("target HTTP proxies", LB_QUOTAS),
    "GLOBAL_EXTERNAL_MANAGED_FORWARDING_RULES": ("global external forwarding rules", LB_QUOTAS),
    "FIREWALLS": ("VPC firewall rules", VPC_QUOTAS),
    "SSL_CERTIFICATES": ("SSL certificates (GKE's from ManagedCertificates)", LB_QUOTAS),
}

# the quota metric each type token counts against
QUOTA_OF: dict[str, str] = {
    "gcp:compute/globalAddress:GlobalAddress": "STATIC_ADDRESSES",
    "gcp:compute/backendService:BackendService": "BACKEND_SERVICES",
    "gcp:compute/healthCheck:HealthCheck": "HEALTH_CHECKS",
    "gcp:compute/uRLMap:URLMap": "URL_MAPS",
    "gcp:compute/targetHttpsProxy:TargetHttpsProxy": "TARGET_HTTPS_PROXIES",
    "gcp:compute/targetHttpProxy:TargetHttpProxy": "TARGET_HTTP_PROXIES",
    "gcp:compute/globalForwardingRule:GlobalForwardingRule": "GLOBAL_EXTERNAL_MANAGED_FORWARDING_RULES",
    "gcp:compute/firewall:Firewall": "FIREWALLS",
}

# type tokens each mode creates; the GKE controllers' own resources are counted beside them as "gke:" entries
SERVICE = "gcp:projects/service:Service"
MEMBER = "gcp:iap/webBackendServiceIamMember:WebBackendServiceIamMember"
CERT = "gcp:certificatemanager/certificate:Certificate"
MAP = "gcp:certificatemanager/certificateMap:CertificateMap"
ENTRY = "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry"
ADDRESS = "gcp:compute/globalAddress:GlobalAddress"


def _members(exposures: tuple[Exposure, ...]) -> int:
    return sum(len(e.bound_members) for e in exposures if e.service.iap.enabled)


def _project_wide(environment: Environment) -> Counter[str]:
    """components/program.py grants the environment's members on the project when it asks (iap.projectWide)."""
    wide = len(environment.iap.members) if environment.iap.project_wide else 0
    return Counter({"gcp:iap/webIamMember:WebIamMember": wide})


def standalone(environment: Environment, exposures: tuple[Exposure, ...], apis: int) -> Counter[str]:
    n = len(exposures)
    return Counter({SERVICE: apis, ADDRESS: 1, CERT: n, MAP: 1, ENTRY: n, MEMBER: _members(exposures),
                    "gcp:compute/backendService:BackendService": n, "gcp:compute/healthCheck:HealthCheck": n,
                    "pulumi-python:dynamic/iapgen:NegReady": n,
                    "gcp:compute/uRLMap:URLMap": 2, "gcp:compute/targetHttpsProxy:TargetHttpsProxy": 1,
                    "gcp:compute/targetHttpProxy:TargetHttpProxy": 1,
                    "gcp:compute/globalForwardingRule:GlobalForwardingRule": 2, "gcp:compute/firewall:Firewall": 1})


def ingress(environment: Environment, exposures: tuple[Exposure, ...], apis: int) -> Counter[str]:
    """GKE Ingress makes per Ingress a URL map, a redirect URL map, an HTTPS and an HTTP proxy and two forwarding
    rules; per Service port a backend service and health check; per ManagedCertificate an SSL certificate."""
    n, ingresses = len(exposures), len({e.static_ip_name for e in exposures})
    return Counter({SERVICE: apis, ADDRESS: ingresses, MEMBER: _members(exposures),
                    "pulumi-python:dynamic/iapgen:HealthCheckLogging": n,
                    "gke:URL_MAPS": 2 * ingresses, "gke:TARGET_HTTPS_PROXIES": ingresses,
                    "gke:TARGET_HTTP_PROXIES": ingresses, "gke:GLOBAL_EXTERNAL_MANAGED_FORWARDING_RULES": 2 * ingresses,
                    "gke:BACKEND_SERVICES": n, "gke:HEALTH_CHECKS": n, "gke:SSL_CERTIFICATES": n})


def gateway(environment: Environment, exposures: tuple[Exposure, ...], apis: int) -> Counter[str]:
    """The Gateway controller makes for the one Gateway a URL map per listener (HTTPS and the HTTP redirect), a
    proxy each and two forwarding rules; per Service port a backend service and health check."""
    n = len(exposures)
    return Counter({SERVICE: apis, ADDRESS: 1, CERT: n, MAP: 1, ENTRY: n, MEMBER: _members(exposures),
                    "pulumi-python:dynamic/iapgen:GatewayBackend": n,
                    "gke:URL_MAPS": 2, "gke:TARGET_HTTPS_PROXIES": 1, "gke:TARGET_HTTP_PROXIES": 1,
                    "gke:GLOBAL_EXTERNAL_MANAGED_FORWARDING_RULES": 2, "gke:BACKEND_SERVICES": n,
                    "gke:HEALTH_CHECKS": n})


def multicluster(environment: Environment, exposures: tuple[Exposure, ...], apis: int) -> Counter[str]:
    """As gateway mode: one multi-cluster Gateway; the backend per ServiceImport port is found by a
    MulticlusterBackend instead."""
    made = gateway(environment, exposures, apis)
    made["pulumi-python:dynamic/iapgen:MulticlusterBackend"] = made.pop("pulumi-python:dynamic/iapgen:GatewayBackend")
    return made


def creates(mode: Any, environment: Environment, exposures: tuple[Exposure, ...]) -> Counter[str] | None:
    """{type token or gke:<quota metric>: how many} the environment creates, by the mode's `creates` (one of the
    functions above); None for a mode that does not say."""
    count = getattr(mode, "creates", None)
    if count is None:
        return None
    made = count(environment, exposures) + _project_wide(environment)
    return Counter({k: v for k, v in made.items() if v > 0})
