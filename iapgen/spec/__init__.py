"""The spec file: models, YAML loading that keeps lines, validation and the rule catalogue."""
