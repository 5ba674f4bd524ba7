"""The base of iapgen's dynamic providers that read or patch Google Cloud through the REST APIs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pulumi.dynamic

from iapgen.googleapi.compute import COMPUTE, RESOURCE_MANAGER, Client


class ComputeApiProvider(pulumi.dynamic.ResourceProvider):
    """A provider whose client reaches the Compute and Resource Manager APIs (endpoints from the
    resource's props, so tests point them at a fake on 127.0.0.1). `session_factory` and `sleep` are for tests."""

    serialize_as_secret_always = False

    def __init__(self, session_factory: Callable[[], Any] | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        super().__init__()
        self.session_factory = session_factory
        self.sleep = sleep

    def _client(self, props: dict[str, Any]) -> Client:
        return Client(str(props["project"]), session=self.session_factory() if self.session_factory else None,
                      compute=str(props.get("computeEndpoint") or COMPUTE),
                      resource_manager=str(props.get("resourceManagerEndpoint") or RESOURCE_MANAGER),
                      sleep=self.sleep)
