# Two commands matter: `make run` and `make test` (see README.md).
VENV ?= .venv
PYTHON ?= python3
PORT ?= 5000
BIN := $(VENV)/bin
PYTEST_ARGS ?= -n auto
export PORT

.PHONY: run test test-pg bench translations extract-messages clean

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

## make test: the whole suite (PostgreSQL tests too when PORTFOLIO_TEST_DATABASE_URL is set).
test: translations
	$(BIN)/pytest $(PYTEST_ARGS)

extract-messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o portfolio/translations/messages.pot .
	$(BIN)/pybabel update -i portfolio/translations/messages.pot -d portfolio/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance .pytest_cache
