# usbmon-js: every target installs what it needs first (see ../shared/CONTRACT.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-done

# Debian packages: umockdev (the hardware-free USB printer emulation behind `emu:`), libusb,
# what PyGObject needs to build in the venv, Chromium for the HTML report test and valgrind
# for the instruction counts (benchmarks/instructions.py).
SYSTEM_PACKAGES := umockdev libumockdev0 gir1.2-umockdev-1.0 libusb-1.0-0 \
	libgirepository1.0-dev libcairo2-dev pkg-config chromium valgrind
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup system-packages demo test lint bench bench-instructions soak clean

setup: system-packages $(STAMP)

system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
	  || { echo "could not install $$missing (needs apt-get and root or sudo)"; exit 1; }; \
	fi

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "usbmon-js needs Python 3.11+"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: setup
	$(BIN)/usbmon-js run scripts/host_based_duplex.js

lint: setup
	$(BIN)/ruff check usbmon_js tests benchmarks scripts
	$(BIN)/ruff format --check usbmon_js tests benchmarks scripts

test: setup lint
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/run.py

# Instructions per Bidi Get under callgrind: noise-free, so a 1 % change shows. Against another
# checkout: make bench-instructions COMPARE=/path/to/other/tree
bench-instructions: setup
	$(BIN)/python benchmarks/instructions.py $(if $(COMPARE),--compare $(COMPARE))

# Not part of `make test`: 1,000 jobs and 10,000 Bidi queries through one port, watching memory,
# file descriptors and threads (benchmarks/soak.py), then the property and fuzz tests with
# SOAK_EXAMPLES examples each (a few minutes). Fails if either part fails.
SOAK_EXAMPLES ?= 2000
soak: setup
	@status=0; \
	$(BIN)/python benchmarks/soak.py || status=1; \
	USBMON_JS_HYPOTHESIS_EXAMPLES=$(SOAK_EXAMPLES) $(BIN)/python -m pytest -q \
	  tests/test_accounting_properties.py tests/test_fuzz_loaders.py || status=1; \
	exit $$status

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
