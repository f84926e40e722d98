# Heart to Heart. Every target works on a fresh clone with only python3 and make:
# uv is installed with pip when missing, and never downloads a Python.
export UV_PYTHON_DOWNLOADS := never
export PATH := $(HOME)/.local/bin:$(PATH)

# uv from PATH, else as a module of python3 (where `pip install uv` puts it either way).
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: help install run chat test lint format bench models clean
.PHONY: lambda-zip skill-package

help:
	@echo "make run     the skill web service on http://$(HOST):$(PORT)/ (dev mode, local store)"
	@echo "make chat    talk to the skill by typing"
	@echo "make test    the whole test suite"
	@echo "make lint    ruff"
	@echo "make bench   the performance harness"
	@echo "make models  rebuild interaction_models/ from its source"
	@echo "make lambda-zip     the deployable Lambda zip, dist/lambda.zip"
	@echo "make skill-package  the ASK CLI skill package, dist/skill-package (LAMBDA_ARN=arn:... sets its endpoint)"

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

format: install
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

bench: install
	$(UV) run --frozen python -m benchmarks

models: install
	$(UV) run --frozen heart-to-heart models build

lambda-zip: install
	$(UV) run --frozen python -m skill.tools.packaging lambda-zip --out dist/lambda.zip

skill-package: install
	$(UV) run --frozen python -m skill.tools.packaging skill-package --out dist $(if $(LAMBDA_ARN),--endpoint $(LAMBDA_ARN))

clean:
	rm -rf .venv .pytest_cache .ruff_cache
