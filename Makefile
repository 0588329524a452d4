# The README's two commands are `make run` and `make test`; both bootstrap .venv on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= $(or $(MWS_GATEWAY_PORT),8080)
SQS_PORT ?= 9324

.PHONY: run sqs test lint typecheck unit chart-check image-check bench fuzz readme clean venv node

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# With MWS_GATEWAY_SQS_ENDPOINT set (e.g. `make sqs` in another shell, then
# MWS_GATEWAY_SQS_ENDPOINT=http://127.0.0.1:9324 make run) the demo also runs the notification
# loop: the emulator publishes SP-API notifications to a queue it creates on that server and an
# in-process bridge delivers MWS XML to the queues subscribed through the Subscriptions API.
run: $(STAMP)
	exec $(BIN)/mws-gateway serve --demo --port $(PORT)

# A local SQS-compatible server (moto in server mode) for the notification demo.
sqs: $(STAMP)
	exec $(BIN)/moto_server -H 127.0.0.1 -p $(SQS_PORT)

lint: $(STAMP)
	$(BIN)/ruff check gateway tests bench scripts
	$(BIN)/ruff format --check gateway tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

# node and npm: the live tests drive npm MWS clients (tests/npm, installed there by the tests)
node:
	@command -v node >/dev/null && command -v npm >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq nodejs npm) || \
	  (echo "make: install nodejs and npm (the live tests use npm MWS clients)" >&2; exit 1)

unit: $(STAMP) node
	SPAPI_MODELS_DIR=$${SPAPI_MODELS_DIR:-$(abspath ../shared/spapi-models)} $(BIN)/pytest -q

chart-check: $(STAMP)
	bash scripts/check-chart.sh

test: lint typecheck unit chart-check

# Builds the Dockerfile with podman and runs the image (root; installs podman, runc, mmdebstrap).
image-check: $(STAMP)
	bash scripts/image-check.sh

bench: $(STAMP)
	$(BIN)/python -m bench

fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz.driver --cases $${FUZZ_CASES:-10000}

readme: $(STAMP)
	$(BIN)/python scripts/update_readme.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache build dist
