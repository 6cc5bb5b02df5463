# One virtual environment, created on demand; every target works on a clean clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

CHROMIUM := /usr/bin/chromium

.PHONY: run test lint typecheck pytest bench bench-scale install clean schema postgres-server chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/cityledger load-reference
	$(BIN)/cityledger serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# The browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
$(CHROMIUM):
	$$( [ "$$(id -u)" = 0 ] || echo sudo ) sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk'

chromium: $(CHROMIUM)

pytest: $(STAMP) $(CHROMIUM)
	$(BIN)/pytest

test: lint typecheck postgres-server pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Generated ledgers of 100k and 1M events (python -m benchmarks.generate), each figure of
# `make bench` at both sizes as a Markdown table; SCALE_KEEP=DIR keeps (and reuses) them.
bench-scale: $(STAMP)
	$(BIN)/python -m benchmarks.scale $(if $(SCALE_KEEP),--keep $(SCALE_KEEP))

schema: $(STAMP)
	$(BIN)/cityledger schema > graphql_api/schema.graphql

clean:
	rm -rf $(VENV) build *.egg-info

# Debian's PostgreSQL server binaries, for the tests' throwaway clusters; installed only when
# missing (through sudo when not root). The tests start and stop their own cluster.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
postgres-server:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "PostgreSQL server: $$(ls -d /usr/lib/postgresql/*/bin | tail -1)"; \
	else \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	fi
