# The two set-up commands the README names: `make run` and `make test`.
# Both bootstrap uv (with pip) when it is missing, then work from the lock file.
# Bytecode is compiled once up front: where PYTHONDONTWRITEBYTECODE is set (CI images
# often set it) every process the tests and `make run` start would otherwise compile
# every imported module again (~4.7 s instead of ~1.5 s to import the router).

UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
PY := $(UV) run --frozen

.PHONY: env test-deps test lint typecheck pytest run dev-admin bench fmt fuzz bench-compare bench-planner bench-profile \
	bench-reload bench-hostile bench-cache bench-smoke bench-ramp bench-mix bench-spike bench-soak \
	bench-stress bench-large

env:
	@command -v uv >/dev/null 2>&1 || test -x "$(HOME)/.local/bin/uv" || python3 -m pip install --user --quiet uv
	$(UV) sync --frozen --compile-bytecode
	$(PY) python -m compileall -q -j 0 planner router subgraphs tests
	@command -v uv >/dev/null 2>&1 || echo 'note: uv is in ~/.local/bin, which is not on your PATH; for the README'"'"'s `uv run ...` commands run: export PATH="$$HOME/.local/bin:$$PATH"'

lint: env
	$(PY) ruff check .
	$(PY) ruff format --check .

typecheck: env
	$(PY) mypy

# Debian's chromium for the browser tests: installed with apt-get when missing and
# possible (root or passwordless sudo); otherwise a note says what to install.
test-deps:
	@scripts/test-deps

# Two pytest workers (pytest-xdist): most of the suite's time is spent waiting on the
# servers it starts, so two workers finish in ~60% of the time on two cores. Tests that
# share a server use their own databases, keys and streams, and the tests of one file run
# in one worker (--dist loadfile), one after another. PYTEST_WORKERS=0 runs serially.
PYTEST_WORKERS ?= 2
pytest: env test-deps
	$(PY) pytest -n $(PYTEST_WORKERS) --dist loadfile

test: lint typecheck pytest

# The HTTP fuzzer of tests/hostile with many more examples than `make test` runs.
FUZZ_EXAMPLES ?= 3000
fuzz: env
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) pytest -q -p no:cacheprovider tests/hostile/test_fuzz_http.py

fmt: env
	$(PY) ruff format .
	$(PY) ruff check --fix .

run: env
	$(PY) python -m subgraphs.devstack

# The seed's `dev:admin`: the router in registry mode with the admin UI (/admin), usage and
# audit recording and the in-process API-key usage consolidator (deploy/dev-admin.yaml).
# START_API_KEY_USAGE_WORKER=0 make dev-admin runs it without the consolidator.
DEV_ADMIN_TOKEN ?= dev-admin-token
dev-admin: env
	$(PY) gateway db upgrade --config deploy/dev-admin.yaml
	@echo "admin UI: http://127.0.0.1:$${GATEWAY_PORT:-4000}/admin (token: $${GATEWAY_ADMIN_TOKEN:-$(DEV_ADMIN_TOKEN)})"
	GATEWAY_ADMIN_TOKEN=$${GATEWAY_ADMIN_TOKEN:-$(DEV_ADMIN_TOKEN)} $(PY) gateway serve --config deploy/dev-admin.yaml

bench: env
	$(PY) python -m tests.bench

bench-compare bench-planner bench-profile bench-reload bench-hostile bench-cache: bench-%: env
	$(PY) python -m tests.bench $*

bench-stress: env
	$(PY) python -m tests.bench stress500

bench-large: env
	$(PY) python -m tests.bench large

bench-smoke bench-ramp bench-mix bench-spike bench-soak: bench-%: env
	$(PY) python -m tests.bench scenario $*
