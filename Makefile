# selfassess — every target sets up what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The repository is the demo workspace: the fictional Wealdshire County Council.
SA     := $(BIN)/selfassess --workspace .

.PHONY: demo demo-inputs docs test bench constraints clean

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

## test: set up, then lint, check the layers, type-check and run the tests
test: $(STAMP)
	$(BIN)/ruff check pipeline tests bench demo templates docs
	$(BIN)/ruff format --check pipeline tests bench demo templates docs
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest -q

## bench: time collect, build and the command line's start-up
bench: $(STAMP)
	$(BIN)/python bench/bench_collect.py
	$(BIN)/python bench/bench_build.py
	$(BIN)/python bench/bench_cli.py

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
