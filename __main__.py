"""Pulumi entry point: one stack per environment (`pulumi stack select dev && pulumi up`)."""

from components.program import deploy

deploy()
