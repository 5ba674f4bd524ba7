"""iapgen: spec models, validation rules, Pulumi components and the command line."""

__version__ = "0.1.0"
