# The targets README.md and .ci/run call. Each installs what it needs on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed

.PHONY: up test lint typecheck artifacts-check deps browser fonts bench clean

up: deps fonts
	$(BIN)/suyuan up

test: deps browser fonts lint typecheck artifacts-check
	$(BIN)/pytest

# The consumer page is tested in a real Chromium (Debian's package, driven by Playwright).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the page tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

# Chinese on label sheets (embedded in the PDF) and in the page tests' Chromium (through fontconfig).
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
fonts:
	@test -f $(CJK_FONT) || { \
		echo "installing Debian's fonts-wqy-microhei for Chinese label sheets"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-wqy-microhei; }

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(PY_STAMP)
	$(BIN)/mypy

artifacts-check: deps
	$(BIN)/suyuan chain compile --check

deps: $(PY_STAMP) $(NPM_STAMP)

$(PY_STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,postgres,vision]"
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

bench: deps
	$(BIN)/suyuan bench chain --json

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
