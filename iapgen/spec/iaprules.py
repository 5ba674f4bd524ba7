"""The IAP value checks: who may pass IAP, the OAuth client, and turning IAP off (see rules.py for the
other value checks, rulebook.py for what a declaration holds)."""

from __future__ import annotations

import re

from iapgen.errors import show
from iapgen.spec import examples_values as value_examples
from iapgen.spec.rulebook import Rule
from iapgen.spec.rules import HOSTNAME

# --- IAP ----------------------------------------------------------------------------------

MEMBER_PREFIXES = ("user:", "group:", "serviceAccount:", "domain:", "principal://", "principalSet://")
EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


IAP_PUBLIC_MEMBER = Rule(
    "IAP_PUBLIC_MEMBER", "allUsers/allAuthenticatedUsers defeat IAP and are refused.",
    source="gke-behaviour.md#iap-enable-and-bind",
    why="They let anyone through IAP.", fix="List the groups or users who need access.",
    examples=value_examples.IAP_PUBLIC_MEMBER)


@IAP_PUBLIC_MEMBER.check
def check_member_public(member: str) -> str | None:
    if member in ("allUsers", "allAuthenticatedUsers"):
        return (f"{member} would let anyone through IAP; list the groups or users who need access "
                "(e.g. group:eng@acme.example), or disable IAP with a reason")
    return None


IAP_MEMBER_PREFIX = Rule(
    "IAP_MEMBER_PREFIX", "IAP members are IAM principals: user:, group:, serviceAccount:, domain:, principal://.",
    source="gke-behaviour.md#iap-enable-and-bind",
    why="IAM refuses a member without a principal type.", fix="Prefix it: user:, group:, serviceAccount:, domain:.",
    examples=value_examples.IAP_MEMBER_PREFIX)


@IAP_MEMBER_PREFIX.check
def check_member_prefix(member: str) -> str | None:
    kind, sep, rest = member.partition(":")
    if member.startswith(("principal://", "principalSet://")):
        return None
    if not sep or f"{kind}:" not in MEMBER_PREFIXES:
        suggestion = f"user:{member}" if EMAIL.fullmatch(member) else "user:alice@example.com"
        return (f"{show(member)} has no principal type; IAM needs one of user:, group:, "
                f"serviceAccount:, domain: (e.g. {suggestion})")
    if kind == "domain":
        if not HOSTNAME.fullmatch(rest):
            return f"{show(member)}: domain: takes a domain name, e.g. domain:acme.example"
    elif not EMAIL.fullmatch(rest):
        return f"{show(member)}: {kind}: takes an e-mail address, e.g. {kind}:someone@acme.example"
    return None


OAUTH_CLIENT_ID = re.compile(r"^[0-9]+-[a-z0-9]+\.apps\.googleusercontent\.com$")


OAUTH_CLIENT_ID_INVALID = Rule(
    "OAUTH_CLIENT_ID_INVALID", "A custom IAP OAuth client id looks like 123-abc.apps.googleusercontent.com.",
    source="gke-behaviour.md#iap-oauth-client",
    why="IAP refuses a client id of another form.",
    fix="Copy the id from the console's Credentials page, or omit it to use the Google-managed client.",
    examples=value_examples.OAUTH_CLIENT_ID_INVALID)


@OAUTH_CLIENT_ID_INVALID.check
def check_oauth_client_id(value: str) -> str | None:
    if not OAUTH_CLIENT_ID.fullmatch(value):
        return (f"{show(value)} is not an OAuth client id (NUMBER-ID.apps.googleusercontent.com, from Console > APIs "
                "& Services > Credentials); omit oauthClientId to use the Google-managed client")
    return None


IAP_DISABLED_NO_REASON = Rule(
    "IAP_DISABLED_NO_REASON", "Turning IAP off exposes the app to the internet; it needs a reason.",
    source="design.md#services, gke-behaviour.md#iap-enable-and-bind",
    why="Without IAP anyone on the internet reaches the app.", fix="Add iap.reason, or remove enabled: false.",
    examples=value_examples.IAP_DISABLED_NO_REASON)


@IAP_DISABLED_NO_REASON.check
def check_iap_reason(enabled: bool, reason: str | None) -> str | None:
    if not enabled and not (reason or "").strip():
        return ("IAP is disabled without a reason; the app would be reachable by anyone on the internet. "
                "Add iap.reason explaining why (e.g. 'public status page'), or remove enabled: false")
    return None
