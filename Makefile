# The targets README.md and .ci/run call. Each installs what it needs on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two installs: what running needs (`make up`), and everything (`make test`), which implies the first.
RUN_STAMP := $(VENV)/.installed-run
ALL_STAMP := $(VENV)/.installed-all
RUN_EXTRAS := postgres,vision
ALL_EXTRAS := dev,postgres,vision,training
NPM_STAMP := node_modules/.installed

.PHONY: up test lint typecheck artifacts-check deps deps-all venv browser fonts bench clean

up: deps fonts
	$(BIN)/suyuan up

test: deps-all browser fonts lint typecheck artifacts-check
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

lint: $(ALL_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(ALL_STAMP)
	$(BIN)/mypy

artifacts-check: deps-all
	$(BIN)/suyuan chain compile --check

# Running needs no torch: the cameras run ONNX on onnxruntime (the vision extra). Tests, training
# and export need Ultralytics with torch (the training extra) and the dev tools.
deps: $(RUN_STAMP) $(NPM_STAMP)

deps-all: $(ALL_STAMP) $(NPM_STAMP)

venv:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	@test -x $(BIN)/python || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet --upgrade pip; }

# Up to date after `make test` too: the full install has everything running needs.
$(RUN_STAMP): pyproject.toml
	@if [ $(ALL_STAMP) -nt pyproject.toml ]; then touch $@; else \
		$(MAKE) --no-print-directory venv && \
		$(BIN)/python -m pip install --quiet -e ".[$(RUN_EXTRAS)]" && touch $@; fi

$(ALL_STAMP): pyproject.toml
	$(MAKE) --no-print-directory venv
	$(BIN)/python -m pip install --quiet -e ".[$(ALL_EXTRAS)]"
	touch $@ $(RUN_STAMP)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

bench: deps
	$(BIN)/suyuan bench chain --json

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
