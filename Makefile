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

.PHONY: lab test setup zoo kernel slides bench lint format solutions timings readme lock clean help

help:
	@echo "make lab      set up (.venv, pinned stack, offline zoo, Jupyter kernel) and open JupyterLab"
	@echo "make test     everything CI runs: lint, unit tests, notebooks (smoke, offline), slides, browser checks"
	@echo "make zoo      prepare the offline models and data (idempotent)"
	@echo "make slides   build one offline HTML deck per notebook into slides/"
	@echo "make bench    run the benchmarks in benchmarks/ (BENCH=\"threads lora\" for some)"
	@echo "make lint     ruff check + format check"

$(STAMP): requirements.txt requirements-nodeps.txt requirements-dev.txt constraints.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# torch first, pinned: a plain `torch` on Linux pulls a multi-GB CUDA build
	$(PY) -m pip install --quiet $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "$$(grep -E '^torch==' requirements.txt)"
	@# constraints.txt pins the whole tree: pip resolves in a minute instead of backtracking for ten
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt -c constraints.txt
	@# packages whose declared dependencies would downgrade the pins (see the file for why each is safe)
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

setup: $(STAMP)

zoo: setup
	$(PY) -m helpers.zoo prepare

kernel: setup
	$(PY) -m ipykernel install --user --name $(KERNEL_NAME) --display-name "Transformers Lab (.venv)" >/dev/null
	@echo "Jupyter kernel '$(KERNEL_NAME)' registered."

lab: setup kernel
	$(PY) -m helpers.zoo prepare --if-offline
	@echo "Starting JupyterLab on http://127.0.0.1:$(PORT)/lab (Ctrl+C twice to stop)"
	$(VENV)/bin/jupyter lab --ip 127.0.0.1 --port $(PORT) --ServerApp.port_retries=0 \
		--notebook-dir=. --LabApp.default_url=/lab/tree/notebooks/01_attention_from_scratch.ipynb $(ROOT_FLAG) $(LAB_ARGS)

solutions: setup
	$(PY) -m helpers.notebook_tools solutions

slides: setup
	$(PY) -m helpers.slides --out slides

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

test: setup
	bash scripts/system_deps.sh
	$(PY) -m helpers.zoo prepare
	$(MAKE) --no-print-directory lint
	$(PY) -m helpers.notebook_tools solutions
	HF_HUB_OFFLINE=1 LAB_PROFILE=smoke $(PY) -m pytest tests build/solutions/_solutions_*.ipynb --nbmake \
		--nbmake-timeout=600 --cov=helpers --cov-report=term-missing:skip-covered -p no:cacheprovider

clean:
	rm -rf build slides/*.slides.html test-reports .pytest_cache .coverage
