"""`iapgen import`: adopt apps that already run (discover.py, specgen.py, yamlout.py, compare.py, command.py)."""
