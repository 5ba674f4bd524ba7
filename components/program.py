"""The Pulumi program: what `pulumi up` runs (through __main__.py) and `iapgen render` runs offline.

Load the spec, pick the environment the stack selects and its mode (iapgen/modes), let the mode's Pulumi side
build it (components/<mode>/), and export the outputs every mode shares. Stack config (Pulumi.<stack>.yaml):
- `iapgen:spec`        path of the spec file, relative to the project (default services.yaml);
- `iapgen:environment` environment to deploy (default: the stack name);
- `gcp:project`        optional; when set it must equal the environment's project;
- `kubernetes:context` the kubeconfig context of the environment's cluster;
- `iapgen:clusterUid`  optional; the cluster's ingress UID, when several clusters share the project;
- `iapgen:backendWaitSeconds` how long to wait for GKE to create each backend (default 900);
- `iapgen:oauthClientSecret` (secret) the custom IAP OAuth client's secret, with iap.oauthClientId.
"""

from __future__ import annotations

import importlib

import pulumi

from components.apis import ProjectApis, wait_for
from components.hclogging import DEFAULT_WAIT_SECONDS
from components.iap import OAUTH_SECRET_CONFIG, ProjectIap
from components.shared import BuildContext, Built
from iapgen.errors import SpecError
from iapgen.modes import mode_of
from iapgen.spec.exposure import Exposure
from iapgen.spec.models import DEFAULT_MODE, Environment
from iapgen.spec.stackrules import OAUTH_SECRET_MISSING, PROJECT_MISMATCH, STACK_CONFIG_INVALID
from iapgen.spec.validate import LoadedSpec, load_spec

DEFAULT_SPEC = "services.yaml"


def selected_environment(loaded: LoadedSpec) -> tuple[str, Environment, tuple[Exposure, ...]]:
    """The environment the stack selects, checked against gcp:project; raises SpecError."""
    config = pulumi.Config("iapgen")
    env = config.get("environment") or pulumi.get_stack()
    environment, exposures = loaded.environment(env)
    configured = pulumi.Config("gcp").get("project")
    if configured and configured != environment.project:
        raise SpecError.single(
            loaded.file, 1, f"environments.{env}.project",
            f"the spec deploys {env} to project {environment.project} but stack config gcp:project is "
            f"{configured}; fix one of them (pulumi config set gcp:project {environment.project})",
            PROJECT_MISMATCH)
    return env, environment, exposures


def deploy() -> None:
    """The program `pulumi up` runs: load the spec named by stack config, then build it."""
    spec_path = pulumi.Config("iapgen").get("spec") or DEFAULT_SPEC
    try:
        build(load_spec(spec_path))
    except SpecError as err:
        # RunError prints the message without a Python traceback.
        raise pulumi.RunError(f"iapgen: the spec has problems:\n{err}") from None


def build(loaded: LoadedSpec) -> None:
    """Create every resource of the environment the stack selects and export what users need."""
    env, environment, exposures = selected_environment(loaded)
    mode = mode_of(environment)
    config = pulumi.Config("iapgen")
    secret = oauth_client_secret(loaded, env, environment, config, mode.google_managed_oauth_client)
    ctx = BuildContext(env, environment, exposures, secret,
                       wait_seconds(loaded, config), config.get("clusterUid") or "")
    wait_for(ProjectApis(f"{env}/apis", environment.project, mode.apis))
    if environment.iap.project_wide and environment.iap.members:
        ProjectIap(f"{env}/project-iap", environment.project, environment.iap.members)
    # Imported per mode: each pulumi_gcp resource module costs a second of cold start (make bench).
    built: Built = importlib.import_module(mode.components).build(ctx)
    pulumi.export("runbooks", {e.service.name: mode.runbook(e) for e in exposures})
    pulumi.export("environment", env)
    pulumi.export("project", environment.project)
    if mode.name != DEFAULT_MODE:  # the default mode's stacks predate the output: keep their outputs as they were
        pulumi.export("loadBalancer", mode.name)
    for key, value in built.outputs.items():
        pulumi.export(key, value)


def wait_seconds(loaded: LoadedSpec, config: pulumi.Config) -> int:
    raw = config.get("backendWaitSeconds")
    if raw is None:
        return DEFAULT_WAIT_SECONDS
    if not raw.strip().isascii() or not raw.strip().isdecimal() or not 1 <= int(raw) <= 86400:
        raise SpecError.single(
            loaded.file, None, "iapgen:backendWaitSeconds",
            f"stack config iapgen:backendWaitSeconds is {raw[:40]!r}; it is the seconds to wait for GKE to create "
            "each backend: a whole number from 1 to 86400 (default 900)", STACK_CONFIG_INVALID)
    return int(raw)


def oauth_client_secret(loaded: LoadedSpec, env: str, environment: Environment, config: pulumi.Config,
                        managed_client: bool) -> pulumi.Output[str] | None:
    """The custom OAuth client's secret; `managed_client`: whether the mode could do without one."""
    if not environment.iap.oauth_client_id:
        return None
    secret = config.get_secret(OAUTH_SECRET_CONFIG)
    if secret is None:
        raise SpecError.single(
            loaded.file, 1, f"environments.{env}.iap.oauthClientId",
            f"names a custom OAuth client, but stack config iapgen:{OAUTH_SECRET_CONFIG} is not set: run pulumi "
            f"config set --secret iapgen:{OAUTH_SECRET_CONFIG} CLIENT_SECRET"
            + (" (or omit oauthClientId to use the Google-managed client)" if managed_client else
               f" ({environment.load_balancer} mode's IAP needs a custom client)"), OAUTH_SECRET_MISSING)
    return secret
