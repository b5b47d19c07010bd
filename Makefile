# Everything a fresh machine needs: `make demo` and `make test` create .venv and install what they use.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
ROWS ?= 1000000
# apt-get needs root: sudo unless we are root already (CI is)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: demo test test-fast bench lint clean

# Bytecode caches on: pytest keeps its rewritten test modules there, and rewrote some 500 modules on
# every run without them (15 s of the fast tier, where the environment sets PYTHONDONTWRITEBYTECODE).
unexport PYTHONDONTWRITEBYTECODE

$(PY):
	$(PYTHON) -m venv $(VENV)

# Stamps record what is installed, so repeated runs skip the install.
$(VENV)/.core: pyproject.toml | $(PY)
	$(PIP) install -q -e .
	touch $@

# torch first: the pinned CPU build is on local disk; left to sdv, pip would fetch a multi-GB CUDA build.
# Debian's chromium, for the report pages' browser tests (Playwright drives it; it never downloads one).
$(VENV)/.all: pyproject.toml | $(PY)
	command -v chromium >/dev/null || { $(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } || \
		echo "warning: could not install chromium (apt-get needs root or sudo): the browser tests will fail" >&2
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[all,dev]'
	touch $@ $(VENV)/.core

# The first run on a machine compiles the numba kernels (cached afterwards); it is done apart so the
# timed run shows the generation speed.
demo: $(VENV)/.core
	mkdir -p out
	@echo "warming up: compiling kernels on first use (cached afterwards)"
	$(VENV)/bin/fastsynth gen configs/tabular.json --rows 1 --format jsonl > /dev/null
	$(VENV)/bin/fastsynth gen configs/tabular.json --rows $(ROWS) --output out/tabular.parquet

# calm-data-generator, compared with in the benchmarks and in tests of the seed's facades, lives in a
# throwaway venv of its own; the stamp remakes it when calm_venv.sh changes what it installs.
CALM_VENV := $(HOME)/.cache/fastsynth/calm-venv
CALM_PY := $(CALM_VENV)/bin/python

$(CALM_VENV)/.installed: benchmarks/calm_venv.sh
	sh benchmarks/calm_venv.sh $(CALM_VENV)
	touch $@

# Both cores, in two runs: every test but those that start servers, brokers or clusters, then those,
# which so share the machine only with each other. The second keeps each file's tests on one worker
# (--dist loadfile): the console's tests drive one page in order, and split over two workers they
# fail. Two at a time took the server run from about 4 minutes to under 3.
test: $(VENV)/.all $(CALM_VENV)/.installed
	$(VENV)/bin/ruff check fastsynth tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) -m pytest -n 2 -m "not server"
	$(PY) -m pytest -n 2 --dist loadfile -m server

# The tier to run while working (under a minute once numba's cache is warm): everything but the tests
# marked slow, those running child processes, real servers or brokers, and the benchmark scripts.
# `make test` (what CI runs) runs them all.
test-fast: $(VENV)/.all
	$(VENV)/bin/ruff check fastsynth tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) -m pytest -n 2 -m "not slow and not subprocess and not server and not bench"


bench: $(VENV)/.all $(CALM_VENV)/.installed
	$(PY) benchmarks/bench_tabular.py
	$(PY) benchmarks/bench_timeseries.py
	$(PY) benchmarks/bench_drift.py --calm-python $(CALM_PY)
	$(PY) benchmarks/bench_scenario.py --calm-python $(CALM_PY)
	$(PY) benchmarks/bench_generators.py --calm-python $(CALM_PY)

# The layering (kernels < buffers < fields < schema < generation < engine < service < front ends) is
# written down in .importlinter.
lint: $(VENV)/.all
	$(VENV)/bin/ruff check fastsynth tests benchmarks
	$(VENV)/bin/ruff format --check fastsynth tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

clean:
	rm -rf out .pytest_cache
