# Budget warehouse: make setup | run | test | dashboard | dagster | lint | system-deps
# Needs only python3 and make: `setup` installs uv (with pip, into the user's scripts folder) when missing.

.DEFAULT_GOAL := help
.PHONY: help setup run test test-fast dashboard dagster lint system-deps docs validate-cluster

# uv: on PATH, else where `pip install --user` puts it. Expanded when a recipe runs (recursive `?=`),
# so a uv installed by `setup` is found by the targets that follow.
UV_USER_BIN = $(shell python3 -c 'import sysconfig as s; f = getattr(s, "get_preferred_scheme", None); print(s.get_path("scripts", f("user") if f else "posix_user"))' 2>/dev/null)
UV ?= $(or $(shell command -v uv 2>/dev/null),$(UV_USER_BIN)/uv)

DAGSTER_HOME_DIR := $(CURDIR)/.dagster_home
DASHBOARD_PORT ?= 8501
DASHBOARD_ADDRESS ?= 127.0.0.1

# what the tests need beyond Python: Debian's chromium (+ driver) for the dashboard's browser test, CJK fonts,
# (WenQuanYi Zen Hei: a TrueType font reportlab can embed when rendering the seeds as PDFs), LibreOffice and
# poppler for the document conversions, PostgreSQL for the DuckLake test's catalog server (tests/test_ducklake.py)
SYSTEM_PACKAGES := chromium chromium-driver fonts-noto-cjk fonts-wqy-zenhei libreoffice-calc-nogui libreoffice-writer-nogui poppler-utils tesseract-ocr tesseract-ocr-chi-sim postgresql

help:
	@echo "make setup    install uv if missing, then uv sync --frozen"
	@echo "make run      setup, then budget-warehouse build (data/raw -> data/warehouse/budget.duckdb)"
	@echo "make test     setup and system-deps, then pytest"
	@echo "make dashboard  the Streamlit dashboard on the published marts (http://$(DASHBOARD_ADDRESS):$(DASHBOARD_PORT); DASHBOARD_ADDRESS=0.0.0.0 for every interface); make run first"
	@echo "make dagster  the Dagster UI (dagster dev) with DAGSTER_HOME=.dagster_home"
	@echo "make dbt ARGS='build --select unit_metrics+'  dbt via budget-warehouse dbt (the build's absolute project dir and warehouse; default ARGS=build)"
	@echo "make lint     ruff check + format --check, sqlfluff (dbt/), pip-audit over uv.lock"
	@echo "make test-fast  the fast tier (extraction, identity, vocabulary; seconds)"
	@echo "make docs     dbt docs generate + serve on http://127.0.0.1:$(DOCS_PORT) (after make run)"
	@echo "make system-deps  apt-get install $(SYSTEM_PACKAGES) when one is missing"
	@echo "make validate-cluster  install the cluster group (dagster-celery), dagster definitions validate on deploy/cluster"

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

test: setup system-deps
	"$(UV)" run pytest

# The dashboard reads the read-only copy of the marts that every successful build publishes
# (data/warehouse/published/budget_marts.duckdb, or $$BUDGET_PUBLISHED), never the warehouse itself.
dashboard: setup
	@"$(UV)" run python -c "from dashboard.data import published_file; p = published_file(); \
	print(f'dashboard on {p}' if p.exists() else f'No published marts at {p} yet: run make run first.')"
	"$(UV)" run streamlit run dashboard/server.py --server.headless true --server.address $(DASHBOARD_ADDRESS) \
		--server.port $(DASHBOARD_PORT) --browser.gatherUsageStats false --client.toolbarMode minimal

system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing /usr/bin/chromium"; \
	[ -x /usr/bin/chromedriver ] || missing="$$missing /usr/bin/chromedriver"; \
	fc-list :lang=zh 2>/dev/null | grep -q . || missing="$$missing fonts-noto-cjk"; \
	[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || missing="$$missing fonts-wqy-zenhei"; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing soffice"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing pdftoppm"; \
	command -v tesseract >/dev/null 2>&1 || missing="$$missing tesseract"; \
	tesseract --list-langs 2>/dev/null | grep -qx chi_sim || missing="$$missing tesseract-chi_sim"; \
	{ command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; } || missing="$$missing pg_ctl"; \
	if [ -z "$$missing" ]; then echo "system packages present (chromium, chromedriver, CJK fonts, soffice, pdftoppm, tesseract + chi_sim, postgresql)"; exit 0; fi; \
	echo "missing:$$missing; installing: $(SYSTEM_PACKAGES)"; \
	command -v apt-get >/dev/null 2>&1 || { echo "no apt-get here: install$$missing with your package manager"; exit 1; }; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	else echo "not root and no sudo: run as root: apt-get install -y $(SYSTEM_PACKAGES)"; exit 1; fi; \
	$$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y $(SYSTEM_PACKAGES)

