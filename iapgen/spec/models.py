"""The spec file's shape: frozen pydantic models with `extra="forbid"`.

Field names follow the contract in docs/design.md (camelCase in YAML, snake_case here).
Value checks call the rule functions in `rules.py`, so a bad value is reported under its
rule id. Checks that need more than one field, or the whole file, live in `validate.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from iapgen.spec import iaprules, rules


def _checked(check: Callable[..., str | None], *extra: Any) -> AfterValidator:
    """A pydantic validator that runs a rule check and reports its failure under the rule id."""
    rule_id = rules.rule_of(check).id

    def validate(value: Any) -> Any:
        message = check(*extra, value)
        if message:
            raise PydanticCustomError(rule_id, "{message}", {"message": message})
        return value

    return AfterValidator(validate)


def _hint(**schema: Any) -> Any:
    """JSON-schema hints for editors; validation itself stays with the rule checks."""
    return Field(json_schema_extra=schema)


# Checks that test the length first need no max_length: their rule reports an overlong value.
Name = Annotated[str, _hint(pattern=r"^[a-z]([-a-z0-9]*[a-z0-9])?$", maxLength=63), _checked(rules.check_name)]
Namespace = Annotated[str, _hint(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength=63),
                      _checked(rules.check_namespace)]
EnvName = Annotated[str, _hint(pattern=r"^[a-z]([-a-z0-9]*[a-z0-9])?$", maxLength=20),
                    _checked(rules.check_env_name)]
Port = Annotated[int, _hint(minimum=1, maximum=65535), _checked(rules.check_port)]
Protocol = Annotated[str, Field(max_length=32), _hint(enum=list(rules.PROTOCOLS)), _checked(rules.check_protocol)]
Host = Annotated[str, Field(max_length=253), _hint(pattern=rules.HOSTNAME.pattern), _checked(rules.check_host)]
ProjectId = Annotated[str, Field(max_length=64), _hint(pattern=rules.PROJECT_ID.pattern),
                      _checked(rules.check_project_id)]
HcPath = Annotated[str, Field(max_length=2048), _hint(pattern=r"^/"), _checked(rules.check_hc_path)]
Seconds = Annotated[int, _hint(minimum=1, maximum=300), _checked(rules.check_hc_range, "seconds")]
Threshold = Annotated[int, _hint(minimum=1, maximum=10), _checked(rules.check_hc_range, "threshold")]
ObjectName = Annotated[str, _hint(pattern=rules.DNS1123_SUBDOMAIN.pattern, maxLength=253),
                       _checked(rules.check_pinned_name, "kubernetes")]
GceName = Annotated[str, _hint(pattern=r"^[a-z]([-a-z0-9]*[a-z0-9])?$", maxLength=63),
                    _checked(rules.check_pinned_name, "gce")]
Member = Annotated[
    str, Field(max_length=512),
    _hint(pattern=r"^((user|group|serviceAccount):[^@\s]+@[^@\s]+|domain:[a-z0-9.-]+|principal(Set)?://\S+)$"),
    _checked(iaprules.check_member_public), _checked(iaprules.check_member_prefix),
]
OAuthClientId = Annotated[str, Field(max_length=200), _checked(iaprules.check_oauth_client_id)]
Selector = Annotated[dict[Annotated[str, Field(max_length=317)], Annotated[str, Field(max_length=63)]],
                     Field(min_length=1, max_length=64), _checked(rules.check_selector)]
# YAML gives lists; tuples keep the frozen models hashable. strict=False applies to the list
# itself only: its items stay strictly typed.
Members = Annotated[tuple[Member, ...], Field(max_length=1500, strict=False)]
Zone = Annotated[str, Field(max_length=63), _hint(pattern=rules.ZONE.pattern), _checked(rules.check_zone)]
Zones = Annotated[tuple[Zone, ...], Field(min_length=1, max_length=20, strict=False)]
Network = Annotated[str, Field(max_length=63), _hint(pattern=rules.GCE_NAME.pattern), _checked(rules.check_network)]


def _check_mode(value: str) -> str:
    """An unknown loadBalancer (LB_MODE_INVALID): the modes are those registered (iapgen/modes)."""
    message = rules.check_load_balancer(value, tuple(ENVIRONMENTS))
    if message:
        raise PydanticCustomError(rules.rule_of(rules.check_load_balancer).id, "{message}", {"message": message})
    return value


LoadBalancer = Annotated[str, Field(max_length=32), AfterValidator(_check_mode)]


class Model(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        strict=True,
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
        hide_input_in_errors=True,
    )


class HealthCheck(Model):
    """How the load balancer probes each Pod (GKE creates the health check from this)."""

    path: HcPath = Field(description="HTTP path probed on every Pod; must answer 200 without IAP headers, "
                         "e.g. /healthz")
    port: Port | None = Field(None, description="Probe port; must equal targetPort (with NEGs the probe "
                              "reaches the Pod IP). Omit it.")
    protocol: Protocol | None = Field(None, description="Probe protocol; must equal the service's protocol. "
                                      "Omit it.")
    check_interval_sec: Seconds = Field(15, description="Seconds between probes, 1..300.")
    timeout_sec: Seconds = Field(5, description="Seconds to wait for an answer, 1..300, <= checkIntervalSec.")
    healthy_threshold: Threshold = Field(1, description="Consecutive successes to become healthy, 1..10.")
    unhealthy_threshold: Threshold = Field(2, description="Consecutive failures to become unhealthy, 1..10.")


class RequestLogging(Model):
    """Load-balancer request logs (Cloud Logging, resource.type="http_load_balancer")."""

    sample_rate: Annotated[float, Field(ge=0, le=1)] = Field(
        1.0, description="Share of requests logged, 0..1: 1.0 logs every request (GKE Ingress's default), 0 turns "
        "request logging off.")


class EnvironmentIap(Model):
    members: Members = Field((), description="IAM principals granted IAP access to every service of the "
                             "environment, e.g. group:eng@acme.example.")
    project_wide: bool = Field(False, description="Grant the members on every IAP web resource of the project "
                               "instead of on each service's backend (broader; off unless you ask).")
    oauth_client_id: OAuthClientId | None = Field(None, description="A custom OAuth client for IAP (for users "
                                                  "outside the organization or programmatic access); its secret "
                                                  "comes from `pulumi config set --secret iapgen:oauthClientSecret`. "
                                                  "Omit to use the Google-managed client.")


class Iap(Model):
    """Identity-Aware Proxy for one service: on unless the spec says otherwise."""

    enabled: bool = Field(True, description="IAP is on unless a service turns it off with a reason.")
    members: Members = Field((), description="Principals added to the environment's members for this "
                             "service, e.g. user:alice@acme.example.")
    reason: str | None = Field(None, max_length=500, description="Why IAP is off (required with enabled: "
                               "false).")

    @model_validator(mode="after")
    def _reason_when_disabled(self) -> Iap:
        message = iaprules.check_iap_reason(self.enabled, self.reason)
        if message:
            raise PydanticCustomError(iaprules.IAP_DISABLED_NO_REASON.id, "{message}",
                                      {"message": message})
        return self


class Names(Model):
    """Names of live objects to keep when adopting them (`iapgen import` writes these); omit to use iapgen's."""

    backend_config: ObjectName | None = Field(None, description="The BackendConfig to keep; default: the service "
                                              "name.")
    certificate: ObjectName | None = Field(None, description="The ManagedCertificate to keep for this host; default: "
                                           "the service name.")
    ingress: ObjectName | None = Field(None, description="The Ingress to keep for this host; every service that "
                                       "Ingress serves must name the same one. Default: iapgen (iapgen-N).")
    static_ip: GceName | None = Field(None, description="GCE name of that Ingress's global static IP to keep; every "
                                      "service it serves must name the same one. Default: "
                                      "iapgen-<env>-<namespace> (-N).")


