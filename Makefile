# mlops: one binary for the model release lifecycle.
#
#   make            build build/mlops
#   make check      install missing packages, build, run every test
#   make test T='t03*'    only the tests named so (CLI scripts and unit
#                         binaries), without the package step; JOBS=N
#   make unit       the C unit tests only (seconds)
#   make demo       install missing packages, build, run the guided demo
#   make deps       install the Debian packages in packages.txt
#   make install    PREFIX=/usr/local DESTDIR=
#   make SANITIZE=address,undefined check   (objects under build/san)
#   make valgrind         package/validate/predict tests under memcheck
#   make fuzz SECONDS=N   each libFuzzer harness for N s (build/libfuzzer);
#                         FUZZERS="a b" runs only those
#   make WERROR=1   warnings are errors (CI)

VERSION := 0.1.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/vendor-completions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d

CC ?= cc
CFLAGS ?= -O2 -g
PKGS := libcurl libarchive libgit2 jansson yaml-0.1 libmicrohttpd openssl zlib \
	libprotobuf-c sqlite3 libpq

ifneq ($(FUZZ),)
# `make fuzz`: clang's libFuzzer, the library instrumented for coverage.
B := build/libfuzzer
CC := clang
CFLAGS += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
else ifeq ($(SANITIZE),)
B := build
else
B := build/san
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
	  -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif

WARNINGS := -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 \
	    -Wmissing-prototypes -Wstrict-prototypes -Wvla \
	    -Wno-missing-field-initializers
ifneq ($(WERROR),)
WARNINGS += -Werror
endif

# Evaluated once per make run, and only for targets that compile.
NEED_PKGS := $(filter-out deps clean format help,$(or $(MAKECMDGOALS),all))
ifneq ($(NEED_PKGS),)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
endif

ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -DMLOPS_VERSION='"$(VERSION)"' -DMLOPS_LIB_VERSION='"$(VERSION)"' \
	      -I. -I$(B)/gen $(PKG_CFLAGS) $(WARNINGS) $(CFLAGS) \
	      -MMD -MP
ALL_LIBS := $(PKG_LIBS) -lxgboost -lm -lpthread

