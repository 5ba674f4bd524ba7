"""The rules that only `iapgen lint` checks (cross-object and manifest-only), in the order `iapgen rules`
lists them. Value rules shared with spec validation are registered in iapgen.spec.rules."""

from __future__ import annotations

from iapgen.spec import rules
from iapgen.spec.rules import WARNING

_reg = rules._register
_reg("APP_PROTOCOLS_LEGACY", "Set one app-protocols key: GKE reads the legacy one first and ignores the other.",
     "gke-behaviour.md#app-protocols-legacy-key", WARNING)
_reg("APP_PROTOCOL_IGNORED", "GKE Ingress ignores spec.ports[].appProtocol; only the annotation sets the "
     "backend protocol.", "gke-behaviour.md#app-protocol-field-ignored-by-ingress", WARNING)
_reg("SERVICE_PORT_NAMES", "A Service with several ports needs unique port names.",
     "gke-behaviour.md#service-validation")
_reg("NEG_CUSTOM_NAME", "Custom NEG names must be valid GCE names and cannot be combined with "
     "\"ingress\": true.", "gke-behaviour.md#neg-custom-names")
_reg("NEG_ENABLES_NOTHING", "A cloud.google.com/neg annotation that enables no NEG.",
     "gke-behaviour.md#neg-ingress-annotation, gke-behaviour.md#neg-exposed-ports-keys",
     WARNING)
_reg("CONTROLLER_OWNED", "neg-status and ServiceNetworkEndpointGroup belong to the GKE controller.",
     "gke-behaviour.md#neg-status-annotation, gke-behaviour.md#svcneg-objects", WARNING)
_reg("CLUSTERIP_WITHOUT_NEG", "A ClusterIP Service behind GKE Ingress needs the {\"ingress\": true} NEG "
     "annotation.", "gke-behaviour.md#neg-ingress-annotation")
_reg("BACKENDCONFIG_NOT_FOUND", "The BackendConfig a Service names must exist in the Service's namespace.",
     "gke-behaviour.md#backend-config-annotation")
_reg("BACKENDCONFIG_ANNOTATION", "backend-config needs default or ports, and ports keys must match Service "
     "ports.", "gke-behaviour.md#backend-config-annotation")
_reg("HC_PORT_INSTANCE_GROUP", "With instance-group backends the health-check port must be reachable on the "
     "node.", "gke-behaviour.md#hc-port-container-port", WARNING)
_reg("IAP_AND_CDN", "IAP and Cloud CDN cannot both be enabled on one backend.",
     "gke-behaviour.md#iap-and-cdn-exclusive")
_reg("IAP_OAUTH_CREDENTIALS", "oauthclientCredentials needs secretName; the Secret needs client_id and "
     "client_secret.", "gke-behaviour.md#iap-oauth-client, gke-behaviour.md#backendconfig-fields")
_reg("INGRESS_CLASS_NAME", "GKE Ingress is selected by the kubernetes.io/ingress.class annotation, not "
     "ingressClassName.", "gke-behaviour.md#ingress-class-gce")
_reg("INGRESS_BACKEND_PORT", "An Ingress backend must name a port the Service has.",
     "gke-behaviour.md#ingress-backend-port")
_reg("INGRESS_PATH_WILDCARD", "Prefix and Exact paths cannot contain '*' on GKE.",
     "gke-behaviour.md#ingress-path-types")
_reg("IAP_WITHOUT_HTTPS", "IAP needs an HTTPS frontend: a certificate on the Ingress.",
     "gke-behaviour.md#iap-needs-https", WARNING)
_reg("FRONTENDCONFIG_NOT_FOUND", "The FrontendConfig an Ingress names must exist in its namespace.",
     "gke-behaviour.md#frontendconfig-https-redirect, gke-behaviour.md#ingress-same-namespace")
_reg("ANNOTATION_IGNORED", "A GKE annotation on an object GKE does not read it from.",
     "gke-behaviour.md#app-protocol-field-ignored-by-ingress, gke-behaviour.md#backend-config-annotation",
     WARNING)
_reg("INGRESS_DUPLICATE_HOST", "A host in two rules of one GKE Ingress: the later rule replaces the earlier.",
     "gke-behaviour.md#ingress-one-rule-per-host", WARNING)
