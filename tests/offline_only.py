"""Keep the test suite's network traffic on this machine.

google-auth looks for the GCE metadata server (169.254.169.254) when it finds no credentials, and
requests honours HTTP proxies. Neither may take a test off 127.0.0.1: skip the metadata probe (read
by google-auth when it first looks for the metadata server, so this must be set before any test
runs), point the metadata host at a closed loopback port should anything still try, and drop proxies.
"""

import os

os.environ["NO_GCE_CHECK"] = "true"
os.environ["GCE_METADATA_HOST"] = "127.0.0.1:9"
os.environ["GCE_METADATA_IP"] = "127.0.0.1:9"
for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(proxy, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
