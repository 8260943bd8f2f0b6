# The two front-door commands (make demo, make test) plus a few helpers.
# Both install the Debian packages paxwatch needs (as root), configure and build.

DEB_PACKAGES := build-essential cmake pkg-config libsqlite3-dev libpcre2-dev libyaml-dev \
	libjemalloc-dev libcriterion-dev libxml2-dev libjansson-dev libsimdjson-dev libutf8proc-dev \
	liburcu-dev libicu-dev python3 sqlite3
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
DEMO_DB ?= $(BUILD)/demo.db

.PHONY: all deps build demo test test-asan test-tsan bench clean

all: build

# Installs what is missing; quiet when everything is there.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPW_WERROR=ON
	cmake --build $(BUILD) -j$(JOBS)

# Imports the shipped sample watchlist and screens the shipped sample flight.
demo: build
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BUILD)/paxwatch watchlist import --db $(DEMO_DB) --list SAMPLE --format csv watchlists/sample.csv
	$(BUILD)/paxwatch watchlist list --db $(DEMO_DB)
	$(BUILD)/paxwatch screen --db $(DEMO_DB) --report - bench/flights/sample_flight.jsonl

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	$(MAKE) test-asan
	$(MAKE) test-tsan

# One pass of every test under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DPW_WERROR=ON -DPW_SANITIZE=address,undefined
	cmake --build $(BUILD)-asan -j$(JOBS)
	cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j$(JOBS)

# The threaded paths (tests labelled "threads") under ThreadSanitizer.
test-tsan: deps
	cmake -S . -B $(BUILD)-tsan -DCMAKE_BUILD_TYPE=Debug -DPW_WERROR=ON -DPW_SANITIZE=thread
	cmake --build $(BUILD)-tsan -j$(JOBS) --target test_pipeline_threads test_reload_threads test_rules_reload
	cd $(BUILD)-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -L threads

bench: build
	bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-tsan
