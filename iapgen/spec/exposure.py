"""One service as deployed in one environment: what the components, runbooks and doctor read."""

from __future__ import annotations

from dataclasses import dataclass

from iapgen.spec import gateway, naming
from iapgen.spec.models import Environment, Service


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
    def standalone(self) -> bool:
        """Whether the stack owns this service's load balancer (loadBalancer: standalone)."""
        return self.environment.load_balancer == "standalone"

    @property
    def gateway(self) -> bool:
        """Whether GKE's Gateway controller makes this service's load balancer (loadBalancer: gateway)."""
        return self.environment.load_balancer == "gateway"

    @property
    def gateway_namespace(self) -> str:
        options = self.environment.gateway
        return options.namespace if options is not None else gateway.DEFAULT_NAMESPACE

    @property
    def neg_name(self) -> str:
        """The standalone NEG's name (also its backend service's and health check's)."""
        return naming.neg(self.env, self.service.name)

    @property
    def url(self) -> str:
        return f"https://{self.host}/"

    @property
    def selector_text(self) -> str:
        """The selector as kubectl's -l takes it: app=web,tier=backend."""
        return ",".join(f"{k}={v}" for k, v in self.service.selector.items())
