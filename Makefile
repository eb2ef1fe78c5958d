# Two commands matter: `make run` and `make test` (see README.md).
VENV ?= .venv
PYTHON ?= python3
PORT ?= 5000
BIN := $(VENV)/bin
PYTEST_ARGS ?= -n auto
export PORT

.PHONY: run test test-pg lint bench translations extract-messages clean e2e-deps

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

translations: $(BIN)/.installed
	$(BIN)/pybabel compile -d portfolio/translations 2>/dev/null

## make run: migrate the embedded SQLite database, load the demo data if empty, serve.
run: translations
	$(BIN)/portfolio db upgrade
	$(BIN)/portfolio demo --if-empty
	$(BIN)/portfolio run --host 127.0.0.1 --port $(PORT)

## axe-core for the accessibility checks, from the npm registry (skipped without npm).
AXE := tests/e2e/.npm/node_modules/axe-core/axe.min.js
$(AXE):
	-command -v npm >/dev/null && npm install --silent --no-audit --no-fund --prefix tests/e2e/.npm axe-core@4.11

e2e-deps: $(AXE)

## make test: the whole suite (PostgreSQL tests too when PORTFOLIO_TEST_DATABASE_URL is set).
## The browser tests run when Debian's Chromium is installed (/usr/bin/chromium), else skip.
test: translations e2e-deps
	$(BIN)/pytest $(PYTEST_ARGS)

## make lint: ruff's rules of pyproject.toml over the whole tree.
lint: $(BIN)/.installed
	$(BIN)/ruff check .

## make bench: generate the data set, serve it with gunicorn, load it with wrk (not in make test);
## then the writers' run, the dashboard during PDF exports (worker on Redis) and the mixed
## workload of learners and tutors (Locust, on run.py's data sets).
bench: translations
	command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null || true
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/writers.py --db sqlite
	$(BIN)/python bench/writers.py --db postgres
	$(BIN)/python bench/exports.py --reuse-data
	$(BIN)/python bench/mixed.py --db both

extract-messages: $(BIN)/.installed
	$(BIN)/pybabel extract --no-location -F babel.cfg -k _l -k lazy_gettext -o portfolio/translations/messages.pot .
	$(BIN)/pybabel update -i portfolio/translations/messages.pot -d portfolio/translations --no-fuzzy-matching
	$(BIN)/python scripts/french_plurals.py

clean:
	rm -rf $(VENV) instance .pytest_cache