class Service(Model):
    """One app to expose through the load balancer and IAP."""

    name: Name = Field(description="DNS-1035 label; names the Service, BackendConfig and certificate.")
    namespace: Namespace = Field(description="Kubernetes namespace of the app's Pods.")
    selector: Selector = Field(description="Labels of the app's Pods, e.g. {app.kubernetes.io/name: web}.")
    port: Port = Field(description="Service port: what the load balancer targets, e.g. 443.")
    target_port: Port = Field(description="Container port the server listens on (on 0.0.0.0), e.g. 8080.")
    protocol: Protocol = Field(description="What the server speaks on targetPort: HTTP, HTTPS or HTTP2 "
                               "(HTTP/2 over TLS).")
    health_check: HealthCheck = Field(description="How the load balancer probes the Pods; path is required.")
    iap: Iap = Field(default_factory=Iap, description="Identity-Aware Proxy settings for this service.")
    request_logging: RequestLogging | None = Field(None, description="Request logging of this service; default: "
                                                   "the environment's requestLogging.")
    host: Host | None = Field(None, description="Public host name; default <name>.<environment domain>.")
    names: Names = Field(default_factory=Names, description="Names of live objects to keep (adoption); omit to "
                         "use iapgen's names.")
    ingress: Annotated[int, Field(ge=1, le=1000)] | None = Field(
        None, description="Which of the namespace's Ingresses serves this host (1 = `iapgen`, N = `iapgen-N`, 15 "
        "hosts each). Omit it for Ingress 1; required on the services past its 15, so that removing or inserting "
        "a service never moves another to a new IP (the error names the Ingress with room).")
    clusters: Annotated[tuple[Name, ...], Field(min_length=1, max_length=50, strict=False)] | None = Field(
        None, description="The clusters of the environment's fleet that run this service, e.g. [west]; default "
        "every one. Read only by modes that deploy to several clusters (multicluster-gateway); other modes "
        "refuse it.")
    overrides: dict[EnvName, dict[str, Any]] = Field(
        default_factory=dict, description="Per-environment values for any field above except name: maps merge "
        "key by key, lists and scalars are replaced.")


