"""The Pulumi program: what `pulumi up` runs (through __main__.py) and `iapgen render` runs offline.

Stack config (Pulumi.<stack>.yaml):
- `iapgen:spec`        path of the spec file, relative to the project (default services.yaml);
- `iapgen:environment` environment to deploy (default: the stack name);
- `gcp:project`        optional; when set it must equal the environment's project;
- `kubernetes:context` the kubeconfig context of the environment's cluster.
"""

from __future__ import annotations

from collections import defaultdict

import pulumi

from components.backend import Backend, BackendArgs
from components.errors import SpecError
from components.frontend import Frontend, FrontendArgs
from components.validate import Exposure, LoadedSpec, load_spec

DEFAULT_SPEC = "services.yaml"


def selected_environment(loaded: LoadedSpec) -> tuple[str, tuple[Exposure, ...], str]:
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
            "PROJECT_MISMATCH")
    return env, exposures, environment.project


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
    env, exposures, project = selected_environment(loaded)
    backends: dict[str, Backend] = {}
    by_namespace: dict[str, list[Exposure]] = defaultdict(list)
    for exposure in exposures:
        backends[exposure.service.name] = Backend(exposure.service.name, BackendArgs(exposure))
        by_namespace[exposure.service.namespace].append(exposure)

    frontends = {
        # "/" keeps frontend names apart from service names (DNS labels): plan.json parents are unambiguous.
        namespace: Frontend(f"{namespace}/frontend", FrontendArgs(
            env=env, project=project, namespace=namespace, exposures=members,
            depends_on=[backends[e.service.name] for e in members]))
        for namespace, members in sorted(by_namespace.items())
    }

    pulumi.export("environment", env)
    pulumi.export("project", project)
    pulumi.export("addresses", {ns: {"name": f.address_name, "ip": f.address} for ns, f in frontends.items()})
    pulumi.export("services", {
        e.service.name: {
            "url": e.url,
            "host": e.host,
            "namespace": e.service.namespace,
            "service": backends[e.service.name].service_name,
            "backendConfig": backends[e.service.name].backend_config_name,
            "ip": frontends[e.service.namespace].address,
            "iapMembers": list(e.members) if e.service.iap.enabled else [],
        }
        for e in exposures
    })
