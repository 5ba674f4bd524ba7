"""The Pulumi side of iapgen: the component resources and the program `pulumi up` runs (program.py).

Everything else (spec, lint, render, operations, access, the Google API client) is the `iapgen` package.
"""
