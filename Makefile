# proptrack: see README.md. `make deps` installs the Debian packages the build and tests need;
# `make test` and `make demo` run it first, so on a fresh Debian 12 machine they are the whole
# set-up.
CFLAGS   ?= -O2 -g
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    := build
WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wpointer-arith -Wcast-qual -Wundef
VERSION  := 0.1.0
DEFS     := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
            -DPT_VERSION='"$(VERSION)"' -DPT_DATADIR='"$(PREFIX)/share/proptrack"'
CORE_CFLAGS := $(WARN) $(DEFS) $(shell pkg-config --cflags ldns jansson libcurl openssl 2>/dev/null)
UI_CFLAGS   := $(WARN) $(DEFS) -Isrc $(shell pkg-config --cflags ncursesw 2>/dev/null)
APP_CFLAGS  := $(WARN) $(DEFS) -Isrc -Iui
CORE_LIBS   := $(shell pkg-config --libs ldns jansson libcurl openssl 2>/dev/null) -lpthread -lm
UI_LIBS     := $(shell pkg-config --libs ncursesw 2>/dev/null)
APP_CFLAGS  += $(shell pkg-config --cflags libidn2 2>/dev/null)
APP_LIBS    := $(shell pkg-config --libs libidn2 2>/dev/null)
TEST_CFLAGS := $(WARN) $(DEFS) -Isrc -Iui -Iapp -Wno-missing-prototypes $(shell pkg-config --cflags cmocka 2>/dev/null)
TEST_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

# Hardening of the normal build: stack protector, fortified libc calls, a position-independent
# executable with full RELRO. Sanitizer builds leave _FORTIFY_SOURCE out (its wrappers hide
# calls from ASan's interceptors); the fuzz build has flags of its own.
HARDEN_CFLAGS  := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
HARDEN_LDFLAGS := -pie -Wl,-z,relro,-z,now
ifneq ($(SAN),)
CFLAGS  += -fsanitize=$(SAN) -fno-omit-frame-pointer -fstack-protector-strong -fPIE
LDFLAGS += -fsanitize=$(SAN) $(HARDEN_LDFLAGS)
BUILD   := build-$(SAN)
else
CFLAGS  += $(HARDEN_CFLAGS)
LDFLAGS += $(HARDEN_LDFLAGS)
endif

