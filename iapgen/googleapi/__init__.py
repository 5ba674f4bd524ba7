"""Google Cloud REST clients (Compute Engine, Resource Manager) on google-auth."""
