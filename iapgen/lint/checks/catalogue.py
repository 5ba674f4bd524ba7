"""The rules that only `iapgen lint` checks (cross-object and manifest-only), in the order `iapgen rules`
lists them. Value rules shared with spec validation are registered in iapgen.spec.rules."""

from __future__ import annotations

from iapgen.spec import rules
from iapgen.spec.rules import WARNING

_reg = rules._register
_reg("APP_PROTOCOLS_LEGACY", "Set one app-protocols key: GKE reads the legacy one first and ignores the other.",
     "gke-facts.md 1.1, rule 5", WARNING)
_reg("APP_PROTOCOL_IGNORED", "GKE Ingress ignores spec.ports[].appProtocol; only the annotation sets the "
     "backend protocol.", "gke-facts.md 1.1, rule 7", WARNING)
_reg("SERVICE_PORT_NAMES", "A Service with several ports needs unique port names.", "gke-facts.md 1.5, rule 6")
_reg("NEG_CUSTOM_NAME", "Custom NEG names must be valid GCE names and cannot be combined with "
     "\"ingress\": true.", "gke-facts.md 1.2, rule 9")
_reg("NEG_ENABLES_NOTHING", "A cloud.google.com/neg annotation that enables no NEG.", "gke-facts.md rule 10",
     WARNING)
_reg("CONTROLLER_OWNED", "neg-status and ServiceNetworkEndpointGroup belong to the GKE controller.",
     "gke-facts.md 1.3, 1.4, rule 11", WARNING)
_reg("CLUSTERIP_WITHOUT_NEG", "A ClusterIP Service behind GKE Ingress needs the {\"ingress\": true} NEG "
     "annotation.", "gke-facts.md 1.5, rule 12")
_reg("BACKENDCONFIG_NOT_FOUND", "The BackendConfig a Service names must exist in the Service's namespace.",
     "gke-facts.md 1.6, rule 13")
_reg("BACKENDCONFIG_ANNOTATION", "backend-config needs default or ports, and ports keys must match Service "
     "ports.", "gke-facts.md 1.6, rule 14")
_reg("HC_PORT_INSTANCE_GROUP", "With instance-group backends the health-check port must be reachable on the "
     "node.", "gke-facts.md 2.2, rule 20", WARNING)
_reg("IAP_AND_CDN", "IAP and Cloud CDN cannot both be enabled on one backend.", "gke-facts.md 2.1, rule 23")
_reg("IAP_OAUTH_CREDENTIALS", "oauthclientCredentials needs secretName; the Secret needs client_id and "
     "client_secret.", "gke-facts.md 2.1, rule 24")
_reg("INGRESS_CLASS_NAME", "GKE Ingress is selected by the kubernetes.io/ingress.class annotation, not "
     "ingressClassName.", "gke-facts.md 4.7")
_reg("INGRESS_BACKEND_PORT", "An Ingress backend must name a port the Service has.", "gke-facts.md 1.5, rule 1")
_reg("INGRESS_PATH_WILDCARD", "Prefix and Exact paths cannot contain '*' on GKE.", "gke-facts.md 4.7")
_reg("IAP_WITHOUT_HTTPS", "IAP needs an HTTPS frontend: a certificate on the Ingress.", "gke-facts.md 4.4, "
     "rule 41", WARNING)
_reg("FRONTENDCONFIG_NOT_FOUND", "The FrontendConfig an Ingress names must exist in its namespace.",
     "gke-facts.md 4.7")
_reg("ANNOTATION_IGNORED", "A GKE annotation on an object GKE does not read it from.", "gke-facts.md 1.1, 1.6",
     WARNING)
_reg("INGRESS_DUPLICATE_HOST", "A host in two rules of one GKE Ingress: the later rule replaces the earlier.",
     "ingress-gce GCEURLMap.PutPathRulesForHost", WARNING)
_reg("TARGET_PORT_NOT_DECLARED", "The targetPort is not among the containerPorts the selected Pods declare.",
     "gke-facts.md 1.5, 2.2", WARNING)
_reg("APP_PROTOCOLS_MISSING", "A port named or numbered for TLS/gRPC behind GKE Ingress with no app-protocols "
     "entry is spoken to in plain HTTP.", "gke-facts.md 1.1, rule 2", WARNING)
_reg("HC_UNKNOWN_FIELD", "BackendConfig healthCheck fields are checkIntervalSec, timeoutSec, healthyThreshold, "
     "unhealthyThreshold, type, requestPath, port.", "gke-facts.md 2.1", WARNING)
_reg("API_REMOVED", "The object uses an API version current GKE no longer serves.", "Kubernetes deprecation guide",
     WARNING)
_reg("TARGET_PORT_NAME_UNKNOWN", "A named targetPort must match a containerPort name of the selected Pods.",
     "gke-facts.md 1.5, 4.5")
