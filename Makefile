# `make run`: the portal on SQLite with demo data. `make test`: every test.
# Both install what they need and can be run again.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
FLASK := $(BIN)/flask --app portal
VENDOR := static/vendor/htmx.min.js static/vendor/sse.min.js static/vendor/idb-keyval.js

.PHONY: run test assets chromium gammu libreoffice nginx redis screenshots bench bench-load bench-fanout bench-export bench-eventlog \
	bench-province
.DEFAULT_GOAL := run

run: $(VENV)/.runtime $(VENDOR)
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo "Cổng thi đua: http://127.0.0.1:$(PORT)"
	PORT=$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# On SQLite, then again on PostgreSQL when PORTAL_TEST_DATABASE_URL names one (CI sets it).
test: $(VENV)/.dev $(VENDOR) chromium gammu libreoffice nginx redis
	PORTAL_TEST_DATABASE_URL= $(BIN)/pytest
	@if [ -n "$$PORTAL_TEST_DATABASE_URL" ]; then echo "== again on PostgreSQL"; $(BIN)/pytest; fi

$(VENV)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(VENDOR): node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx-ext-sse/dist/sse.min.js static/vendor/
	cp node_modules/idb-keyval/dist/umd.js static/vendor/idb-keyval.js

assets: $(VENDOR)

# Browser tests drive Debian's chromium; Playwright never downloads a browser.
chromium:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Cần cài chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

# The SMS tests run Debian's gammu-smsd on its fake phone, with its SQL storage on SQLite (libdbi's driver) or PostgreSQL.
gammu:
	@dpkg -s gammu-smsd libdbd-sqlite3 >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gammu-smsd libdbd-sqlite3; \
	  else echo "Cần cài gammu-smsd: sudo apt-get install gammu-smsd libdbd-sqlite3" >&2; exit 1; fi; }

# The document tests print each .docx to PDF with Debian's LibreOffice and read it back with poppler, and open
# each workbook in its Calc;
# fonts-liberation2 stands in for Times New Roman with the same letter widths.
libreoffice:
	@dpkg -s libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils fonts-liberation2 >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils fonts-liberation2; \
	  else echo "Cần cài LibreOffice: sudo apt-get install libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils fonts-liberation2" >&2; exit 1; fi; }

# The several-hosts test runs Debian's nginx, as the test user, in front of two gunicorn instances.
nginx:
	@test -x /usr/sbin/nginx || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; \
	  else echo "Cần cài nginx: sudo apt-get install nginx" >&2; exit 1; fi; }

# The rate-limit and several-hosts tests count in a local Redis (loopback only, nothing kept on disk); started if down.
redis:
	@command -v redis-server >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; \
	  else echo "Cần cài redis-server: sudo apt-get install redis-server" >&2; exit 1; fi; }
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { \
	  mkdir -p /tmp/cong-thi-dua-redis && redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
	    --appendonly no --dir /tmp/cong-thi-dua-redis --logfile /tmp/cong-thi-dua-redis/redis.log && \
	  for _ in $$(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done; }

# Pictures of the main pages at 360 px and 1280 px wide, from the demo, into docs/screenshots/.
screenshots: $(VENV)/.dev $(VENDOR) chromium
	$(BIN)/python docs/screenshots.py

# Page weight, emulated 2G/3G links, live-board latency and server throughput: prints a table,
# writes bench/results/. ARGS=--quick for a shorter run.
bench: $(VENV)/.dev $(VENDOR) chromium
	$(BIN)/python bench/run.py $(ARGS)

# 300 units ticking at human pace and 10 boards on SSE (locust) for 60 s: latency, errors, lost ticks.
# ARGS="--seconds 20" for a shorter run.
bench-load: $(VENV)/.dev
	$(BIN)/python bench/load.py $(ARGS)

# What 0, 200 and 1000 idle live streams cost PostgreSQL (statements/s), on a database it empties:
# ARGS="--url postgresql://postgres@127.0.0.1:5432/bench".
bench-fanout: $(VENV)/.dev
	$(BIN)/python bench/fanout.py $(ARGS)

# board.xlsx for 1 000 and 3 000 villages × 40 tasks: time and peak memory of the request, on a database it empties:
# ARGS="--url postgresql://postgres@127.0.0.1:5432/bench".
bench-export: $(VENV)/.dev
	$(BIN)/python bench/export.py $(ARGS)

# A tick's insert, a stream's read and the board's and /audit's reads with 1M and 5M events in the log (ARGS="--sizes
# 1,5,20" for 20M), on a database it empties: ARGS="--url postgresql://postgres@127.0.0.1:5432/bench".
bench-eventlog: $(VENV)/.dev
	$(BIN)/python bench/eventlog.py $(ARGS)

# A province on one deployment: 40 communes × 30 units × 40 tasks, phones ticking with their checklist stream open, 50
# boards, two gunicorn instances; on a database it empties: ARGS="--url postgresql://postgres@127.0.0.1:5432/bench
# --phones 300,500,1000".
bench-province: $(VENV)/.dev
	$(BIN)/python bench/province.py $(ARGS)
