"""iapgen: put GKE apps behind a Google Cloud load balancer and Identity-Aware Proxy, correctly.

One subpackage per concern (docs/design.md, "Code layout"):
- spec/        the spec file: models, YAML loading with lines, validation, the rule catalogue, names
- lint/        `iapgen lint`: reading anyone's manifests, the checks by object kind, rule docs
- render/      `iapgen render`: the Pulumi program run offline, the files it writes
- operations/  runbooks, `iapgen doctor`, `iapgen diff`
- access/      calling IAP apps (`iapgen token`/`curl`, IapAuth) and verifying IAP's JWT inside them
- googleapi/   a small Compute Engine / Resource Manager REST client
The Pulumi components live in the top-level `components` package.
"""

__version__ = "0.1.0"
