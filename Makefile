# sockbench: one binary, ./sockbench. See README.md.
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
WERROR  ?= $(if $(CI),-Werror,)
CFLAGS  ?= -O2 -g
SB_CFLAGS = -std=gnu11 -D_GNU_SOURCE -Wall -Wextra $(WERROR) -Isrc -Isrc/cmd -Isrc/script -Isrc/svc -Isrc/proxy -Iproto -Iui -MMD -MP
PKGS     = ncursesw libcjson openssl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
EV_LIBS    := $(shell pkg-config --libs libev 2>/dev/null || echo -lev)
ALL_CFLAGS = $(SB_CFLAGS) $(PKG_CFLAGS) $(CFLAGS)
LDLIBS  += $(PKG_LIBS) $(EV_LIBS) -lm

BUILD   ?= build
LIB_SRC  = $(filter-out src/cmd/main.c,$(wildcard src/*.c src/*/*.c)) $(wildcard proto/*.c) $(wildcard ui/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ = $(BUILD)/src/cmd/main.o
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BIN     ?= sockbench

.PHONY: all deps run test unit asan bench fuzz install clean check-deps
all: check-deps $(BIN)

check-deps:
	@scripts/deps.sh build

$(BIN): $(MAIN_OBJ) $(BUILD)/libsockbench.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libsockbench.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libsockbench.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(BUILD)/libsockbench.a $(LDLIBS) -lcmocka

unit: all $(UNIT_BIN)

run: all
	@scripts/deps.sh run
	./$(BIN)

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory unit
	@BIN=./$(BIN) BUILD=$(BUILD) tests/run.sh

asan:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory BUILD=build-asan BIN=sockbench-asan \
	  CC=clang CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" unit
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  BIN=./sockbench-asan BUILD=build-asan SANITIZED=1 tests/run.sh

bench: all
	@$(MAKE) --no-print-directory -C bench
	@BIN=./$(BIN) bench/run.sh

fuzz:
	@tests/fuzz/run.sh $(or $(FUZZ_SECONDS),60)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/sockbench
	install -m 644 docs/sockbench.1 $(DESTDIR)$(PREFIX)/share/man/man1/sockbench.1

clean:
	rm -rf build build-asan build-fuzz sockbench sockbench-asan
	@$(MAKE) --no-print-directory -C bench clean 2>/dev/null || true

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)