_reg("TARGET_PORT_NOT_DECLARED", "The targetPort is not among the containerPorts the selected Pods declare.",
     "gke-behaviour.md#neg-endpoints, gke-behaviour.md#hc-port-container-port", WARNING)
_reg("APP_PROTOCOLS_MISSING", "A port named or numbered for TLS/gRPC behind GKE Ingress with no app-protocols "
     "entry is spoken to in plain HTTP.", "gke-behaviour.md#app-protocols-by-port-name", WARNING)
_reg("HC_UNKNOWN_FIELD", "BackendConfig healthCheck fields are checkIntervalSec, timeoutSec, healthyThreshold, "
     "unhealthyThreshold, type, requestPath, port.", "gke-behaviour.md#backendconfig-fields", WARNING)
_reg("API_REMOVED", "The object uses an API version current GKE no longer serves.",
     "gke-behaviour.md#removed-api-versions",
     WARNING)
_reg("TARGET_PORT_NAME_UNKNOWN", "A named targetPort must match a containerPort name of the selected Pods.",
     "gke-behaviour.md#service-validation, gke-behaviour.md#hc-source-ranges")

# Rules that `iapgen lint` reports at another severity than the catalogue's in some cases, and why. Spec
# validation reports every rule as an error: a spec either deploys correctly or is refused. Lint judges
# anyone's manifests, sometimes without the objects that would make the finding certain.
SEVERITY_NOTES = {
    "HC_PORT_NOT_TARGET": "A warning when the Pods the Service selects are not in the "
    "Service's own file, or declare no containerPorts: the port may be a health-check sidecar's that lint cannot see.",
    "HC_TIMEOUT_GT_INTERVAL": "A warning when checkIntervalSec is set alone, is at least the "
    "NEG default timeout (15 s) and below the instance-group one (60 s), and the Service is instance-group backed "
    "only by inference (GKE may give it NEGs itself); also when checkIntervalSec is set alone and the Pods behind "
    "every Service using the BackendConfig have an HTTP readinessProbe on the serving port whose timeoutSeconds "
    "(default 1) fits in the interval: the controller takes that timeout when it creates the health check, so "
    "the config syncs, but only if the health check was created with that probe "
    "(gke-behaviour.md#hc-readiness-probe-timeout).",
    "HC_PORT_SPECIFICATION": "A warning for a port set with portSpecification omitted: the newest open-source "
    "HealthCheckPolicy CRD rejects that form, but GKE's own documentation examples use it and clusters whose "
    "installed CRD predates the rule accept it (gke-behaviour.md#healthcheckpolicy-port-without-specification). "
    "A port with an explicit USE_SERVING_PORT stays an error.",
    "GATEWAY_INGRESS_SETTING": "A warning for a backend-config annotation on a Service that a HealthCheckPolicy or "
    "GCPBackendPolicy in the inputs already targets: the policies configure the backend, the annotation is only "
    "dead weight.",
    "ROUTE_BACKEND_NOT_FOUND": "A warning when the namespace's Services are only in other files than the route's: "
    "the missing one may be applied from elsewhere.",
    "CRD_SCHEMA": "A warning when a CEL rule of the CRD cannot be evaluated on the object (it reads a field the "
    "object leaves unset) rather than failing: clusters whose CRD has the rule reject the object, but the CRDs GKE "
    "installs are not always the published ones (gke-behaviour.md#crd-schemas).",
    "BACKENDCONFIG_NOT_FOUND": "A warning when the evidence is in other files (a similar name there, or only other "
    "files define BackendConfigs in that namespace): the named one may be applied from elsewhere; also when a "
    "Service and its BackendConfig disagree on setting a namespace.",
    "CLUSTERIP_WITHOUT_NEG": "A warning when the NEG annotation is absent altogether: GKE adds it itself on "
    "VPC-native clusters from 1.17.6-gke.7.",
    "APP_PROTOCOLS_LEGACY": "An error when the two keys differ: the new key's protocols are then ignored.",
    "LISTENS_ON_LOCALHOST": "A warning when the setting names no port and the Pod serves several targeted ports: "
    "lint cannot tell which server it configures.",
}
