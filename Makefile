# Transformers Lab: `make lab` sets everything up and opens JupyterLab; `make test` runs what CI runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8888
# Where torch comes from. Empty: PyPI (on Linux that is the CUDA build, ~GBs). On a machine without an
# NVIDIA GPU, `make lab TORCH_INDEX=https://download.pytorch.org/whl/cpu` gets the small CPU build.
TORCH_INDEX ?=
LAB_ARGS ?=
KERNEL_NAME := transformers-lab
# Containers and Colab-like machines run as root; JupyterLab refuses that unless told.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
export OMP_NUM_THREADS ?= 2
export TOKENIZERS_PARALLELISM := false
export GRADIO_ANALYTICS_ENABLED := False
# Re-install when a requirements file or pyproject.toml changes.
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-nodeps.txt requirements-dev.txt constraints.txt pyproject.toml | cksum | cut -d' ' -f1)
# Classroom bundle (`make bundle`; see its OFFLINE.md). `make lab BUNDLE=path` installs from the bundle with
# pip --no-index (no network at all) and runs the lab on its zoo; every pip call here then uses the bundle.
BUNDLE ?=
BUNDLE_OUT ?= build/transformers-lab-bundle
NOTEBOOKS ?=
ifneq ($(BUNDLE),)
BUNDLE_DIR := $(abspath $(BUNDLE))
export LAB_ZOO_DIR := $(BUNDLE_DIR)/zoo
export HF_HUB_OFFLINE := 1
export PIP_NO_INDEX := 1
export PIP_FIND_LINKS := $(BUNDLE_DIR)/wheels
STAMP := $(VENV)/.installed-bundle-$(shell cat $(BUNDLE_DIR)/wheels/*.txt pyproject.toml | cksum | cut -d' ' -f1)
endif

.PHONY: lab test test-latest setup zoo kernel slides site bundle bench lint format solutions timings readme lock clean help

help:
	@echo "make lab      set up (.venv, pinned stack, offline zoo, Jupyter kernel) and open JupyterLab"
	@echo "make test     everything CI runs: lint, unit tests, notebooks (smoke, offline), slides, browser checks"
	@echo "make zoo      prepare the offline models and data (idempotent)"
	@echo "make slides   build one offline HTML deck per notebook into slides/ (with outputs after make site)"
	@echo "make site     the course website in build/site, from the notebooks run in the cpu profile (offline)"
	@echo "make bundle   the classroom bundle in build/transformers-lab-bundle: course, wheels, zoo (NOTEBOOKS=01)"
	@echo "make lab BUNDLE=path   install from a classroom bundle with no network, and open JupyterLab"
	@echo "make bench    run the benchmarks in benchmarks/ (BENCH=\"threads lora\" for some)"
	@echo "make lint     ruff check + format check"
	@echo "make test-latest  the newest releases instead of the pins (own venv in build/), then the smoke suite"

$(STAMP): requirements.txt requirements-nodeps.txt requirements-dev.txt constraints.txt pyproject.toml
ifneq ($(BUNDLE),)
	$(PYTHON) scripts/bundle.py install $(BUNDLE_DIR) --venv $(VENV) --python $(PYTHON)
else
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# torch first, pinned: a plain `torch` on Linux pulls a multi-GB CUDA build
	$(PY) -m pip install --quiet $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "$$(grep -E '^torch==' requirements.txt)"
	@# constraints.txt pins the whole tree: pip resolves in a minute instead of backtracking for ten
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt -c constraints.txt
	@# packages whose declared dependencies would downgrade the pins (see the file for why each is safe)
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	$(PY) -m pip install --quiet --no-deps -e .
endif
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

setup: $(STAMP)

zoo: setup
	$(PY) -m helpers.zoo prepare

kernel: setup
	$(PY) -m ipykernel install --user --name $(KERNEL_NAME) --display-name "Transformers Lab (.venv)" >/dev/null
	@echo "Jupyter kernel '$(KERNEL_NAME)' registered."

# JupyterLab's own settings for this lab (settings overrides in the venv): no "get notified about official
# Jupyter news?" pop-up over notebook 01, no check for JupyterLab updates.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
$(LAB_SETTINGS): $(STAMP)
	@mkdir -p $(@D)
	@echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' > $@

lab: setup kernel $(LAB_SETTINGS)
	$(PY) -m helpers.zoo prepare --if-offline
	@echo "Starting JupyterLab on http://127.0.0.1:$(PORT)/lab (Ctrl+C twice to stop)"
	$(VENV)/bin/jupyter lab --ip 127.0.0.1 --port $(PORT) --ServerApp.port_retries=0 \
		--notebook-dir=. --LabApp.default_url=/lab/tree/notebooks/01_attention_from_scratch.ipynb $(ROOT_FLAG) $(LAB_ARGS)

solutions: setup
	$(PY) -m helpers.notebook_tools solutions

slides: setup
	@# outputs from the runs `make site` keeps in build/executed/cpu; a deck without one shows code only
	$(PY) -m helpers.slides --out slides --executed build/executed/cpu

# The course website (scripts/site.py): runs each notebook in the cpu profile when it has no up-to-date run in
# build/executed/cpu (about an hour for all twenty on 2 cores, the first time), then builds in a minute.
# NOTEBOOKS="01 02": run only those now (the other pages keep their earlier runs, or show no outputs).
site: setup zoo
	$(PY) scripts/site.py --profile cpu --out build/site $(if $(NOTEBOOKS),--notebooks $(NOTEBOOKS))

# The classroom bundle (scripts/bundle.py): BUNDLE_OUT=folder, NOTEBOOKS="01 02" (only what they need),
# ARCHIVE=1 (also a .tar), PYTHONS="3.11 3.12" (interpreters to collect wheels for; default those found),
# ADD=1 (keep the wheels already in BUNDLE_OUT and add this machine's: build on a Mac too for a mixed room).
bundle: setup zoo
	$(PY) scripts/bundle.py build --out $(BUNDLE_OUT) $(if $(NOTEBOOKS),--notebooks $(NOTEBOOKS)) \
		$(if $(PYTHONS),--python $(PYTHONS)) $(if $(ARCHIVE),--archive) $(if $(ADD),--add)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check helpers tests scripts benchmarks

format: setup
	$(VENV)/bin/ruff format helpers tests scripts benchmarks
	$(VENV)/bin/ruff check --fix .

bench: setup zoo
	$(PY) -m benchmarks $(BENCH)

timings: setup zoo
	$(PY) scripts/time_notebooks.py --profile $(or $(PROFILE),smoke)

# Re-pin the whole dependency tree after changing a requirements file (uv resolves it in seconds).
lock: setup
	$(VENV)/bin/uv pip compile requirements.txt requirements-dev.txt --universal --python-version 3.11 \
		--no-header --no-annotate -q -o build/constraints.body
	{ sed -n '1,/^[^#]/{/^#/p}' constraints.txt; cat build/constraints.body; } > build/constraints.txt
	mv build/constraints.txt constraints.txt && rm build/constraints.body

readme: setup
	$(PY) -m helpers.notebook_tools readme

# The newest releases of the whole stack instead of the pins (what the weekly CI job runs), in a venv of its
# own, then the unit tests and every notebook in smoke: a rename or a removed argument shows up here before
# learners meet it. uv resolves the unpinned stack in seconds (pip would backtrack for many minutes).
LATEST_VENV ?= build/venv-latest
test-latest:
	bash scripts/system_deps.sh
	rm -rf $(LATEST_VENV) && $(PYTHON) -m venv $(LATEST_VENV)
	$(LATEST_VENV)/bin/pip install --quiet --upgrade pip uv
	$(LATEST_VENV)/bin/uv pip install --quiet --python $(LATEST_VENV)/bin/python \
		$(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) torch
	@# the course extra, the test tools of requirements-dev.txt, and what the extra leaves to the platform
	$(LATEST_VENV)/bin/uv pip install --quiet --python $(LATEST_VENV)/bin/python -e ".[course]" \
		$$(sed -n '/^[^#]/s/==.*//p' requirements-dev.txt) ipykernel jupyterlab nbconvert
	$(LATEST_VENV)/bin/uv pip install --quiet --python $(LATEST_VENV)/bin/python --no-deps \
		$$(sed -n '/^[^#]/s/==.*//p' requirements-nodeps.txt)
	$(LATEST_VENV)/bin/uv pip freeze --python $(LATEST_VENV)/bin/python > build/latest-versions.txt
	@echo "Newest releases: $$(grep -E '^(torch|transformers|datasets|huggingface.hub|peft|accelerate)==' build/latest-versions.txt | tr '\n' ' ')"
	$(LATEST_VENV)/bin/python -m helpers.zoo prepare
	$(LATEST_VENV)/bin/python -m helpers.notebook_tools solutions
	outputs=$$(mktemp -d -t lab-outputs.XXXXXX) && trap 'rm -rf "$$outputs"' EXIT && \
	HF_HUB_OFFLINE=1 LAB_PROFILE=smoke LAB_OUTPUT_DIR="$$outputs" $(LATEST_VENV)/bin/python -m pytest tests \
		build/solutions/_solutions_*.ipynb --nbmake --nbmake-timeout=600 -p no:cacheprovider \
		--ignore=tests/test_colab_setup.py

test: setup
	bash scripts/system_deps.sh
	$(PY) -m helpers.zoo prepare
	$(MAKE) --no-print-directory lint
	$(PY) -m helpers.notebook_tools solutions
	@# What the notebooks save (checkpoints, models: ~1 GB) goes to a temporary folder, removed afterwards even
	@# when a test fails; one folder for the whole run, so that notebook 12 reads what notebook 11 saved.
	outputs=$$(mktemp -d -t lab-outputs.XXXXXX) && trap 'rm -rf "$$outputs"' EXIT && \
	HF_HUB_OFFLINE=1 LAB_PROFILE=smoke LAB_OUTPUT_DIR="$$outputs" $(PY) -m pytest tests helpers --doctest-modules \
		build/solutions/_solutions_*.ipynb --nbmake --nbmake-timeout=600 --overwrite \
		--cov=helpers --cov-report=term-missing:skip-covered -p no:cacheprovider --durations=20
	@# The website and its decks from the notebooks just run (--overwrite kept their outputs: no second run),
	@# then its browser checks (tests/test_site.py skips them in the run above, where nothing is executed yet).
	$(PY) scripts/site.py --executed build/solutions --profile smoke --out build/site-smoke --require-outputs
	LAB_SITE_DIR=build/site-smoke $(PY) -m pytest tests/test_site.py -p no:cacheprovider

clean:
	rm -rf build slides/*.slides.html test-reports .pytest_cache .coverage
