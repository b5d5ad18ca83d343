# Two commands do all set-up on a fresh machine (see README.md):
#   make run   install into .venv, create the SQLite database, load the demo, serve on :8000
#   make test  install what the tests need and run the whole suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-test browser demo lint messages clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --demo-user

run: export DJANGO_DEBUG = 1
run: demo
	@echo "Dashboard: http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

browser:
	@scripts/ensure-chromium

test: install-test browser
	$(PY) -m pytest

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# One catalogue for the whole project in locale/ (msgids are Vietnamese; English is the
# translation). Translate new msgids in locale/en/LC_MESSAGES/django.po, then commit .po and .mo.
messages: install
	$(PY) manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=test-artifacts --ignore=build
	$(PY) manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache test-artifacts
