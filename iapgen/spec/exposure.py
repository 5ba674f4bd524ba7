"""One service as deployed in one environment: what the components, runbooks and doctor read."""

from __future__ import annotations

from dataclasses import dataclass

from iapgen.spec import naming
from iapgen.spec.models import Environment, Service

# The health-check block of a Compute health check (and of a HealthCheckPolicy's config) per protocol.
HC_BLOCKS = {"HTTP": "httpHealthCheck", "HTTPS": "httpsHealthCheck", "HTTP2": "http2HealthCheck"}


@dataclass(frozen=True)
class Exposure:
    """One service as deployed in one environment: overrides applied, defaults resolved."""

    env: str
    environment: Environment
    service: Service
    host: str
    members: tuple[str, ...]
    ingress_number: int = 1
    """Which of its namespace's Ingresses serves this service (layout.py); 1 unless the namespace has more than 15."""

    @property
    def ingress_name(self) -> str:
        """The live name the spec pins (names.ingress), else iapgen's."""
        return self.service.names.ingress or naming.ingress(self.ingress_number)

    @property
    def static_ip_name(self) -> str:
        """The live name the spec pins (names.staticIp), else iapgen's."""
        return self.service.names.static_ip or naming.static_ip(self.env, self.service.namespace, self.ingress_number)

    @property
    def address_key(self) -> str:
        """This service's Ingress in the stack output `addresses`."""
        return naming.address_key(self.service.namespace, self.ingress_number)

    @property
    def port_name(self) -> str:
        return naming.port_name(self.service.protocol)

    @property
    def neg_name(self) -> str:
        """The standalone NEG's name (also its backend service's and health check's)."""
        return naming.neg(self.env, self.service.name)

    @property
    def url(self) -> str:
        return f"https://{self.host}/"

    @property
    def sample_rate(self) -> float:
        """The share of requests the load balancer logs (requestLogging: the service's, else the environment's)."""
        own = self.service.request_logging
        return (own or self.environment.request_logging).sample_rate

    @property
    def request_logging_text(self) -> str:
        """For summaries and runbooks: "every request", "25% of requests" or "off"."""
        rate = self.sample_rate
        if rate == 0:
            return "off"
        return "every request" if rate == 1 else f"{rate * 100:.4g}% of requests"

    @property
    def scheme(self) -> str:
        """How the load balancer speaks to the Pods (and a probe from inside the cluster must)."""
        return "http" if self.service.protocol == "HTTP" else "https"

    @property
    def iap_text(self) -> str:
        return "on" if self.service.iap.enabled else f"off ({self.service.iap.reason})"

    @property
    def members_text(self) -> str:
        """Who IAP admits, for runbooks; empty with IAP off."""
        return ", ".join(self.members) if self.service.iap.enabled else ""

    @property
    def bound_members(self) -> list[str]:
        """Principals bound on this service's backend: none when IAP is off; the environment's own are bound
        project-wide instead when it asks for that (iap.projectWide)."""
        if not self.service.iap.enabled:
            return []
        return list(self.service.iap.members if self.environment.iap.project_wide else self.members)

    @property
    def selector_text(self) -> str:
        """The selector as kubectl's -l takes it: app=web,tier=backend."""
        return ",".join(f"{k}={v}" for k, v in self.service.selector.items())
