# selfassess — every target sets up what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The repository is the demo workspace: the fictional Wealdshire County Council.
SA     := $(BIN)/selfassess --workspace .

# Python's bytecode caches (__pycache__/, ignored by git) are written even where
# PYTHONDONTWRITEBYTECODE is set: without them each test run compiles the package again in
# every process it starts, and pytest rewrites the asserts of every test module and of the whole
# hypothesis package (a pytest plugin) again: 3-17 s of collection on a 2-core machine, with the
# load, against 0.7-2.5 s with them.
unexport PYTHONDONTWRITEBYTECODE

# The tests run in WORKERS processes (pytest-xdist; `make test WORKERS=4` on a bigger machine).
# Two workers use 5-20% more CPU time than one (each collects, each makes the session fixtures),
# so they pay where a core is free; on a machine busy with other work they take about as long
# as one.
WORKERS ?= 2
PYTEST  := $(BIN)/pytest -q -n $(WORKERS)

.PHONY: demo demo-inputs docs docs-serve check test test-all bench constraints clean

# Every version comes from constraints.txt (the releases the tests last passed on). The build
# backend (hatchling) is installed pinned too and used without build isolation, so it is not
# re-resolved to a newer release on each install.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt --upgrade pip hatchling
	$(BIN)/pip install --quiet -c constraints.txt --no-build-isolation -e '.[dev]'
	touch $(STAMP)

## demo: set up, then build the demo council's outputs from the committed inputs/ (a PDF too
## when LibreOffice is installed). Fails if the demo has errors or a return cannot be read.
demo: $(STAMP)
	$(SA) generate checklists
	$(SA) collect
	$(SA) collect audits
	$(SA) generate summaries
	$(SA) validate
	@if command -v soffice >/dev/null; then \
		echo "$(SA) build --pdf"; $(SA) build --pdf; \
	else \
		echo "LibreOffice (soffice) is not installed: building the .docx only"; $(SA) build; \
	fi

## demo-inputs: regenerate inputs/ from demo/content/ (replaces the committed input files)
demo-inputs: $(STAMP)
	$(BIN)/python demo/make_inputs.py --force

## docs: regenerate the page images in docs/ (and docs/images.json) from a copy of the demo
## council, through LibreOffice and pdftoppm; tests/test_docs.py fails when they are out of date
docs: $(STAMP)
	$(BIN)/python docs/make_docs.py

## docs-serve: screenshots of `selfassess serve`'s pages in docs/serve/ (headless chromium and
## chromium-driver, and LibreOffice, needed)
docs-serve: $(STAMP)
	$(BIN)/python docs/serve_screenshots.py

## check: set up, then lint, check the layers and type-check (no tests)
check: $(STAMP)
	$(BIN)/ruff check pipeline tests bench demo templates docs
	$(BIN)/ruff format --check pipeline tests bench demo templates docs
	$(BIN)/lint-imports
	$(BIN)/mypy

## test: check, then run the tests except the slow ones (marked slow: LibreOffice round trips
## and renders, the wheel, long property tests), then say how many were left out
test: check
	$(PYTEST) -m "not slow"
	@$(BIN)/pytest --collect-only -q -m slow -p no:cacheprovider | tail -1 | sed -E \
	  's#^([0-9]+)/([0-9]+) tests.*#Left out: the \1 slow tests of \2 (LibreOffice, the wheel, long property tests). "make test-all" runs every test, as CI does.#'

## test-all: check, then run every test (what CI runs)
test-all: check
	$(PYTEST)

## bench: time collect, build and the command line's start-up
bench: $(STAMP)
	$(BIN)/python bench/bench_collect.py
	$(BIN)/python bench/bench_build.py
	$(BIN)/python bench/bench_cli.py
	$(BIN)/python bench/bench_serve.py

## constraints: resolve the newest releases pyproject.toml allows in a scratch venv and write them
## to constraints.txt (then run `make clean test` before committing it)
constraints:
	rm -rf .venv-constraints
	$(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/pip install --quiet --upgrade pip hatchling
	.venv-constraints/bin/pip install --quiet --no-build-isolation -e '.[dev]'
	{ sed -n '/^#/p' constraints.txt; \
	  .venv-constraints/bin/pip freeze --all --exclude-editable | grep -v '^setuptools=='; \
	} > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf .venv-constraints

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
