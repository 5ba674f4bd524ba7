"""Templates for iapgen (jinja2); installed as package data."""
