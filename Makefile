# Budget warehouse: make setup | run | test | dagster | lint
# Needs only python3 and make: `setup` installs uv (with pip, into the user's scripts folder) when missing.

.DEFAULT_GOAL := help
.PHONY: help setup run test dagster lint

# uv: on PATH, else where `pip install --user` puts it. Expanded when a recipe runs (recursive `?=`),
# so a uv installed by `setup` is found by the targets that follow.
UV_USER_BIN = $(shell python3 -c 'import sysconfig as s; f = getattr(s, "get_preferred_scheme", None); print(s.get_path("scripts", f("user") if f else "posix_user"))' 2>/dev/null)
UV ?= $(or $(shell command -v uv 2>/dev/null),$(UV_USER_BIN)/uv)

DAGSTER_HOME_DIR := $(CURDIR)/.dagster_home

help:
	@echo "make setup    install uv if missing, then uv sync --frozen"
	@echo "make run      setup, then budget-warehouse build (data/raw -> data/warehouse/budget.duckdb)"
	@echo "make test     setup, then pytest"
	@echo "make dagster  the Dagster UI (dagster dev) with DAGSTER_HOME=.dagster_home"
	@echo "make lint     ruff check ."

setup:
	@uv="$(UV)"; \
	if ! command -v "$$uv" >/dev/null 2>&1; then \
		echo "uv not found; installing it with pip (user install)"; \
		python3 -m pip --version >/dev/null 2>&1 || { echo "python3 has no pip: install pip (e.g. apt-get install python3-pip) or uv (https://docs.astral.sh/uv/)"; exit 1; }; \
		python3 -m pip install --user --quiet uv \
		|| python3 -m pip install --user --quiet --break-system-packages uv \
		|| python3 -m pip install --quiet uv \
		|| exit 1; \
		uv=$$(command -v uv 2>/dev/null || echo "$(UV_USER_BIN)/uv"); \
		command -v "$$uv" >/dev/null 2>&1 || { echo "uv installed but not found (looked on PATH and in $(UV_USER_BIN)); set UV=/path/to/uv"; exit 1; }; \
	fi; \
	echo "$$uv sync --frozen"; \
	"$$uv" sync --frozen

run: setup
	"$(UV)" run budget-warehouse build

test: setup
	"$(UV)" run pytest

dagster: setup
	@mkdir -p "$(DAGSTER_HOME_DIR)"
	@cp dagster_project/dagster.yaml "$(DAGSTER_HOME_DIR)/dagster.yaml"
	DAGSTER_HOME="$(DAGSTER_HOME_DIR)" "$(UV)" run dagster dev

lint: setup
	"$(UV)" run ruff check .
