# Heart to Heart. Every target works on a fresh clone with only python3 and make:
# uv is installed with pip when missing, and never downloads a Python. The ASK CLI targets
# (ask-cli, ask, skill-deploy) also need Node 20+ and npm; nothing else does.
export UV_PYTHON_DOWNLOADS := never
export PATH := $(HOME)/.local/bin:$(PATH)

# uv from PATH, else as a module of python3 (where `pip install uv` puts it either way).
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
HOST ?= 127.0.0.1
PORT ?= 5000
# The ASK CLI pinned in infra/package.json, run by its path: `npx ask` without it installed
# would fetch the registry's unrelated package named `ask` instead.
ASK := $(CURDIR)/infra/node_modules/.bin/ask

.PHONY: help install run chat test lint format bench models content clean
.PHONY: lambda-zip skill-package ask-cli ask skill-deploy

help:
	@echo "make run     the skill web service on http://$(HOST):$(PORT)/ (dev mode, local store)"
	@echo "make chat    talk to the skill by typing"
	@echo "make test    the whole test suite"
	@echo "make lint    ruff, and mypy on skill/"
	@echo "make bench   the performance harness"
	@echo "make models  rebuild interaction_models/ from its source"
	@echo "make content compile the starters and phrases into skill/content/compiled/"
	@echo "make lambda-zip     the deployable Lambda zip, dist/lambda.zip"
	@echo "make skill-package  the ASK CLI skill package, dist/skill-package (LAMBDA_ARN=arn:... sets its endpoint)"
	@echo "make ask-cli        the pinned ASK CLI, in infra/node_modules (needs Node 20+ and npm)"
	@echo "make ask ARGS=\"...\" that ASK CLI, run in infra/: ARGS=\"configure\", ARGS=\"smapi --help\""
	@echo "make skill-deploy   skill-package, then ask deploy in infra/: the skill metadata only,"
	@echo "                    or with LAMBDA_ARN=arn:... the whole skill, which enables it"

.venv/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv \
		|| python3 -m pip install --quiet --user uv \
		|| python3 -m pip install --quiet --break-system-packages uv
	$(UV) sync --frozen
	@touch $@

install: .venv/.synced

run: install
	$(UV) run --frozen heart-to-heart serve --dev --host $(HOST) --port $(PORT)

chat: install
	$(UV) run --frozen heart-to-heart chat

test: install
	$(UV) run --frozen pytest -n 2 --dist loadgroup

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy

format: install
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

bench: install
	$(UV) run --frozen python -m benchmarks

models: install
	$(UV) run --frozen heart-to-heart models build

content: install
	$(UV) run --frozen heart-to-heart content build

lambda-zip: install
	$(UV) run --frozen python -m skill.tools.packaging lambda-zip --out dist/lambda.zip

skill-package: install
	$(UV) run --frozen python -m skill.tools.packaging skill-package --out dist $(if $(LAMBDA_ARN),--endpoint $(LAMBDA_ARN))

# npm ci installs exactly infra/package-lock.json (ask-cli pinned, antlr4ts overridden). npm ci
# empties node_modules first, so the stamp inside it goes too. Install scripts are skipped: they
# only print ask-cli's telemetry notice and build dtrace-provider, an optional native module.
infra/node_modules/.installed: infra/package.json infra/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make ask-cli needs Node 20+ and npm" >&2; exit 1; }
	npm ci --prefix infra --ignore-scripts --no-audit --no-fund
	@touch $@

ask-cli: infra/node_modules/.installed

ask: ask-cli
	cd infra && $(ASK) $(ARGS)

# Steps 1 and 3 of the README's deploy: without an endpoint, create or update the skill's
# metadata only (enabling needs the endpoint); with LAMBDA_ARN, deploy and enable.
skill-deploy: skill-package ask-cli
	cd infra && $(ASK) deploy $(if $(LAMBDA_ARN),,--target skill-metadata)

clean:
	rm -rf .venv .pytest_cache .ruff_cache .mypy_cache infra/node_modules
