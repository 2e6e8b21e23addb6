# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SMS_PORT ?= 8025
# French translations: the catalogue is committed, its compiled .mo is not.
MESSAGES := locale/fr/LC_MESSAGES/django.po
COMPILED := $(MESSAGES:.po=.mo)
# Debian packages are installed when missing: as root, or through passwordless sudo.
APT := $(shell if [ "$$(id -u)" = 0 ]; then command -v apt-get; \
	elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then echo sudo -n apt-get; fi)
apt_install = if [ -n "$(APT)" ]; then echo "make: installing Debian's $(1)"; \
	$(APT) install -y -q $(1) >/dev/null 2>&1 || { $(APT) update -q >/dev/null && $(APT) install -y -q $(1) >/dev/null; }; \
	else echo "make: $(1) is missing and cannot be installed here (no apt-get as root)"; fi

.PHONY: install run dev test lint format lock worker clean browser node

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

$(COMPILED): $(MESSAGES)
	@command -v msgfmt >/dev/null || { $(call apt_install,gettext); }
	msgfmt --check-format -o $@ $<

install: $(STAMP) $(COMPILED)

## make browser: Debian's Chromium for the browser tests (tests/browser), never a browser download.
browser:
	@test -x /usr/bin/chromium || { $(call apt_install,chromium); }

## make node: Debian's Node.js, which runs the reply box's segment counter in web/tests.
node:
	@command -v node >/dev/null || { $(call apt_install,nodejs); }

## make run: the platform on the embedded default (SQLite, in-process tasks, the beat schedule run
## by runserver itself: instaply/embedded_beat.py, EMBEDDED_BEAT=false turns it off) with a demo tenant,
## and the SMS provider simulator on port $(SMS_PORT) knowing the demo shop's numbers. DEBUG is
## off, so visitors meet the product's own error pages; WhiteNoise serves the static files.
## make dev: the same with DEBUG on (Django's debug pages, the browsable API), for developers.
RUN_ENV := DEBUG=false DEMO_LANDING=true
DEV_ENV := DEBUG=true DEMO_LANDING=true
run: SERVE_ENV = $(RUN_ENV)
dev: SERVE_ENV = $(DEV_ENV)
run dev: install
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py migrate --no-input -v0
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py migrate --database reporting --no-input -v0
	env -u DATABASE_URL -u REDIS_URL PUBLIC_BASE_URL=http://$(HOST):$(PORT) \
		SMS_SIMULATOR_URL=http://127.0.0.1:$(SMS_PORT) $(BIN)/python manage.py seed_demo
	env -u DATABASE_URL -u REDIS_URL PUBLIC_BASE_URL=http://$(HOST):$(PORT) \
		$(BIN)/python manage.py sms_simulator_accounts --output var/sms-simulator-accounts.json
	env -u DATABASE_URL -u REDIS_URL $(SERVE_ENV) PUBLIC_BASE_URL=http://$(HOST):$(PORT) \
		SMS_SIMULATOR_URL=http://127.0.0.1:$(SMS_PORT) sh -c '\
		$(BIN)/python manage.py run_simulator --port $(SMS_PORT) \
			--accounts var/sms-simulator-accounts.json --cors-origin http://$(HOST):$(PORT) & \
		simulator=$$!; trap "kill $$simulator 2>/dev/null" EXIT INT TERM; \
		$(BIN)/python manage.py runserver $(HOST):$(PORT)'

## make test: lint, then the whole suite (PostgreSQL and Redis when DATABASE_URL/REDIS_URL are set),
## over two processes (pytest-xdist; each has its own test database). TEST_PROCESSES=0 runs in one.
TEST_PROCESSES ?= 2
test: install lint browser node
	$(BIN)/python -m pytest -q -n $(TEST_PROCESSES)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make lock: refresh constraints.txt from a clean resolution of pyproject.toml.
lock:
	rm -rf var/lockenv && $(PYTHON) -m venv var/lockenv
	var/lockenv/bin/python -m pip install --quiet --upgrade pip
	var/lockenv/bin/python -m pip install --quiet -e '.[dev]'
	var/lockenv/bin/python -m pip freeze --exclude-editable | grep -v '^instaply' > constraints.txt
	rm -rf var/lockenv

worker: install
	$(BIN)/celery -A instaply worker -l info --queues celery,dsr

clean:
	rm -rf $(VENV) var
