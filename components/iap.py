"""IAP access: who may pass Identity-Aware Proxy, granted per backend service by default.

Each principal gets its own `roles/iap.httpsResourceAccessor` IAM member resource, named
after the principal, so removing one from the spec removes exactly that binding and nothing
else. Members are never granted project-wide unless the environment says `projectWide: true`.

With a custom OAuth client (environments.<env>.iap.oauthClientId), the client secret comes
from the stack's secret config (`pulumi config set --secret iapgen:oauthClientSecret ...`)
into a Kubernetes Secret per namespace, and never appears in plan.json, summaries or errors.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import pulumi
import pulumi_kubernetes as k8s

# The resources' own modules, not pulumi_gcp.iap's package (which imports every IAP resource).
from pulumi_gcp.iap.web_backend_service_iam_member import WebBackendServiceIamMember
from pulumi_gcp.iap.web_iam_member import WebIamMember

ROLE = "roles/iap.httpsResourceAccessor"
OAUTH_SECRET = "iapgen-oauth"
OAUTH_SECRET_CONFIG = "oauthClientSecret"


def member_suffix(member: str) -> str:
    """A stable, readable logical-name suffix for a principal: group-eng-acme-example-1a2b3c."""
    readable = re.sub(r"[^a-z0-9]+", "-", member.lower()).strip("-")[:40].strip("-")
    digest = hashlib.sha256(member.encode()).hexdigest()[:6]
    return f"{readable}-{digest}"


def bind_backend_members(parent: pulumi.Resource, name: str, project: str, backend_service: pulumi.Input[str],
                         members: Sequence[str]) -> list[WebBackendServiceIamMember]:
    """One IAM member per distinct principal on one backend service."""
    return [
        WebBackendServiceIamMember(
            f"{name}-{member_suffix(member)}",
            project=project,
            web_backend_service=backend_service,
            role=ROLE,
            member=member,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for member in dict.fromkeys(members)
    ]


class ProjectIap(pulumi.ComponentResource):
    """Project-wide IAP access, only for environments that ask for it (iap.projectWide: true)."""

    def __init__(self, name: str, project: str, members: Sequence[str], opts: pulumi.ResourceOptions | None = None):
        super().__init__("iapgen:iap:ProjectIap", name, None, opts)
        self.members = [
            WebIamMember(f"{name}-{member_suffix(member)}", project=project, role=ROLE, member=member,
                                 opts=pulumi.ResourceOptions(parent=self))
            for member in dict.fromkeys(members)
        ]
        self.register_outputs({})


def oauth_secret(parent: pulumi.Resource, name: str, namespace: str, client_id: str,
                 client_secret: pulumi.Output[str]) -> k8s.core.v1.Secret:
    """The Secret GKE reads for a custom IAP OAuth client: keys client_id and client_secret."""
    return k8s.core.v1.Secret(
        f"{name}-oauth-secret",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=OAUTH_SECRET, namespace=namespace,
                                            labels={"app.kubernetes.io/managed-by": "iapgen"}),
        type="Opaque",
        string_data={"client_id": client_id, "client_secret": client_secret},  # already a secret Output
        opts=pulumi.ResourceOptions(parent=parent, additional_secret_outputs=["stringData", "data"]),
    )
