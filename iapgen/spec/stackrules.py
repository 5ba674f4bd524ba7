"""The rules the Pulumi program (components/program.py) checks against the stack's config. Declared here,
not beside that check, because `iapgen rules` and the docs must not import Pulumi."""

from __future__ import annotations

from iapgen.examplekit import ENV
from iapgen.spec.rulebook import Example, Rule

PROJECT_MISMATCH = Rule(
    "PROJECT_MISMATCH", "Stack config gcp:project differs from the environment's project.",
    source="design.md#stack-config",
    why="The stack would create objects in another project than the spec names.",
    fix="Set gcp:project to the environment's project.",
    examples=[Example("stack", ENV + "services: []\n", ENV + "services: []\n",
                      stack_config="config:\n  gcp:project: acme-prod\n",
                      good_stack_config="config:\n  gcp:project: acme-dev\n")])

STACK_CONFIG_INVALID = Rule(
    "STACK_CONFIG_INVALID", "A stack config value iapgen reads is not of the expected form.",
    source="design.md#stack-config",
    why="iapgen cannot use the value.", fix="Set the form the finding gives.",
    examples=[Example("stack", ENV + "services: []\n", ENV + "services: []\n",
                      stack_config="config:\n  iapgen:backendWaitSeconds: soon\n",
                      good_stack_config="config:\n  iapgen:backendWaitSeconds: 1200\n")])

_CUSTOM_CLIENT = ENV.replace("    iap: {members: [group:eng@acme.example]}",
                             "    iap: {members: [group:eng@acme.example], "
                             "oauthClientId: 1234-abcd.apps.googleusercontent.com}") + "services: []\n"

OAUTH_SECRET_MISSING = Rule(
    "OAUTH_SECRET_MISSING", "A custom IAP OAuth client needs its secret in the stack's secret config.",
    source="gke-behaviour.md#iap-oauth-client, design.md#stack-config",
    why="IAP cannot use a custom client without its secret.",
    fix="`pulumi config set --secret iapgen:oauthClientSecret ...`.",
    examples=[Example("stack", _CUSTOM_CLIENT, _CUSTOM_CLIENT, stack_config="config:\n  gcp:project: acme-dev\n",
                      good_stack_config="config:\n  gcp:project: acme-dev\n  iapgen:oauthClientSecret:\n"
                      "    secure: v1:AAAABBBBCCCC\n")])
