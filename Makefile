# rempart - build, test, demo, bench.
#
#   make            build build/rempart
#   make demo       install missing packages, build, run a real backup/restore demo
#   make test       install missing packages, build, run every test
#   make bench      benchmarks against restic and borg (long; not part of test)
#
# Variants: make BUILD=build-asan SAN=address,undefined  (used by the tests)

CC      ?= cc
BUILD   ?= build
SAN     ?=
OPT     ?= -O2
PKGS    := libzstd libsodium libcrypto libcurl libmicrohttpd libarchive zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcurl, libmicrohttpd and libarchive are opened when needed (src/util/dl.h)
LINK_PKGS  := libzstd libsodium libcrypto zlib
PKG_LIBS   := $(shell pkg-config --libs $(LINK_PKGS) 2>/dev/null)
# unit tests build zips and talk HTTP themselves
TEST_LIBS  := $(shell pkg-config --libs libarchive libcurl libmicrohttpd 2>/dev/null)
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CFLAGS  ?= $(OPT) -g
ALL_CFLAGS := -std=c17 -D_GNU_SOURCE -pthread $(WARN) $(CFLAGS) $(PKG_CFLAGS) -Isrc
LDLIBS  := $(PKG_LIBS) -lm -pthread
ifneq ($(SAN),)
ALL_CFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SAN)
endif

LIB_DIRS := util format store scan engine server
LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard src/$(d)/*.c))
CLI_SRC  := $(wildcard src/cli/*.c)
LIB_OBJ  := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:src/%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all demo test unit bench bench-quick bench-tools bench-index bench-million deps clean fuzz check-deps pii-scan bench-exposure scan-eval bench-detect
all: $(BUILD)/rempart

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/librempart.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/rempart: $(CLI_OBJ) $(BUILD)/librempart.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/librempart.a $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/librempart.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-unused-function $(LDFLAGS) -o $@ $< $(BUILD)/librempart.a $(LDLIBS) $(TEST_LIBS) -lcmocka

unit: $(UNIT_BIN) $(BUILD)/pii-scan

# the PII scanner over a plain directory (benchmarks and exposure tests)
PII_SCAN_SRC := $(wildcard bench/exposure/*.c)
$(BUILD)/pii-scan: $(PII_SCAN_SRC) $(BUILD)/librempart.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(PII_SCAN_SRC) $(BUILD)/librempart.a $(LDLIBS)

pii-scan: $(BUILD)/pii-scan

bench-exposure: deps
	@$(MAKE) --no-print-directory all $(BUILD)/pii-scan
	@bench/exposure/run.sh
	@bench/exposure/backup-cost.sh

deps:
	@scripts/install-deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

test: deps
	@$(MAKE) --no-print-directory all unit
	@tests/run.sh

BENCH_BIN := $(BUILD)/pipeline-bench $(BUILD)/index-bench
$(BUILD)/%-bench: bench/%-bench.c $(BUILD)/librempart.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librempart.a $(LDLIBS)

bench-tools: all $(BENCH_BIN)

bench: deps
	@scripts/install-deps.sh --bench
	@$(MAKE) --no-print-directory bench-tools
	@bench/run.sh

# ransomware detection: evaluation tool and scenario benchmark (bench/detect/)
$(BUILD)/scan-eval: bench/detect/scan_eval.c $(BUILD)/librempart.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librempart.a $(LDLIBS)

scan-eval: $(BUILD)/scan-eval

bench-detect: $(BUILD)/scan-eval
	@bench/detect/run.sh

bench-quick: deps
	@scripts/install-deps.sh --bench
	@$(MAKE) --no-print-directory bench-tools
	@SIZE_MIB=200 RUNS=1 TOOLS="rempart restic" bench/run.sh

bench-index: $(BUILD)/index-bench
	@$(BUILD)/index-bench

bench-million: all
	@bench/million-files.sh

FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/bin/%)
FUZZ_CFLAGS := -std=c17 -D_GNU_SOURCE -pthread $(WARN) -O1 -g $(PKG_CFLAGS) -Isrc \
	-fsanitize=address,undefined,fuzzer -fno-sanitize-recover=all -fno-omit-frame-pointer
# libFuzzer targets (clang, ASan + UBSan); the library is built instrumented in build-fuzz/
fuzz:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPT=-O1 SAN=address,undefined,fuzzer-no-link build-fuzz/librempart.a
	@$(MAKE) --no-print-directory $(FUZZ_BIN)

build-fuzz/bin/%: tests/fuzz/%.c $(wildcard tests/fuzz/*.h) build-fuzz/librempart.a
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< build-fuzz/librempart.a $(LDLIBS) $(TEST_LIBS)

clean:
	rm -rf build build-* 

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
