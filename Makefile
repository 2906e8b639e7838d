# pipeline-architect: the template's own tasks.
#   make demo   render the default answers into ./demo, install it, run its pipeline
#   make test   the whole test suite (what CI runs)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
# `make bootstrap` installs uv from PyPI into this Python when it is missing; its scripts
# folder goes on PATH so that generated projects' Makefiles find `uv` too.
export PATH := $(shell python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$(PATH)
UV ?= uv
DEMO_DIR ?= demo
PYTEST := $(UV) run --frozen pytest

.PHONY: help bootstrap demo test test-unit test-render test-update test-e2e lint format

help: ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

bootstrap: ## Install uv (from PyPI) if missing, then the template's dev tools
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --group dev

demo: bootstrap ## Render the default answers into ./demo, install it and run its pipeline
	rm -rf $(DEMO_DIR)
	$(UV) run --frozen copier copy --trust --defaults --vcs-ref HEAD --quiet "$(CURDIR)" $(DEMO_DIR)
	@echo "== Generated $(DEMO_DIR)/ =="
	@cd $(DEMO_DIR) && find . -type f -not -path './.git/*' | sort | sed 's/^\.\//  /'
	@if grep -q '^setup:' $(DEMO_DIR)/Makefile 2>/dev/null; then \
		echo "== make setup run (in $(DEMO_DIR)/) =="; \
		$(MAKE) --no-print-directory -C $(DEMO_DIR) setup run; \
	fi
	@echo "== Design (docs/SCALABILITY.md, docs/ARCHITECTURE.md) =="
	@sed -n '/^## Stack and why/,/^## Principles/p' $(DEMO_DIR)/docs/ARCHITECTURE.md | sed '$$d'

test: bootstrap lint ## The whole test suite: unit, render, update and e2e tiers
	$(PYTEST) tests

test-unit: bootstrap ## Design-engine tests only (seconds)
	$(PYTEST) tests -m unit

test-render: bootstrap ## Render the defaults, presets and covering set and check them
	$(PYTEST) tests -m render

test-update: bootstrap ## copier update on a throwaway git copy of the template
	$(PYTEST) tests -m update

test-e2e: bootstrap ## Install generated projects and run their own tests (minutes)
	$(PYTEST) tests -m e2e

lint: bootstrap ## ruff on the design engine and the tests
	$(UV) run --frozen ruff check extensions tests
	$(UV) run --frozen ruff format --check extensions tests

format: bootstrap ## Fix formatting and safe lint findings
	$(UV) run --frozen ruff check --fix extensions tests
	$(UV) run --frozen ruff format extensions tests