dagster: setup
	@mkdir -p "$(DAGSTER_HOME_DIR)"
	@cp dagster_project/dagster.yaml "$(DAGSTER_HOME_DIR)/dagster.yaml"
	DAGSTER_HOME="$(DAGSTER_HOME_DIR)" "$(UV)" run dagster dev

# ruff, then pip-audit over the lock (uv export: every pinned dependency of every group; uv tool run fetches
# pip-audit).  Known vulnerabilities fail the lint.  When the vulnerability database cannot be reached (no
# network: pip-audit then "skips" every package as not found, or fails to connect) the lint says so and does
# not fail for that reason (docs/security.md).
lint: setup
	"$(UV)" run ruff check .
	"$(UV)" run ruff format --check .
	scratch=$$(mktemp -d); cd "$(CURDIR)/dbt" && BUDGET_WAREHOUSE="$$scratch/lint.duckdb" DBT_TARGET_PATH="$$scratch/target" DBT_LOG_PATH="$$scratch/logs" "$(UV)" run sqlfluff lint models tests; status=$$?; rm -rf "$$scratch"; exit $$status
	@reqs=$$(mktemp); report=$$(mktemp); trap 'rm -f "$$reqs" "$$report"' EXIT; \
	"$(UV)" export --frozen --format requirements-txt --no-hashes --all-groups --no-emit-project -o "$$reqs" >/dev/null || exit 1; \
	out=$$("$(UV)" tool run pip-audit --no-deps --disable-pip --progress-spinner off --format json -o "$$report" -r "$$reqs" 2>&1); status=$$?; \
	counts=$$("$(UV)" run python -c 'import json, sys; d = json.load(open(sys.argv[1]))["dependencies"]; [print(x["name"], x["version"], *(v["id"] for v in x["vulns"]), file=sys.stderr) for x in d if x.get("vulns")]; print(len(d), sum("skip_reason" in x for x in d), sum(bool(x.get("vulns")) for x in d))' "$$report" 2>/dev/null || true); \
	set -- $$counts; total=$${1:-0}; skipped=$${2:-0}; vulnerable=$${3:-0}; \
	if [ "$$vulnerable" -gt 0 ]; then \
		echo "pip-audit: known vulnerabilities in $$vulnerable of the $$total dependencies of uv.lock (above)"; exit 1; \
	elif [ "$$status" -ne 0 ] || [ "$$total" -eq 0 ]; then \
		echo "pip-audit: NOT AUDITED, the vulnerability database (or pip-audit itself) is unreachable here:"; \
		printf '%s\n' "$$out" | grep -E 'Error|error|Failed' | tail -n 2; \
		echo "pip-audit: not a lint failure (docs/security.md); run make lint where PyPI is reachable"; \
	elif [ "$$skipped" -ge "$$total" ]; then \
		echo "pip-audit: NOT AUDITED, the vulnerability database is unreachable here (none of the $$total dependencies could be looked up); not a lint failure (docs/security.md)"; \
	elif [ "$$skipped" -gt 0 ]; then \
		echo "pip-audit: no known vulnerabilities in $$((total - skipped)) of $$total dependencies; $$skipped could not be looked up (the database is partly unreachable?)"; \
	else \
		echo "pip-audit: no known vulnerabilities in the $$total dependencies of uv.lock"; \
	fi

# dbt through the CLI: always the build's absolute --project-dir/--profiles-dir and warehouse, so what dbt
# stores in dbt/target never breaks the next build (`dbt` is also the project folder: hence .PHONY)
.PHONY: dbt
dbt: setup
	"$(UV)" run budget-warehouse dbt $(or $(ARGS),build)

# the dbt docs (every model, column and test, with lineage) on 127.0.0.1 only; after `make run`
DOCS_PORT ?= 8080
docs: setup
	"$(UV)" run budget-warehouse dbt docs generate
	"$(UV)" run budget-warehouse dbt docs serve --host 127.0.0.1 --port $(DOCS_PORT) --no-browser

# the fast tier: extraction and identity units, the vocabulary contract (seconds; no dbt, no Dagster, no browser)
FAST_TESTS := tests/test_identity.py tests/test_vocabulary.py tests/test_extract_text.py tests/test_text_fuzz.py
test-fast: setup
	"$(UV)" run pytest -q $(wildcard $(FAST_TESTS))

# the Dagster deployment for a cluster (deploy/cluster, docs/scaling.md): installs the optional group `cluster`
# (dagster-celery, dagster-postgres), then validates its code location and instance config
validate-cluster: setup
	"$(UV)" sync --frozen --group cluster
	"$(UV)" run --group cluster dagster definitions validate -m deploy.cluster.definitions
	"$(UV)" run --group cluster pytest -q tests/test_cluster_config.py
