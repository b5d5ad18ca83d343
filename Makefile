# Two commands do all set-up on a fresh machine (see README.md):
#   make run   install into .venv, create the SQLite database, load the demo, serve on :8000
#   make test  install what the tests need and run the whole suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-test browser office demo lint check-migrations lock messages clean bench

# Exact versions come from the lock files (see "Locked versions" in README.md); the project
# itself is installed on top without resolving anything again.
$(VENV)/.installed: requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.lock
	$(PY) -m pip install --quiet -r requirements-test.lock
	@touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

demo: export DJANGO_DEBUG = 1
demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --demo-user

run: export DJANGO_DEBUG = 1
run: demo
	@echo "Dashboard: http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

browser:
	@scripts/ensure-chromium

# LibreOffice (with the fonts that hold every Vietnamese letter) turns the Word report and the
# workbook into PDF for the tests that read a printed copy.
office:
	@scripts/ensure-libreoffice

test: install-test browser office
	$(PY) -m pytest

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The benchmark (README "Benchmarks"): builds a synthetic data set of SIZE (ward, city, province,
# national) and prints one line per measure. DATABASE_URL picks the engine (default: a SQLite
# file in build/bench/); BENCH_ARGS="--reuse" keeps a data set already built.
SIZE ?= province
BENCH_ARGS ?=
bench: install
	$(PY) scripts/bench --size $(SIZE) $(BENCH_ARGS)

# Fails when a model change has no migration yet.
check-migrations: export DJANGO_DEBUG = 1
check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

# Rewrites both lock files from pyproject.toml with uv, keeping every pin that still fits;
# `make lock UPGRADE=--upgrade` moves everything to the newest release allowed.
UPGRADE ?=
UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--custom-compile-command "make lock" --quiet $(UPGRADE)
lock: install
	$(PY) -m pip install --quiet uv
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra test -o requirements-test.lock

# One catalogue for the whole project in locale/ (msgids are Vietnamese; English is the
# translation). Translate new msgids in locale/en/LC_MESSAGES/django.po, then commit .po and .mo.
# locale/vi/ holds only the Vietnamese of third-party texts left in English (kept by hand).
messages: export DJANGO_DEBUG = 1
messages: install
	$(PY) manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=test-artifacts --ignore=build
	$(PY) manage.py compilemessages -l en -l vi --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache test-artifacts
