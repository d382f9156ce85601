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
ALL_CFLAGS = $(SB_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
LDLIBS  += $(PKG_LIBS) $(EV_LIBS) -lm

BUILD   ?= build
LIB_SRC  = $(filter-out src/cmd/main.c,$(wildcard src/*.c src/*/*.c)) $(wildcard proto/*.c) $(wildcard ui/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ = $(BUILD)/src/cmd/main.o
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BIN     ?= sockbench

.PHONY: all deps run test unit asan bench fuzz install deb clean check-deps
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

# Where `make install` puts each part (docs/packaging.md); every path is
# under $(DESTDIR), so a package build installs into its staging tree.
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/sockbench
DATADIR     ?= $(PREFIX)/share/sockbench
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/vendor-completions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
DEB_OUT     ?= $(BUILD)/deb

install: all
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(MANDIR)/man1" \
	    "$(DESTDIR)$(MANDIR)/man5" "$(DESTDIR)$(DOCDIR)" \
	    "$(DESTDIR)$(DATADIR)/scenarios" "$(DESTDIR)$(BASHCOMPDIR)" \
	    "$(DESTDIR)$(ZSHCOMPDIR)" "$(DESTDIR)$(FISHCOMPDIR)"
	install -m 755 $(BIN) "$(DESTDIR)$(PREFIX)/bin/sockbench"
	install -m 644 docs/sockbench.1 "$(DESTDIR)$(MANDIR)/man1/sockbench.1"
	install -m 644 docs/sockbench-scenario.5 "$(DESTDIR)$(MANDIR)/man5/sockbench-scenario.5"
	install -m 644 README.md docs/*.md "$(DESTDIR)$(DOCDIR)/"
	# The completion scripts, printed by the binary just built.
	./$(BIN) completion bash >"$(DESTDIR)$(BASHCOMPDIR)/sockbench"
	./$(BIN) completion zsh >"$(DESTDIR)$(ZSHCOMPDIR)/_sockbench"
	./$(BIN) completion fish >"$(DESTDIR)$(FISHCOMPDIR)/sockbench.fish"
	chmod 644 "$(DESTDIR)$(BASHCOMPDIR)/sockbench" "$(DESTDIR)$(ZSHCOMPDIR)/_sockbench" \
	    "$(DESTDIR)$(FISHCOMPDIR)/sockbench.fish"
	cd scenarios && find . -type d -exec install -d "$(DESTDIR)$(DATADIR)/scenarios/{}" \; && \
	    find . -type f -exec install -m 644 {} "$(DESTDIR)$(DATADIR)/scenarios/{}" \;

# The Debian package, built in a copy of the source under $(DEB_OUT) (this
# tree stays clean), then checked by lintian: $(DEB_OUT)/sockbench_*.deb.
deb:
	@scripts/deps.sh deb
	rm -rf "$(DEB_OUT)"
	mkdir -p "$(DEB_OUT)/src"
	tar -cf - --exclude=./build --exclude=./build-asan --exclude=./build-fuzz \
	    --exclude=./$(BIN) --exclude=./sockbench-asan --exclude=./.git \
	    --exclude=./debian/sockbench --exclude=./debian/.debhelper . | \
	    tar -xf - -C "$(DEB_OUT)/src"
	cd "$(DEB_OUT)/src" && dpkg-buildpackage -b -uc -us
	lintian --fail-on error,warning "$(DEB_OUT)"/sockbench_*.deb
	@ls "$(DEB_OUT)"/sockbench_*.deb

clean:
	rm -rf build build-asan build-fuzz sockbench sockbench-asan
	@$(MAKE) --no-print-directory -C bench clean 2>/dev/null || true

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)
