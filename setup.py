"""Which packages the wheel holds: found, not listed (pyproject.toml holds everything else).

Every package under components/ and iapgen/ is found (a folder without __init__.py too, so a data-only
folder such as iapgen/spec/schemas/ ships), plus iapgen.templates, which lives in templates/ (package-dir
in pyproject.toml) and which discovery alone cannot name. A new package needs no edit here.
"""

from setuptools import find_namespace_packages, setup

FOUND = find_namespace_packages(include=["components", "components.*", "iapgen", "iapgen.*"],
                                exclude=["*.__pycache__", "*.__pycache__.*", "tests*", "bench*", "build*"])

setup(packages=[*FOUND, "iapgen.templates"])