DEFAULT_MODE = "ingress"
ENVIRONMENTS: dict[str, type[Environment]] = {}
"""loadBalancer -> the environment model of that mode; each mode package registers its own (iapgen/modes)."""


class Environment(Model):
    """One deployment target; its key is the Pulumi stack name."""

    # The fields every mode has: each mode's model (iapgen/modes/<mode>/) adds its own, and validation picks the
    # model by `loadBalancer` (_by_mode).

    project: ProjectId = Field(description="GCP project id, e.g. acme-dev.")
    domain: Host = Field(description="Default host suffix: a service's host is <name>.<domain>.")
    iap: EnvironmentIap = Field(default_factory=EnvironmentIap, description="IAP settings for every service.")
    request_logging: RequestLogging = Field(default_factory=RequestLogging, description="Request logging of every "
                                            "service, the same in every mode (default: every request, as GKE "
                                            "Ingress does).")
    load_balancer: LoadBalancer = Field(DEFAULT_MODE, description="How services are exposed: ingress (GKE Ingress "
                                        "creates the load balancer), standalone (the stack owns it, behind "
                                        "standalone NEGs) or gateway (one GKE Gateway for the environment).")

    @model_validator(mode="wrap")
    @classmethod
    def _by_mode(cls, data: Any, handler: ModelWrapValidatorHandler[Environment]) -> Environment:
        """Validate a mapping as the model of its mode; an unknown mode falls through to LB_MODE_INVALID."""
        if cls is Environment and isinstance(data, dict):
            variant = ENVIRONMENTS.get(data.get("loadBalancer", DEFAULT_MODE))
            if variant is not None:
                return variant.model_validate(data)
        return handler(data)


def register_environment(mode: str, model: type[Environment]) -> None:
    """Make `model` the environment of `loadBalancer: mode` (called once by each mode package)."""
    if ENVIRONMENTS.get(mode, model) is not model:
        raise ValueError(f"loadBalancer mode {mode} registered twice")
    ENVIRONMENTS[mode] = model


def variant_of(data: Any) -> type[Environment]:
    """The environment model validation picks for a raw mapping (the base model for an unknown mode)."""
    mode = data.get("loadBalancer", DEFAULT_MODE) if isinstance(data, dict) else DEFAULT_MODE
    return ENVIRONMENTS.get(mode, Environment) if isinstance(mode, str) else Environment


def field_owners() -> dict[str, list[str]]:
    """{YAML field: the modes whose environments have it} for the fields not every mode has."""
    common = {field.alias or name for name, field in Environment.model_fields.items()}
    owners: dict[str, list[str]] = {}
    for mode, model in ENVIRONMENTS.items():
        for name, field in model.model_fields.items():
            if (field.alias or name) not in common:
                owners.setdefault(field.alias or name, []).append(mode)
    return owners


class Spec(Model):
    """services.yaml: environments and the services exposed in each."""

    environments: dict[EnvName, Environment] = Field(min_length=1, description="Keyed by Pulumi stack name.")
    services: tuple[Service, ...] = Field((), max_length=10000, strict=False, description="The services to expose.")
