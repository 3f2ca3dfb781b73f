# selfassess — every target sets up what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The repository is the demo workspace: the fictional Wealdshire County Council.
SA     := $(BIN)/selfassess --workspace .

.PHONY: demo demo-inputs test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: set up, then build the demo council's outputs from the committed inputs/ (a PDF too
## when LibreOffice is installed). Fails if the demo has errors or a return cannot be read.
demo: $(STAMP)
	$(SA) generate checklists
	$(SA) collect
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

## test: set up, then lint, type-check and run the tests
test: $(STAMP)
	$(BIN)/ruff check pipeline tests bench demo
	$(BIN)/ruff format --check pipeline tests bench demo
	$(BIN)/mypy
	$(BIN)/pytest -q

## bench: time collect, build and the command line's start-up
bench: $(STAMP)
	$(BIN)/python bench/bench_collect.py
	$(BIN)/python bench/bench_build.py
	$(BIN)/python bench/bench_cli.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