LIB_SRC := $(sort $(wildcard lib/*/*.c lib/*/*/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c) $(wildcard subcommands/*.c))
GEN_SRC := $(B)/gen/init_template.c $(B)/gen/templates.c
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

# ONNX's ModelProto, read by C code that protoc-c generates from the
# onnx.proto Debian's libonnx-dev installs: nothing generated is committed.
ONNX_PROTO ?= /usr/include/onnx/onnx.proto
PB_OBJ := $(B)/gen/onnx.pb-c.o
# The fixed part of serve's OpenAPI document, compiled into the library.
OPENAPI_OBJ := $(B)/gen/openapi_base.o
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o) $(PB_OBJ) $(OPENAPI_OBJ)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/%.o) $(GEN_SRC:.c=.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
# Each harness linked with a plain driver that replays its corpus.
FUZZ_REPLAY := $(FUZZ_NAMES:%=$(B)/fuzz/replay_%)

MAN_SRC := $(sort $(wildcard man/*.scd))
MAN_OUT := $(MAN_SRC:man/%.scd=$(B)/man/%)

MLOPS := $(B)/mlops

# `make V=1` shows the full commands.
ifeq ($(V),)
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
else
Q :=
say =
endif

.PHONY: valgrind fuzz fuzz-run all check test unit demo deps install uninstall clean format bench \
	man lint-man

all: $(MLOPS) $(MAN_OUT)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/gen/%.o: $(B)/gen/%.c
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/gen/onnx.pb-c.c $(B)/gen/onnx.pb-c.h: $(ONNX_PROTO)
	@mkdir -p $(B)/gen
	$(call say,PROTOC,$<)protoc-c --c_out=$(B)/gen -I$(dir $(ONNX_PROTO)) $(notdir $(ONNX_PROTO))

# Generated code: compiled without our warning set, which it was not
# written for.
$(PB_OBJ): $(B)/gen/onnx.pb-c.c $(B)/gen/onnx.pb-c.h
	$(call say,CC,$<)$(CC) -std=c11 $(PKG_CFLAGS) $(CFLAGS) -I$(B)/gen -c -o $@ $<

# The power tables of lib/core/number*.c, computed with exact big-integer
# arithmetic by a small generator run here (it also checks the integer
# logarithms of number_log.h): no table of magic numbers is committed.
$(B)/gen/gen-number-tables: scripts/gen-number-tables.c lib/core/number_log.h
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) -std=c11 -O2 -Wall -Wextra -Wpedantic -I. -o $@ $<

$(B)/gen/number_tables.h: $(B)/gen/gen-number-tables
	$(call say,GEN,$@)$< > $@.tmp && mv $@.tmp $@

$(B)/lib/core/number.o $(B)/lib/core/number_format.o: $(B)/gen/number_tables.h

# Whatever includes the generated header waits for it.
$(filter $(B)/lib/model/%,$(LIB_OBJ)) $(UNIT_BIN): $(B)/gen/onnx.pb-c.h

$(B)/libmlops.a: $(LIB_OBJ)
	@rm -f $@
	$(call say,AR,$@)$(AR) rcs $@ $^

$(MLOPS): $(CLI_OBJ) $(B)/libmlops.a
	$(call say,LINK,$@)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(B)/libmlops.a $(ALL_LIBS)

# The commented mlops.yaml that `mlops init` writes, compiled in so the
# binary needs no data files.
$(B)/gen/init_template.c: templates/mlops.yaml scripts/embed
	@mkdir -p $(@D)
	$(call say,GEN,$@)sh scripts/embed init_template < $< > $@

$(B)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(B)/libmlops.a
	@mkdir -p $(@D)
	$(call say,LINK,$@)$(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -o $@ tests/fuzz/fuzz_$*.c tests/fuzz/replay.c $(B)/libmlops.a $(LDFLAGS) $(ALL_LIBS)

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(B)/libmlops.a
	@mkdir -p $(@D)
	$(call say,LINK,$@)$(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -fsanitize=fuzzer -o $@ $< $(B)/libmlops.a $(LDFLAGS) $(ALL_LIBS)

# `make fuzz SECONDS=N`: each harness for N seconds (default 60), new
# inputs kept under build/libfuzzer/fuzz/corpus/NAME, crashers saved as
# build/libfuzzer/fuzz/crash-NAME-*. Add a crasher to tests/fuzz/corpus/NAME once
# fixed: `make check` replays it from then on.
SECONDS ?= 60
FUZZERS ?= $(FUZZ_NAMES)
fuzz: deps
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-run

fuzz-run: $(FUZZERS:%=$(B)/fuzz/fuzz_%)
	@for n in $(FUZZERS); do \
		mkdir -p $(B)/fuzz/corpus/$$n; \
		echo "== fuzz $$n for $(SECONDS) s"; \
		$(B)/fuzz/fuzz_$$n -max_total_time=$(SECONDS) -print_final_stats=1 \
			-dict=tests/fuzz/numbers.dict \
			-artifact_prefix=$(B)/fuzz/crash-$$n- \
			$(B)/fuzz/corpus/$$n tests/fuzz/corpus/$$n 2>&1 | \
			grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::new_units_added|==[0-9]+==ERROR|SUMMARY)' ; \
	done

$(B)/gen/openapi_base.c: lib/server/openapi-base.json scripts/embed
	@mkdir -p $(@D)
	$(call say,GEN,$@)sh scripts/embed openapi_base < $< > $@

# One string longer than C99's 4095-byte minimum: gcc and clang take it.
$(OPENAPI_OBJ): $(B)/gen/openapi_base.c
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -c -o $@ $<

# The files of `mlops init --template NAME`.
$(B)/gen/templates.c: $(shell find templates -mindepth 2 -type f) scripts/embed-templates
	@mkdir -p $(@D)
	$(call say,GEN,$@)sh scripts/embed-templates templates > $@

$(B)/tests/%: tests/unit/%.c tests/unit/tap.h $(B)/libmlops.a
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -MF $@.d $(LDFLAGS) -o $@ $< \
		$(B)/libmlops.a $(ALL_LIBS)

$(B)/man/%: man/%.scd scripts/man-tidy
	@mkdir -p $(@D)
	@# Not a pipeline: a page scdoc cannot read must fail the build.
	$(call say,SCDOC,$<)scdoc < $< > $@.raw && sh scripts/man-tidy < $@.raw > $@ && rm -f $@.raw || { rm -f $@ $@.raw; exit 1; }

man: $(MAN_OUT)

# Debian packages, then the test-only npm packages (onnxruntime-node,
# the second reference for ONNX models) from tests/node's lock file.
deps:
	@sh scripts/install-deps packages.txt
	@sh scripts/install-npm

# `check` and `demo` first install what is missing, then re-run make so
# that pkg-config sees the freshly installed libraries.
check: deps
	@$(MAKE) --no-print-directory test

# A full disk for the fault tests (LD_PRELOAD; never sanitized: it must
# load beside any build).
ENOSPC_LIB := $(B)/tests/libenospc.so
$(ENOSPC_LIB): tests/tools/enospc.c
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) -std=gnu11 -O2 -Wall -Wextra -shared -fPIC -o $@ $< -ldl

# prove's parallel jobs: one per core unless JOBS says otherwise.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# T selects tests by name, shell patterns allowed: T='t03* test_onnx'.
CLI_TESTS := $(sort $(wildcard tests/cli/t*.sh))
ifneq ($(T),)
SELECTED := $(sort $(foreach t,$(T),$(wildcard tests/cli/$(t).sh \
	tests/cli/$(t)-*.sh tests/cli/$(t)*.sh) \
	$(filter $(addprefix $(B)/tests/,$(subst *,%,$(t))),$(UNIT_BIN))))
else
SELECTED := $(UNIT_BIN) $(CLI_TESTS)
endif
PROVE_ENV = MLOPS="$(CURDIR)/$(MLOPS)" MLOPS_BUILD="$(CURDIR)/$(B)" \
	 MLOPS_SRC="$(CURDIR)" MLOPS_SANITIZE="$(SANITIZE)" \
	 LSAN_OPTIONS="suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0" \
	 UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

test: $(MLOPS) $(MAN_OUT) $(UNIT_BIN) $(FUZZ_REPLAY) $(ENOSPC_LIB)
	@if [ -z "$(strip $(SELECTED))" ]; then \
		echo "make test: no test is named $(T) (tests/cli/t*.sh," \
		     "tests/unit/test_*.c)" >&2; exit 2; fi
	@$(PROVE_ENV) prove --exec '' --jobs $(JOBS) --timer $(SELECTED)

unit: $(UNIT_BIN)
	@$(PROVE_ENV) prove --exec '' --jobs $(JOBS) --timer $(UNIT_BIN)

# The CLI tests of package, validate and predict with mlops under valgrind
# memcheck (tests/tools/valgrind-mlops): zero errors, zero definite leaks.
VALGRIND_TESTS := $(wildcard tests/cli/t030*.sh tests/cli/t0310*.sh \
	tests/cli/t032*.sh tests/cli/t05*.sh tests/cli/t06*.sh)
VALGRIND_TESTS := $(sort $(filter-out tests/cli/t0350%,$(VALGRIND_TESTS)))
valgrind: deps
	@$(MAKE) --no-print-directory $(MLOPS) $(MAN_OUT)
	@rm -rf $(B)/valgrind && mkdir -p $(B)/valgrind
	@MLOPS="$(CURDIR)/tests/tools/valgrind-mlops" \
	 MLOPS_VALGRIND_BINARY="$(CURDIR)/$(MLOPS)" \
	 MLOPS_VALGRIND_LOGS="$(CURDIR)/$(B)/valgrind" \
	 MLOPS_BUILD="$(CURDIR)/$(B)" MLOPS_SRC="$(CURDIR)" \
	 prove --exec '' --jobs 2 --timer $(VALGRIND_TESTS)
	@n=$$(find $(B)/valgrind -name '*.log' -size +0 | wc -l); \
	 if [ "$$n" -ne 0 ]; then \
		echo "valgrind: $$n run(s) with errors:"; \
		find $(B)/valgrind -name '*.log' -size +0 -exec cat {} +; exit 1; \
	 fi; \
	 echo "valgrind: $$(ls $(B)/valgrind | wc -l) mlops runs, 0 errors"

demo: deps
	@$(MAKE) --no-print-directory $(MLOPS)
	@MLOPS="$(CURDIR)/$(MLOPS)" sh examples/demo.sh

bench: deps
	@$(MAKE) --no-print-directory $(MLOPS)
	@for b in bench/*/run; do MLOPS="$(CURDIR)/$(MLOPS)" sh $$b || exit 1; done

install: $(MLOPS) $(MAN_OUT)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR) \
		$(DESTDIR)$(DATADIR)/mlops/templates
	install -m 755 $(MLOPS) $(DESTDIR)$(BINDIR)/mlops
	install -m 644 $(filter %.1,$(MAN_OUT)) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(filter %.5,$(MAN_OUT)) $(DESTDIR)$(MANDIR)/man5/
	install -m 644 completions/mlops.bash $(DESTDIR)$(BASHCOMPDIR)/mlops
	install -m 644 completions/_mlops $(DESTDIR)$(ZSHCOMPDIR)/_mlops
	install -m 644 completions/mlops.fish $(DESTDIR)$(FISHCOMPDIR)/mlops.fish
	cp -R templates/. $(DESTDIR)$(DATADIR)/mlops/templates/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mlops $(DESTDIR)$(BASHCOMPDIR)/mlops \
		$(DESTDIR)$(ZSHCOMPDIR)/_mlops \
		$(DESTDIR)$(FISHCOMPDIR)/mlops.fish
	rm -f $(patsubst $(B)/man/%,$(DESTDIR)$(MANDIR)/man1/%,$(filter %.1,$(MAN_OUT)))
	rm -f $(patsubst $(B)/man/%,$(DESTDIR)$(MANDIR)/man5/%,$(filter %.5,$(MAN_OUT)))
	rm -rf $(DESTDIR)$(DATADIR)/mlops

clean:
	rm -rf build

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(wildcard lib/*/*.h cli/*.h) \
		$(UNIT_SRC)

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_BIN:=.d)
