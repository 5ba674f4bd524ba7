"""`iapgen lint`: GKE load-balancing traps in anyone's Kubernetes YAML."""
