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
CORE_CFLAGS := $(WARN) $(DEFS) $(shell pkg-config --cflags ldns 2>/dev/null)
UI_CFLAGS   := $(WARN) $(DEFS) -Isrc $(shell pkg-config --cflags ncursesw 2>/dev/null)
APP_CFLAGS  := $(WARN) $(DEFS) -Isrc -Iui
CORE_LIBS   := $(shell pkg-config --libs ldns 2>/dev/null) -lpthread -lm
UI_LIBS     := $(shell pkg-config --libs ncursesw 2>/dev/null)
TEST_CFLAGS := $(WARN) $(DEFS) -Isrc -Iui -Iapp -Wno-missing-prototypes $(shell pkg-config --cflags cmocka 2>/dev/null)
TEST_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

ifneq ($(SAN),)
CFLAGS  += -fsanitize=$(SAN) -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SAN)
BUILD   := build-$(SAN)
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
	format format-check
all: $(PROG)

# Renamed into place so a running copy (a dashboard left open) does not block the build.
$(PROG): $(BUILD)/$(PROG)
	cp $< $@.tmp && mv -f $@.tmp $@

$(BUILD)/$(PROG): $(APP_OBJ) $(UI_OBJ) $(CORE_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(UI_LIBS) $(CORE_LIBS)

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
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(UI_LIBS) $(CORE_LIBS)

unit: $(TEST_BIN) check-layering
	@set -e; for t in $(TEST_BIN); do echo "== $$t"; $$t; done

e2e: $(PROG)
	tests/e2e/run.sh ./$(PROG)

# The README's test command: installs what is missing first, then builds and runs everything.
test:
	@tools/deps.sh
	$(MAKE) unit
	$(MAKE) e2e

# Sanitizer runs: the unit tests, then the real binary against the lab (leaks, races and
# undefined behaviour in the engine, the driver and the truth threads).
ASAN_E2E ?= once options check_resolvers diagnose watch dashboard paste core truth move
TSAN_E2E ?= once watch core truth move
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
# driver (it gets snapshots and sends commands), not even through another header.
check-layering:
	@if grep -rlE 'curses' src/; then echo "src/ mentions curses: only ui/ may" >&2; exit 1; fi
	@if grep -rlE '#include[[:space:]]*[<"](n?curses|ncursesw/)' app/; then \
		echo "app/ includes curses: only ui/ may" >&2; exit 1; fi
	@if $(CC) -MM $(UI_CFLAGS) $(shell pkg-config --cflags ldns 2>/dev/null) ui/*.c | \
		grep -E 'src/(engine|watch)\.h'; then \
		echo "ui/ includes the engine or the driver: it gets snapshots and commands" >&2; \
		exit 1; fi

smoke: $(PROG)
	tests/smoke.sh ./$(PROG)

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

# libFuzzer targets for the two parsers of untrusted input, run FUZZ_SECONDS each.
FUZZ_SECONDS ?= 30
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L \
                -D_DEFAULT_SOURCE -Isrc $(shell pkg-config --cflags ldns 2>/dev/null)
fuzz:
	@mkdir -p build-fuzz/corpus-resolvers build-fuzz/corpus-query
	$(FUZZ_CC) $(FUZZ_FLAGS) -o build-fuzz/fuzz_resolvers tests/fuzz/fuzz_resolvers.c \
		src/resolvers.c src/status.c src/text.c
	$(FUZZ_CC) $(FUZZ_FLAGS) -o build-fuzz/fuzz_query tests/fuzz/fuzz_query.c src/query.c src/text.c \
		src/status.c $(CORE_LIBS)
	cp resolvers.txt build-fuzz/corpus-resolvers/seed.txt
	build-fuzz/fuzz_resolvers -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		build-fuzz/corpus-resolvers
	build-fuzz/fuzz_query -max_total_time=$(FUZZ_SECONDS) -max_len=1500 build-fuzz/corpus-query

deps:
	@tools/deps.sh

install: $(PROG)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/proptrack
	install -m 755 $(PROG) $(DESTDIR)$(PREFIX)/bin/$(PROG)
	install -m 644 resolvers.txt $(DESTDIR)$(PREFIX)/share/proptrack/resolvers.txt

clean:
	rm -rf build build-* $(PROG)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
