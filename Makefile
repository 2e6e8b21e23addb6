# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SMS_PORT ?= 8025

.PHONY: install run test lint format lock worker clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make run: the platform on the embedded default (SQLite, in-process tasks) with a demo tenant,
## and the SMS provider simulator on port $(SMS_PORT) knowing the demo shop's numbers.
run: install
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py migrate --no-input -v0
	env -u DATABASE_URL -u REDIS_URL PUBLIC_BASE_URL=http://$(HOST):$(PORT) \
		SMS_SIMULATOR_URL=http://127.0.0.1:$(SMS_PORT) $(BIN)/python manage.py seed_demo
	env -u DATABASE_URL -u REDIS_URL PUBLIC_BASE_URL=http://$(HOST):$(PORT) \
		$(BIN)/python manage.py sms_simulator_accounts --output var/sms-simulator-accounts.json
	env -u DATABASE_URL -u REDIS_URL PUBLIC_BASE_URL=http://$(HOST):$(PORT) \
		SMS_SIMULATOR_URL=http://127.0.0.1:$(SMS_PORT) sh -c '\
		$(BIN)/python manage.py run_simulator --port $(SMS_PORT) \
			--accounts var/sms-simulator-accounts.json --cors-origin http://$(HOST):$(PORT) & \
		simulator=$$!; trap "kill $$simulator 2>/dev/null" EXIT INT TERM; \
		$(BIN)/python manage.py runserver $(HOST):$(PORT)'

## make test: lint, then the whole suite (PostgreSQL and Redis when DATABASE_URL/REDIS_URL are set).
test: install lint
	$(BIN)/python -m pytest -q

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
	$(BIN)/celery -A instaply worker -l info

clean:
	rm -rf $(VENV) var
