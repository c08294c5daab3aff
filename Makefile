# BorderWatch: `make demo` runs the pipeline on the embedded broker, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint unit integration bench evaluate system-deps clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

## demo: install, then broker + topics + worker + metrics + simulator + live alert table (Ctrl-C stops)
demo: $(STAMP)
	$(BIN)/borderwatch demo

## test: install (Python and system packages), then lint, type-check and run every test
test: $(STAMP) system-deps
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest tests/integration

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m benchmarks.pipeline

## evaluate: the full detection-quality campaign (pure pipeline, 2 processes): tables,
## .borderwatch/evaluation/report.json and .borderwatch/evaluation/index.html
evaluate: $(STAMP)
	@mkdir -p .borderwatch/evaluation
	$(BIN)/borderwatch evaluate campaigns/default.yaml --jobs 2 \
		--json .borderwatch/evaluation/report.json --html .borderwatch/evaluation

## system-deps: Debian packages some tests run for real (prometheus, promtool, docker-compose, chromium + chromedriver)
system-deps:
	@./scripts/system-deps

clean:
	rm -rf $(VENV) .borderwatch .pytest_cache .mypy_cache .ruff_cache
