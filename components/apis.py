"""The Google APIs an environment's mode needs, enabled by the stack and never disabled by it.

A fresh project has Compute Engine on (GKE needs it) but not Certificate Manager or IAP: without these
resources the first `pulumi up` fails part-way (docs/gke-behaviour.md#project-apis). Every Google Cloud
resource of the stack, and every dynamic resource that calls a Google API, waits for them; `pulumi destroy`
leaves them on (`disable_on_destroy=False`), since other workloads in the project may use them.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_gcp.projects.service import Service

# Types that talk to Google APIs: pulumi-gcp's, and the dynamic resources that call the Compute API.
_GOOGLE = ("gcp:", "pulumi-python:dynamic:Resource")
_SERVICE_TYPE = "gcp:projects/service:Service"


class ProjectApis(pulumi.ComponentResource):
    """One `gcp.projects.Service` per API the mode needs."""

    services: list[Service]

    def __init__(self, name: str, project: str, apis: Sequence[str], opts: pulumi.ResourceOptions | None = None):
        super().__init__("iapgen:apis:ProjectApis", name, None, opts)
        self.services = [
            Service(f"{name}-{api.split('.')[0]}", project=project, service=api, disable_on_destroy=False,
                    disable_dependent_services=False, opts=pulumi.ResourceOptions(parent=self))
            for api in apis]
        self.register_outputs({"services": [s.service for s in self.services]})


def wait_for(apis: ProjectApis) -> None:
    """Make every Google Cloud resource of the stack depend on the APIs (a stack transformation, so each mode's
    components need not pass it down)."""
    if not apis.services:
        return

    def transform(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        if not args.type_.startswith(_GOOGLE) or args.type_ == _SERVICE_TYPE:
            return None
        # merge() appends to the resource's own depends_on
        return pulumi.ResourceTransformationResult(
            args.props, pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(depends_on=list(apis.services))))

    pulumi.runtime.register_stack_transformation(transform)
