# qraudit: the README's commands.  `make demo` and `make test` do all the set-up themselves.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test acceptance lint bench clean

setup:
	@bash scripts/setup.sh

demo: setup  ## crawl the built-in demo district (the sandbox) and write the report
	@$(VENV)/bin/qraudit crawl

test: setup  ## lint, the layer contracts, then the whole test suite (browser tests fail, never skip, without a browser)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/lint-imports
	@$(PY) -m pytest $(PYTEST_ARGS)

acceptance: setup  ## the README's commands as written after make demo, on a fresh copy (two crawls, ~10 min)
	@QRAUDIT_ACCEPTANCE=1 $(PY) -m pytest tests/acceptance $(PYTEST_ARGS)

lint: setup
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/lint-imports

bench: setup  ## benchmarks print figures (not tests)
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
