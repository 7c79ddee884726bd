# APFA developer entry points. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH := torch==2.13.0
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
APFA_HOST ?= 127.0.0.1

.PHONY: install run test lint format bench clean promtool chromium codegen openapi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Installs are exactly the locked sets, checked by hash (requirements.lock for running,
# requirements-dev.lock for the suite); the project itself comes from the checkout.
# `make lock` re-resolves them (torch pinned to the CPU build: letting a dependency pick
# torch would pull gigabytes of CUDA packages).
$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/python -m pip install -q --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

$(DEV_STAMP): $(STAMP) requirements-dev.lock
	$(BIN)/python -m pip install -q --require-hashes --no-deps -r requirements-dev.lock
	$(BIN)/python -m pip install -q --no-deps -e '.[dev]'
	touch $@

.PHONY: lock audit
lock: $(BIN)/python
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	  $(BIN)/python -m pip install -q --dry-run --ignore-installed --report "$$tmp/run.json" \
	    $(TORCH) -e . ; \
	  $(BIN)/python -m pip install -q --dry-run --ignore-installed --report "$$tmp/dev.json" \
	    $(TORCH) -e '.[dev]' ; \
	  $(BIN)/python tools/lock.py "$$tmp/run.json" > requirements.lock; \
	  $(BIN)/python tools/lock.py "$$tmp/dev.json" > requirements-dev.lock; \
	  echo "requirements.lock and requirements-dev.lock re-resolved"

# Known vulnerabilities in the locked set (skips, saying why, when the source is unreachable).
audit: $(DEV_STAMP)
	$(BIN)/python tools/vulncheck.py requirements-dev.lock

install: $(STAMP)

run: $(STAMP)
	$(BIN)/apfa bootstrap
	$(BIN)/apfa serve --host $(APFA_HOST)

# promtool checks deploy/monitoring/ in the suite. Installed from Debian's `prometheus`
# package when missing and we can (root, apt-get); otherwise those tests skip (fail in CI).
promtool:
	@command -v promtool >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends prometheus >/dev/null) \
	      || echo "promtool: install failed; the monitoring checks will skip"; \
	  else echo "promtool: not installed; the monitoring checks will skip"; fi; }

# The browser tests drive Debian's Chromium (Playwright downloads no browser here).
# Installed when missing and we can; otherwise those tests skip (fail in CI).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends chromium >/dev/null) \
	      || echo "chromium: install failed; the browser tests will skip"; \
	  else echo "chromium: not installed; the browser tests will skip"; fi; }

# openapi-python-client pins httpx and typer below the versions APFA runs with, so it gets
# an environment of its own; tests/app/test_generated_client.py generates a client with it.
CODEGEN := .codegen
OPENAPI_PYTHON_CLIENT := openapi-python-client>=0.29,<0.30

$(CODEGEN)/bin/openapi-python-client:
	$(PYTHON) -m venv $(CODEGEN)
	$(CODEGEN)/bin/python -m pip install -q '$(OPENAPI_PYTHON_CLIENT)'

codegen: $(CODEGEN)/bin/openapi-python-client

# The committed contract; tests/app/test_openapi_contract.py fails when it is stale.
openapi: $(STAMP)
	$(BIN)/apfa openapi --output openapi.json

test: $(DEV_STAMP) promtool chromium codegen
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy
	$(BIN)/mypy --strict tools
	$(BIN)/python tools/vulncheck.py requirements-dev.lock
	$(BIN)/python -m pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy
	$(BIN)/mypy --strict tools

format: $(DEV_STAMP)
	$(BIN)/ruff format src tests bench tools
	$(BIN)/ruff check --fix src tests bench tools

bench: $(DEV_STAMP)
	$(BIN)/python bench/advice_latency.py

clean:
	rm -rf $(VENV) $(CODEGEN) .pytest_cache .mypy_cache .ruff_cache

# Refresh the vendored Socket.IO browser client (ESM build) from the npm registry; the
# console imports it as a plain ES module, so there is no Node build step.
SOCKET_IO_CLIENT ?= 4
VENDOR_JS := src/apfa/web/static/vendor
.PHONY: vendor-js
vendor-js:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	  (cd "$$tmp" && npm pack --silent socket.io-client@$(SOCKET_IO_CLIENT) >/dev/null \
	    && tar xzf socket.io-client-*.tgz); \
	  version=$$(node -p "require('$$tmp/package/package.json').version"); \
	  cp "$$tmp/package/dist/socket.io.esm.min.js" $(VENDOR_JS)/socket.io.esm.min.js; \
	  cp "$$tmp/package/LICENSE" $(VENDOR_JS)/socket.io-client.LICENSE; \
	  sha=$$(sha256sum $(VENDOR_JS)/socket.io.esm.min.js | cut -d' ' -f1); \
	  printf '%s\n' "# Vendored browser code" "" \
	    "- \`socket.io.esm.min.js\`: socket.io-client $$version, \`dist/socket.io.esm.min.js\` of the npm package \`socket.io-client@$$version\` (https://www.npmjs.com/package/socket.io-client), MIT licence in \`socket.io-client.LICENSE\`; sha256 \`$$sha\`." \
	    "" "Refresh with \`make vendor-js\` (\`SOCKET_IO_CLIENT=4.x.y\` pins a version)." \
	    > $(VENDOR_JS)/README.md; \
	  echo "vendored socket.io-client $$version"
