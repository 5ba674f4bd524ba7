"""Access through IAP: ID tokens for programs and people, and verifying IAP's JWT inside an app."""