CORE_SRC := $(wildcard src/*.c)
UI_SRC   := $(wildcard ui/*.c)
APP_SRC  := $(wildcard app/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
UI_OBJ   := $(UI_SRC:%.c=$(BUILD)/%.o)
APP_OBJ  := $(APP_SRC:%.c=$(BUILD)/%.o)
APP_LIBOBJ := $(filter-out $(BUILD)/app/main.o,$(APP_OBJ))
TEST_SRC := $(wildcard tests/test_*.c)
# tests/test_X.c tests src/X.c when it exists (core only, no ncurses), else ui/X.c or app/X.c
test_of   = $(patsubst tests/test_%.c,%,$(1))
CORE_TESTS := $(foreach t,$(TEST_SRC),$(if $(wildcard src/$(call test_of,$(t)).c),$(t)))
APP_TESTS  := $(foreach t,$(TEST_SRC),$(if $(wildcard app/$(call test_of,$(t)).c),$(t)))
UI_TESTS   := $(filter-out $(CORE_TESTS) $(APP_TESTS),$(TEST_SRC))
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
PROG     := proptrack

.PHONY: all test unit e2e asan tsan smoke bench demo clean install deps check-layering fuzz \
	fuzz-long fuzz-corpora format format-check lint smoke-atlas
all: $(PROG)

# Renamed into place so a running copy (a dashboard left open) does not block the build.
$(PROG): $(BUILD)/$(PROG)
	cp $< $@.tmp && mv -f $@.tmp $@

$(BUILD)/$(PROG): $(APP_OBJ) $(UI_OBJ) $(CORE_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(APP_LIBS) $(UI_LIBS) $(CORE_LIBS)

$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CORE_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/ui/%.o: ui/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(UI_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/app/%.o: app/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(APP_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) $(shell pkg-config --cflags ldns) -MMD -MP -c -o $@ $<

$(CORE_TESTS:tests/%.c=$(BUILD)/tests/%): $(BUILD)/tests/%: $(BUILD)/tests/%.o $(CORE_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(CORE_LIBS)

$(UI_TESTS:tests/%.c=$(BUILD)/tests/%): $(BUILD)/tests/%: $(BUILD)/tests/%.o $(UI_OBJ) $(CORE_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(UI_LIBS) $(CORE_LIBS)

$(APP_TESTS:tests/%.c=$(BUILD)/tests/%): $(BUILD)/tests/%: $(BUILD)/tests/%.o $(APP_LIBOBJ) $(UI_OBJ) $(CORE_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(APP_LIBS) $(UI_LIBS) $(CORE_LIBS)

# MALLOC_PERTURB_: glibc fills what malloc returns, so a read of memory never written fails
# (ASan's allocator fills it its own way)
unit: $(TEST_BIN) check-layering
	@set -e; for t in $(TEST_BIN); do echo "== $$t"; MALLOC_PERTURB_=165 $$t; done

e2e: $(PROG) $(BUILD)/bench/fleet
	tests/e2e/run.sh ./$(PROG)

# The README's test command: installs what is missing first, then builds and runs everything.
test:
	@tools/deps.sh
	$(MAKE) unit
	$(MAKE) e2e

# Sanitizer runs: the unit tests, then the real binary against the lab (leaks, races and
# undefined behaviour in the engine, the driver and the truth threads).
ASAN_E2E ?= once options check_resolvers diagnose polite watch dashboard paste core truth move text trust hostile faults replay follow_mx plan exec mail atlas globalping encrypted identity dnssec ecs ede
TSAN_E2E ?= once polite watch core truth move trust hostile follow_mx exec mail encrypted identity dnssec atlas_live globalping_live atlas_dashboard
asan:
	$(MAKE) SAN=address,undefined unit build-address,undefined/$(PROG)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		tests/e2e/run.sh build-address,undefined/$(PROG) $(ASAN_E2E)
tsan:
	$(MAKE) SAN=thread unit build-thread/$(PROG)
	TSAN_OPTIONS=halt_on_error=1 tests/e2e/run.sh build-thread/$(PROG) $(TSAN_E2E)

# Layout per .clang-format (Linux style, 100 columns); `format` rewrites, `format-check` fails.
FORMAT_SRC := $(wildcard src/*.[ch] ui/*.[ch] app/*.[ch])
format:
	clang-format -i $(FORMAT_SRC)
format-check:
	clang-format --dry-run --Werror $(FORMAT_SRC)

# Only ui/ may use curses; app/ and src/ never do, and ui/ never reaches the engine or the
# driver (it gets snapshots and sends commands), not even through another header; and a
# snapshot's rows are read through pt_snapshot_row() (a view has no flat rows array).
check-layering:
	@if grep -rlE 'curses' src/; then echo "src/ mentions curses: only ui/ may" >&2; exit 1; fi
	@if grep -rlE '#include[[:space:]]*[<"](n?curses|ncursesw/)' app/; then \
		echo "app/ includes curses: only ui/ may" >&2; exit 1; fi
	@if $(CC) -MM $(UI_CFLAGS) $(shell pkg-config --cflags ldns 2>/dev/null) ui/*.c | \
		grep -E 'src/(engine|watch)\.h'; then \
		echo "ui/ includes the engine or the driver: it gets snapshots and commands" >&2; \
		exit 1; fi
	@if grep -nE -- '->rows\[|\.rows\[' $(filter-out src/state.c,$(CORE_SRC)) $(UI_SRC) $(APP_SRC); then \
		echo "read a snapshot's rows with pt_snapshot_row(): views have no flat rows" >&2; \
		exit 1; fi

# cppcheck and clang-tidy (.clang-tidy); every finding fixed or explained in
# tools/lint-explained.txt (tools/lint.sh fails on any other).
lint:
	tools/lint.sh

smoke: $(PROG)
	tests/smoke.sh ./$(PROG)

# A real RIPE Atlas measurement (needs a key and internet access; not part of make test).
smoke-atlas: $(PROG)
	tests/smoke_atlas.sh ./$(PROG)

# The simulated fleet the benchmark asks (tests/bench/fleet.c, loopback only).
$(BUILD)/bench/fleet: tests/bench/fleet.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o $@ $<

bench: $(PROG) $(BUILD)/bench/fleet
	tests/bench/run.sh ./$(PROG)

demo:
	@tools/deps.sh
	$(MAKE) $(PROG)
	tests/e2e/demo.sh ./$(PROG)

# libFuzzer targets, one per parser of untrusted input (tests/fuzz/fuzz_NAME.c): query (DNS
# replies, any question), tcp (TCP framing), resolvers (lists), paste (the dashboard's paste
# panel fed raw terminal bytes), smtp (SMTP replies),
# rdata (--expect and RDATA text), numbers (durations and numbers on the command line), soa
# (SOA serials), vantage (saved RIPE Atlas and Globalping results). The core is compiled once
# with the sanitizers. Seeds: tests/fuzz/corpus/NAME
# (real replies of the lab's servers, made by tests/fuzz/make_seeds.sh).
# `make fuzz` shares FUZZ_SECONDS (total, default 35) among the targets; `make fuzz-long` runs
# each for FUZZ_RUNS inputs (default 10^7). A crash stops the run with the input saved in
# build-fuzz/ (libFuzzer's crash-* file): it becomes a unit test.
FUZZ_SECONDS ?= 35
FUZZ_RUNS    ?= 10000000
FUZZ_CC      ?= clang
FUZZ_TARGETS := query tcp resolvers paste smtp rdata numbers soa mail vantage
# -iquote, not -I: <sched.h> (via <pthread.h>) must be the system's, not src/sched.h
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
# -iquote: src/sched.h must not stand in for <sched.h> (which <spawn.h> includes)
FUZZ_CFLAGS  := -g -O1 $(FUZZ_SAN) -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
                -DPT_VERSION='"fuzz"' -DPT_DATADIR='"/nonexistent"' -iquote src -iquote app -iquote ui \
                $(shell pkg-config --cflags ldns 2>/dev/null)
FUZZ_OBJ     := $(CORE_SRC:%.c=build-fuzz/%.o) build-fuzz/app/options.o build-fuzz/ui/paste.o
FUZZ_BIN     := $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)
FUZZ_MAXLEN_tcp := 8192
FUZZ_MAXLEN_resolvers := 4096
FUZZ_MAXLEN_vantage := 8192

.SECONDARY: $(FUZZ_OBJ)
build-fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(CORE_LIBS)

# Fresh corpora per run: the committed seeds, plus what earlier runs found.
fuzz-corpora:
	@for t in $(FUZZ_TARGETS); do mkdir -p build-fuzz/corpus-$$t; \
		if [ -d tests/fuzz/corpus/$$t ]; then cp tests/fuzz/corpus/$$t/* build-fuzz/corpus-$$t/; fi; \
	done
	@cp resolvers.txt build-fuzz/corpus-resolvers/seed.txt
	@if [ -r ../shared/reference/public-resolvers.tsv ]; then \
		head -c 4000 ../shared/reference/public-resolvers.tsv >build-fuzz/corpus-resolvers/seed.tsv; fi

fuzz: $(FUZZ_BIN) fuzz-corpora
	@per=$$(( $(FUZZ_SECONDS) / $(words $(FUZZ_TARGETS)) )); [ $$per -ge 1 ] || per=1; \
	for t in $(FUZZ_TARGETS); do \
		echo "== fuzz_$$t ($$per s)"; \
		case $$t in tcp) max=$(FUZZ_MAXLEN_tcp) ;; resolvers) max=$(FUZZ_MAXLEN_resolvers) ;; vantage) max=$(FUZZ_MAXLEN_vantage) ;; *) max=2048 ;; esac; \
		(cd build-fuzz && ./fuzz_$$t -max_total_time=$$per -max_len=$$max -print_final_stats=1 \
			corpus-$$t >fuzz_$$t.log 2>&1); rc=$$?; \
		grep -E ' cov: ' build-fuzz/fuzz_$$t.log | tail -n 1; \
		grep -E '^stat::number_of_executed_units' build-fuzz/fuzz_$$t.log; \
		if [ $$rc -ne 0 ]; then tail -n 60 build-fuzz/fuzz_$$t.log; exit 1; fi; \
	done

fuzz-long: $(FUZZ_BIN) fuzz-corpora
	@for t in $(FUZZ_TARGETS); do \
		echo "== fuzz_$$t ($(FUZZ_RUNS) runs)"; \
		case $$t in tcp) max=$(FUZZ_MAXLEN_tcp) ;; resolvers) max=$(FUZZ_MAXLEN_resolvers) ;; vantage) max=$(FUZZ_MAXLEN_vantage) ;; *) max=2048 ;; esac; \
		(cd build-fuzz && ./fuzz_$$t -runs=$(FUZZ_RUNS) -max_len=$$max -print_final_stats=1 \
			corpus-$$t >fuzz_$$t.log 2>&1); rc=$$?; \
		grep -E ' cov: ' build-fuzz/fuzz_$$t.log | tail -n 1; \
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' build-fuzz/fuzz_$$t.log; \
		if [ $$rc -ne 0 ]; then tail -n 60 build-fuzz/fuzz_$$t.log; exit 1; fi; \
	done

deps:
	@tools/deps.sh

install: $(PROG)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/proptrack
	install -m 755 $(PROG) $(DESTDIR)$(PREFIX)/bin/$(PROG)
	install -m 644 resolvers.txt $(DESTDIR)$(PREFIX)/share/proptrack/resolvers.txt
	install -m 644 data/providers.json $(DESTDIR)$(PREFIX)/share/proptrack/providers.json

clean:
	rm -rf build build-* $(PROG)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
