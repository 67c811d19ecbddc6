# tripflow — `make demo` and `make test` are the two commands a new user runs
# (as root on Debian 12 they install missing Debian packages first).
#
#   make            release build: build/tripflow
#   make test       deps + sanitizer builds (ASan, UBSan, leaks; TSan) + unit + e2e tests
#   make demo       deps + build + generate trips, ingest them, print the reports
#   make bench      the benchmarks in bench/ (see bench/README.md)
#   make fuzz       run the fuzz targets for FUZZ_SECONDS each
#   make docs       regenerate docs/cli.md from the command descriptors

CC       ?= cc
BUILD    ?= build
CPPFLAGS += -Iinclude -I$(BUILD)/gen -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 \
            -DTF_BUILD_ID='"$(shell git describe --always --dirty 2>/dev/null || echo unknown)"' \
            -I/usr/include/hiredis
WARN      = -std=c11 -Wall -Wextra -Werror -Wshadow
LIBS      = -lsqlite3 -lzstd -lsnappy -llz4 -lz -ljansson -lcurl -lmicrohttpd -lhiredis -lavro \
            -lxxhash -lm -pthread

REL_CFLAGS  = $(WARN) -O2 -g -pthread
ASAN_CFLAGS = $(WARN) -O1 -g -pthread -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
# ThreadSanitizer build of the binary, for the e2e test of the threaded paths
TSAN_CFLAGS = $(WARN) -O1 -g -pthread -fsanitize=thread

LIB_SRCS  := $(shell find src -name '*.c' ! -path 'src/cli/main.c' | sort)
EMBED_SRC := $(sort $(shell find src sql -name '*.sql'))
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
HDRS      := $(shell find include src -name '*.h')

REL_OBJS  := $(patsubst %.c,$(BUILD)/rel/%.o,$(LIB_SRCS)) $(BUILD)/rel/gen/embed.o
ASAN_OBJS := $(patsubst %.c,$(BUILD)/asan/%.o,$(LIB_SRCS)) $(BUILD)/asan/gen/embed.o
TSAN_OBJS := $(patsubst %.c,$(BUILD)/tsan/%.o,$(LIB_SRCS) src/cli/main.c) $(BUILD)/tsan/gen/embed.o

.PHONY: all deps test unit e2e demo bench fuzz fuzz-smoke docs clean asan
all: $(BUILD)/tripflow

deps:
	@scripts/deps.sh

$(BUILD)/gen/embed.c: scripts/embed.sh $(EMBED_SRC)
	@mkdir -p $(dir $@)
	scripts/embed.sh $@ $(EMBED_SRC)

# objects of each build: $(1) its directory under $(BUILD), $(2) its flags
define objects
$(BUILD)/$(1)/%.o: %.c $$(HDRS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) $(2) -c $$< -o $$@
$(BUILD)/$(1)/gen/embed.o: $(BUILD)/gen/embed.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) $(2) -c $$< -o $$@
endef
$(eval $(call objects,rel,$$(REL_CFLAGS)))
$(eval $(call objects,asan,$$(ASAN_CFLAGS)))
$(eval $(call objects,tsan,$$(TSAN_CFLAGS)))

$(BUILD)/tsan/tripflow: $(TSAN_OBJS)
	$(CC) $(TSAN_CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/libtripflow.a: $(REL_OBJS)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/asan/libtripflow.a: $(ASAN_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tripflow: $(BUILD)/rel/src/cli/main.o $(BUILD)/libtripflow.a
	$(CC) $(REL_CFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/asan/tripflow: $(BUILD)/asan/src/cli/main.o $(BUILD)/asan/libtripflow.a
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/asan/unit-tests: $(patsubst %.c,$(BUILD)/asan/%.o,$(UNIT_SRCS)) $(BUILD)/asan/libtripflow.a
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LIBS)

asan: $(BUILD)/asan/tripflow $(BUILD)/asan/unit-tests $(BUILD)/tripflow

unit: $(BUILD)/asan/unit-tests
	$(BUILD)/asan/unit-tests

e2e: $(BUILD)/asan/tripflow $(BUILD)/tripflow $(BUILD)/tsan/tripflow
	tests/e2e/run.sh

test: deps
	$(MAKE) --no-print-directory asan
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory e2e
	$(MAKE) --no-print-directory fuzz-smoke

# libFuzzer targets (tests/fuzz/fuzz_*.c) over the Parquet reader, the CSV reader, the trip row parser, the JSON
# scanner and the core helpers they use; clang with -fsanitize=fuzzer,address,undefined.
FUZZ_SECONDS ?= 60
FUZZ_LIB_SRCS := $(sort $(wildcard src/formats/parquet/*.c) src/formats/csv.c $(wildcard src/core/*.c) src/ops/trip.c src/ops/geo.c)
FUZZ_LIB_OBJS := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_LIB_SRCS))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS = -std=c11 -Wall -Wextra -Werror -Wshadow -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
$(BUILD)/fuzz/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB_OBJS) -o $@ $(LIBS)
$(BUILD)/fuzz/corpus_gen: tests/fuzz/corpus_gen.c $(FUZZ_LIB_OBJS)
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) $< $(FUZZ_LIB_OBJS) -o $@ $(LIBS)

fuzz: $(FUZZ_BINS) $(BUILD)/fuzz/corpus_gen
	tests/fuzz/run.sh $(FUZZ_SECONDS)

# the short run `make test` does: a fixed count of inputs per target from a
# fixed seed, so the gate is reproducible (tests/fuzz/run.sh)
fuzz-smoke: $(FUZZ_BINS) $(BUILD)/fuzz/corpus_gen
	tests/fuzz/run.sh smoke

demo: deps
	$(MAKE) --no-print-directory $(BUILD)/tripflow
	scripts/demo.sh

bench: deps
	$(MAKE) --no-print-directory $(BUILD)/tripflow
	bench/run.sh

docs: $(BUILD)/tripflow
	$(BUILD)/tripflow help --markdown > docs/cli.md

clean:
	rm -rf $(BUILD)
