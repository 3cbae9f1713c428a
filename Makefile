# Tuoguan — two commands: `make run` and `make test`. Both prepare PostgreSQL themselves.

GO      ?= go
BIN     := bin/tuoguan
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

# make run signs in the bootstrap admin with this password unless you set another.
TUOGUAN_BOOTSTRAP_ADMIN_PASSWORD ?= tuoguan-admin
export TUOGUAN_BOOTSTRAP_ADMIN_PASSWORD

.PHONY: run test test-go test-web build web generate lint-api postgres browser clean

## run: start the API and the web app on :8080 with a working database (created and migrated on start, demo data on the first)
run: build postgres
	./$(BIN) demo -if-empty
	./$(BIN) serve

## test: every Go test with -race against a real PostgreSQL, then the web app's tests in a real browser
test: test-go test-web

test-go: postgres
	$(GO) test -race -count=1 -timeout 30m ./...

## test-citus: every Go test against the Citus coordinator at CITUS_URL (two workers or more); see the README
.PHONY: test-citus
test-citus:
	@if [ -z "$(CITUS_URL)" ]; then \
		echo "test-citus: set CITUS_URL to a Citus coordinator's maintenance database, e.g."; \
		echo "  make test-citus CITUS_URL='postgres://postgres@127.0.0.1:9700/postgres?sslmode=disable'"; \
		echo "(the README's Tests section tells what the cluster needs); nothing was run"; exit 2; fi
	TEST_DATABASE_URL='$(CITUS_URL)' $(GO) test -count=1 -p 2 -timeout 60m ./...

## test-web: the browser tests (web/tests) against bin/tuoguan and a fresh demo database, in headless Chromium
test-web: build postgres browser
	cd web && TUOGUAN_BIN=$(CURDIR)/$(BIN) npm test

## screenshots: run the browser tests, saving their screenshots into docs/screenshots (the README shows them)
.PHONY: screenshots
screenshots: build postgres browser
	cd web && TUOGUAN_BIN=$(CURDIR)/$(BIN) SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots npm test

## build: build the web app, then compile bin/tuoguan with it embedded
build: web
	$(GO) build -tags webapp -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/tuoguan

## web: install the app's packages from web/package-lock.json when it changed, and build web/dist (type-checked)
web: web/dist/index.html

web/node_modules/.installed: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json openapi.yaml

web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run build

## generate: regenerate api/ and the web app's typed client (web/src/api/schema.d.ts) from openapi.yaml
generate: web/node_modules/.installed
	$(GO) generate ./api/...
	cd web && npm run generate

## lint-api: lint openapi.yaml with Redocly's recommended rules (needs npm)
lint-api:
	npx --yes @redocly/cli@2 lint --extends=recommended openapi.yaml

postgres:
	@./.ci/postgres

browser:
	@./.ci/browser

clean:
	rm -rf bin web/dist web/node_modules

# The benchmarks create their database on the local PostgreSQL (or $(DATABASE_URL)'s server) unless
# BENCH_DATABASE_URL names another server, e.g. a Citus coordinator: make bench BENCH_DATABASE_URL=postgres://…
BENCH_DATABASE_URL ?=
BENCH_SERVER := $(if $(BENCH_DATABASE_URL),-database-url '$(BENCH_DATABASE_URL)')
BENCH_POSTGRES := $(if $(BENCH_DATABASE_URL),,postgres)

## bench-lists: measure list latency on 100,000 farms and 300,000 parcels
.PHONY: bench-lists
bench-lists: $(BENCH_POSTGRES)
	$(GO) run ./cmd/tuoguan-bench lists $(BENCH_SERVER)

## bench-ops: measure single-operation logging against pgbench and batch sync against COPY (about 2,000 active contracts)
.PHONY: bench-ops
bench-ops: $(BENCH_POSTGRES)
	$(GO) run ./cmd/tuoguan-bench ops -verify $(BENCH_SERVER)

## bench-stats: measure statistics latency on a county like the demo's and on one 100 times larger, and exports
.PHONY: bench-stats
bench-stats: $(BENCH_POSTGRES)
	$(GO) run ./cmd/tuoguan-bench stats $(BENCH_SERVER)

## bench: every measurement in one run on one province-size data set, against the real server (SCALE=1: 100 counties,
## 1,000,000 contracts, about 10,000,000 operations; 8½ to 20 minutes on two cores, docs/performance.md), ending
## with a summary table; each comparison of the API with the database alternates the two ROUNDS times and quotes
## the median ratio
SCALE ?= 1
ROUNDS ?= 3
.PHONY: bench
bench: $(BENCH_POSTGRES)
	$(GO) build -o bin/tuoguan-bench ./cmd/tuoguan-bench
	./bin/tuoguan-bench province -scale $(SCALE) -rounds $(ROUNDS) $(BENCH_SERVER)

## bench-quick: the same on a twentieth of the province (5 counties, 50,000 contracts), in about five minutes
.PHONY: bench-quick
bench-quick:
	$(MAKE) bench SCALE=0.05

## bench-exports: measure the operations ledger as CSV and Excel over a million rows against the database's own COPY of
## the same rows, and the peak memory of the real server exporting and under load
.PHONY: bench-exports
bench-exports: $(BENCH_POSTGRES)
	$(GO) run ./cmd/tuoguan-bench exports $(BENCH_SERVER)
