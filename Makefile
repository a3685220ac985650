# pcrwatch: one Makefile for the BPF programs, userspace, the arbiter module
# and every test tier. `make help` lists the targets.
#
# Layout of the build (all under build/, never in git):
#   build/<arch>/bpf/X.bpf.o   BPF object built against vmlinux/<arch>/vmlinux.h
#   build/<arch>/X.skel.h      libbpf skeleton embedding that object
#   build/<arch>/pcrwatch      the tool (static on arm64, for the guest)
#   build/arm64-dynamic/       the arm64 Debian package's tool (LINK=dynamic)
#   build/deb/<arch>/          the Debian packages (make deb); arm64/root:
#                              the arm64 package unpacked with its
#                              dependencies, for the arm64 guest
#   build/<arch>/tests/        test helper programs from tests/progs/
#   build/unit/                userspace unit tests and fuzzers
#   build/module-<kver>/       the arbiter module per amd64 guest kernel
#                              (kclient/: the tests' kernel API client)
#   build/results/             TAP output of each tier

ARCH ?= amd64
V ?= 0
PREFIX ?= /usr/local
DESTDIR ?=
UNITDIR ?= $(PREFIX)/lib/systemd/system
KERNEL ?= 6.1 6.12 7.x

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

OUT := build/$(ARCH)
BPFTOOL ?= bpftool
CLANG ?= clang

PCRWATCH_CACHE_DIR ?= $(or $(PCRWATCH_CACHE),$(HOME)/.cache/pcrwatch)
export PCRWATCH_CACHE_DIR

ifeq ($(ARCH),arm64)
# arm64 libraries come from a private sysroot (tools/vm/arm64-sysroot), so
# the machine's dpkg never gets a foreign architecture. LINK=static (the
# guests' tool, build/arm64/) or LINK=dynamic (the Debian package's, with
# the exporter, build/arm64-dynamic/, against tools/vm/arm64-sysroot --deb).
LINK ?= static
CC := aarch64-linux-gnu-gcc
BPF_ARCH := arm64
VMLINUX_DIR := vmlinux/arm64
ifeq ($(LINK),dynamic)
SYSROOT := $(PCRWATCH_CACHE_DIR)/sysroot-arm64-deb
OUT := build/arm64-dynamic
SYSLIB := $(SYSROOT)/usr/lib/aarch64-linux-gnu $(SYSROOT)/lib/aarch64-linux-gnu
LDLIBS := $(addprefix -L,$(SYSLIB)) -Wl,-rpath-link,$(subst $(eval) ,:,$(SYSLIB)) \
	-lbpf -lelf -lz -lncursesw -lmicrohttpd -lgnutls -lcrypt -lm -lpthread
HAVE_HTTPD := 1
else ifeq ($(LINK),static)
SYSROOT := $(PCRWATCH_CACHE_DIR)/sysroot-arm64
LDLIBS := -static -L$(SYSROOT)/usr/lib/aarch64-linux-gnu -lbpf -lelf -lz -lzstd \
	-lncursesw -ltinfo -lm -lpthread
HAVE_HTTPD := 0
else
$(error LINK must be static or dynamic)
endif
ARCH_CFLAGS := -I$(SYSROOT)/usr/include -I$(SYSROOT)/usr/include/aarch64-linux-gnu
else
CC ?= gcc
BPF_ARCH := x86
VMLINUX_DIR := vmlinux/x86
LDLIBS := -lbpf -lelf -lz -lncursesw -lmicrohttpd -lgnutls -lcrypt -lm -lpthread
HAVE_HTTPD := 1
endif

CFLAGS ?= -O2 -g
# One version for the binary (--version), build_info and the packages
# (debian/changelog and the DKMS version are checked against it).
VERSION := $(shell cat VERSION)
WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter
# The test helpers and benchmarks: the records of bpf/pcrwatch.h.
PROG_CFLAGS := -std=gnu11 $(WARNINGS) $(CFLAGS) -Iinclude -Ibpf -I$(OUT) $(ARCH_CFLAGS) \
	-D_GNU_SOURCE -DPCRWATCH_VERSION=\"$(VERSION)\"
# user/ is one folder per box of docs/ARCHITECTURE.md; its headers are
# found by name from every folder, before bpf/ (which has a pcrwatch.h
# too).
USER_DIRS := $(sort $(dir $(wildcard user/*/*.c)))
USER_INC := $(addprefix -I,$(USER_DIRS))
USER_CFLAGS := $(USER_INC) $(PROG_CFLAGS)
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(BPF_ARCH) -std=gnu11 \
	-Wall -Werror -Wno-unused-function -I$(VMLINUX_DIR) -Iinclude -Ibpf

BPF_SRCS := $(sort $(wildcard bpf/*.bpf.c))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

# The exporter needs libmicrohttpd, which has no static build for arm64:
# the static arm64 test binary is built without it and says so when asked
# to serve; the arm64 package's (LINK=dynamic) has it.
USER_SRCS := $(sort $(wildcard user/*/*.c))
ifeq ($(HAVE_HTTPD),0)
USER_SRCS := $(filter-out user/exporter/%.c user/commands/cmd_serve.c,$(USER_SRCS))
else
USER_CFLAGS += -DPCRW_HAVE_SERVE
endif
USER_OBJS := $(patsubst user/%.c,$(OUT)/user/%.o,$(USER_SRCS))
PROG_SRCS := $(sort $(wildcard tests/progs/*.c))
PROGS := $(patsubst tests/progs/%.c,$(OUT)/tests/%,$(PROG_SRCS))

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all arm64 bench-progs deb deb-amd64 deb-arm64 deb-sysroot-arm64 deb-arm64-root deb-arm64-guest \
	module kmod-arm64 check check-all deps-build check-unit check-host check-vm-amd64 \
	check-vm-arm64 bench demo deps install uninstall clean help format format-check image

all: $(OUT)/pcrwatch $(PROGS)

help:
	@echo "make deps-build      install the packages building pcrwatch needs (root)"
	@echo "make deps            install every package, guest kernel and header (root)"
	@echo "make [all]           build pcrwatch for this machine (build/amd64/pcrwatch)"
	@echo "make arm64           cross-build the static arm64 tool for the guest"
	@echo "make deb [DEB_ARCHES='amd64 arm64']  the Debian packages, into build/deb/<arch>/"
	@echo "make image           the DaemonSet's OCI image, build/pcrwatch-oci.tar (umoci, no registry)"
	@echo "make module          build the arbiter module for each amd64 guest kernel"
	@echo "make kmod-arm64      build the kernel-layer test module for each arm64 guest kernel"
	@echo "make check           every tier: unit, host, vm-amd64, vm-arm64"
	@echo "make check-unit|check-host|check-vm-amd64|check-vm-arm64 [KERNEL='6.1 6.12 7.x']"
	@echo "make bench           the benchmarks in bench/ (bench-progs: their programs)"
	@echo "make demo            pcrwatch live in the arm64 guest under contention"
	@echo "make install [DESTDIR=] [PREFIX=/usr/local]   builds and installs (no apt)"
	@echo "make clean           remove build/"
	@echo "make uninstall [DESTDIR=] [PREFIX=/usr/local]"
	@echo "SKIP_VM=1 skips the guest tiers (and says so); V=1 shows commands"

deps:
	$(Q)tools/deps

# The OCI image ops/kubernetes runs, from this build (tools/image).
image: all
	$(Q)tools/image

deps-build:
	$(Q)tools/deps --build

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(wildcard include/*.h) | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o
	$(Q)rm -f $@.tmp.o

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(OUT)/user/%.o: user/%.c $(wildcard user/*/*.h) $(wildcard include/*.h) \
		$(wildcard bpf/*.h) $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(USER_CFLAGS) -c $< -o $@

$(OUT)/pcrwatch: $(USER_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/%: tests/progs/%.c $(wildcard include/*.h) | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(PROG_CFLAGS) $(LDFLAGS) $(if $(filter arm64,$(ARCH)),-static) $< -o $@ \
		$(if $(filter arm64,$(ARCH)),-L$(SYSROOT)/usr/lib/aarch64-linux-gnu) -lm -lpthread

# The helpers that run pcrwatch's own code find its headers as it does.
$(OUT)/tests/arbiter_probe $(OUT)/tests/kvm_vpmu_guest: PROG_CFLAGS := $(USER_CFLAGS)

# A real i386 program for the ia32 syscall path of the MSR veto tests;
# freestanding, so no 32-bit libc (gcc-multilib) is needed.
ifeq ($(ARCH),amd64)
all: $(OUT)/tests/msr_write32
endif
$(OUT)/tests/msr_write32: tests/progs/ia32/msr_write32.c | $(OUT)/tests
	$(call msg,CC32,$@)
	$(Q)$(CC) -m32 -nostdlib -static -ffreestanding -fno-pie -no-pie -O2 \
		$(WARNINGS) $< -o $@

# A PAPI_stop shim preloaded into the real papi_command_line of the arm64
# guest (vm-arm64 091): shared, against the cross libc, as PAPI is.
ifeq ($(ARCH),arm64)
all: $(OUT)/tests/papi_stopped.so
endif
$(OUT)/tests/papi_stopped.so: tests/progs/papi/papi_stopped.c | $(OUT)/tests
	$(call msg,CC-SO,$@)
	$(Q)$(CC) -shared -fPIC -O2 $(WARNINGS) $< -o $@

$(OUT)/bpf $(OUT)/user $(OUT)/tests $(OUT)/bench build/unit build/results:
	$(Q)mkdir -p $@

arm64:
	$(Q)$(MAKE) --no-print-directory ARCH=arm64 all

# The Debian packages, each built from a copy of the tree in
# DEB_DIR/<arch>/ (dpkg-buildpackage writes its results beside the source
# folder), into DEB_DIR/<arch>/ (default build/deb): amd64 natively (with the
# arch-independent pcr-arbiter-dkms), arm64 cross-built (dpkg-buildpackage
# -aarm64 -d: the arm64 libraries are tools/vm/arm64-sysroot --deb's, not
# arm64 Build-Depends installed here). DEB_ARCHES picks which.
DEB_ARCHES ?= amd64 arm64
DEB_DIR ?= build/deb
DEB_OUT = $(abspath $(DEB_DIR))
DEB_FLAGS_amd64 := -b
DEB_FLAGS_arm64 := -aarm64 -d -B
DEB_ENV_arm64 := CC=aarch64-linux-gnu-gcc
deb: $(addprefix deb-,$(DEB_ARCHES))

deb-arm64: deb-sysroot-arm64
deb-sysroot-arm64:
	$(Q)tools/vm/arm64-sysroot --deb

deb-amd64 deb-arm64: deb-%:
	$(call msg,DEB,$(DEB_DIR)/$*/pcrwatch_$(VERSION)_$*.deb)
	$(Q)rm -rf $(DEB_OUT)/$* && mkdir -p $(DEB_OUT)/$*/pcrwatch-$(VERSION)
	$(Q)tar --exclude=./build --exclude=./.git --exclude=./.cache -cf - . | \
		tar -x -C $(DEB_OUT)/$*/pcrwatch-$(VERSION)
	$(Q)cd $(DEB_OUT)/$*/pcrwatch-$(VERSION) && \
		$(DEB_ENV_$*) DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage $(DEB_FLAGS_$*) -us -uc \
		>../build.log 2>&1 || { tail -n 30 ../build.log; exit 1; }
	$(Q)rm -rf $(DEB_OUT)/$*/pcrwatch-$(VERSION)

# The arm64 package and its dependencies as apt resolves them for arm64
# bookworm, unpacked into DEB_DIR/arm64/root (mmdebstrap --variant=extract:
# no arm64 code runs, no maintainer script, nothing touches this machine's
# dpkg) for the arm64 guest, which runs the packaged tool there (vm-arm64
# 095). deb-arm64-guest, for the guest tier, writes why into
# build/deb/arm64/NOT-BUILT where that fails, and the test skips with it.
DEB_ARM64 = $(DEB_OUT)/arm64/pcrwatch_$(VERSION)_arm64.deb
# The package goes into the root by its own path (a setup hook copies it
# there: mmdebstrap's file-mirror-automount would bind-mount it, and the
# extract variant runs no customize hook to undo that) and out again.
deb-arm64-root: deb-arm64
	$(call msg,ROOTFS,$(DEB_DIR)/arm64/root)
	$(Q)rm -rf $(DEB_OUT)/arm64/root $(DEB_OUT)/arm64/root.tmp
	$(Q)mmdebstrap --quiet --variant=extract --arch=arm64 --skip=output/dev \
		--setup-hook='mkdir -p "$$1$(DEB_OUT)/arm64" && cp $(DEB_ARM64) "$$1$(DEB_OUT)/arm64/"' \
		--include=$(DEB_ARM64) bookworm $(DEB_OUT)/arm64/root.tmp \
		http://deb.debian.org/debian >$(DEB_OUT)/arm64/root.log 2>&1 || \
		{ cat $(DEB_OUT)/arm64/root.log; rm -rf $(DEB_OUT)/arm64/root.tmp; exit 1; }
	$(Q)cd $(DEB_OUT)/arm64/root.tmp && rm $(patsubst /%,%,$(DEB_ARM64)) && \
		rmdir -p --ignore-fail-on-non-empty $(patsubst /%,%,$(DEB_OUT))/arm64
	$(Q)mkdir -p $(DEB_OUT)/arm64/root.tmp/proc $(DEB_OUT)/arm64/root.tmp/sys
	$(Q)mv $(DEB_OUT)/arm64/root.tmp $(DEB_OUT)/arm64/root

deb-arm64-guest:
	$(Q)rm -rf build/deb/arm64
	$(Q)$(MAKE) --no-print-directory deb-arm64-root DEB_DIR=build/deb \
		>build/deb-arm64.log 2>&1 || { \
		mkdir -p build/deb/arm64 && \
		echo "make deb-arm64-root failed (build/deb-arm64.log): $$(tail -n 1 build/deb-arm64.log)" \
			>build/deb/arm64/NOT-BUILT; \
		printf '  %-8s %s: NOT BUILT: %s\n' DEB build/deb/arm64 "$$(cat build/deb/arm64/NOT-BUILT)"; }

# The arbiter module and its kernel-API test client, once per amd64 guest
# kernel (tools/kbuild: that kernel's headers and compiler, unpacked
# privately; never installed).
GUEST_KVERS = $(foreach k,$(KERNEL),$(shell cat $(PCRWATCH_CACHE_DIR)/kernels/amd64-$(k)/version 2>/dev/null))
module:
	$(Q)for kver in $(GUEST_KVERS); do \
		d=build/module-$$kver; \
		tools/kbuild $$kver $$d arbiter-module/Kbuild arbiter-module/*.[ch] \
			include/*.h && \
		{ [ -e $$d/NOT-BUILT ] || tools/kbuild --symbols $$d/Module.symvers \
			$$kver $$d/kclient tests/kmod/Kbuild tests/kmod/*.c \
			arbiter-module/pcr_arbiter_api.h; } || exit 1; \
	done

# The kernel-layer test module (tests/kmod-arm64, for vm-arm64 083), once
# per arm64 guest kernel that can attach LSM programs (6.1 arm64 cannot:
# no test would load it), cross-built by tools/kbuild against the arm64
# headers (tools/vm/fetch-headers-arm64 unpacks them with the amd64 kbuild
# programs). A kernel it cannot build for gets a NOT-BUILT file saying why,
# which the test reports as its skip reason.
KMOD_ARM64_KVERS = $(foreach k,$(filter-out 6.1,$(KERNEL)),$(shell cat $(PCRWATCH_CACHE_DIR)/kernels/arm64-$(k)/version 2>/dev/null))
kmod-arm64:
	$(Q)for kver in $(KMOD_ARM64_KVERS); do \
		tools/kbuild $$kver build/kmod-arm64-$$kver tests/kmod-arm64/Kbuild \
			tests/kmod-arm64/*.c || exit 1; \
	done

# Userspace unit tests and fuzzers. They link libpcrw.a, every object of
# the tool but its entry point (user/commands/pcrwatch.c), as perf's tests
# link libperf-util: the linker takes the objects a test needs, with the
# libraries the tool links, and no test carries a stub of its own (what a
# test must not reach, the kernel and /run, it does not call). The unit
# tests' library is built with ASan and UBSan, the fuzzers' with
# libFuzzer's instrumentation too (clang), so the code under test is
# instrumented as the test is.
LIB_SRCS := $(filter-out user/commands/pcrwatch.c,$(USER_SRCS))
LIB_DEPS := $(wildcard user/*/*.h) $(wildcard include/*.h) $(wildcard bpf/*.h) $(SKELS)
UNIT_CFLAGS := $(USER_CFLAGS) -fsanitize=address,undefined
FUZZ_CC ?= clang
FUZZ_CFLAGS := $(USER_CFLAGS) -O1 -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all
UNIT_OBJS := $(patsubst user/%.c,build/unit/lib/%.o,$(LIB_SRCS))
FUZZ_OBJS := $(patsubst user/%.c,build/unit/fuzzlib/%.o,$(LIB_SRCS))

build/unit/lib/%.o: user/%.c $(LIB_DEPS)
	$(call msg,CC-ASAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(UNIT_CFLAGS) -c $< -o $@

build/unit/fuzzlib/%.o: user/%.c $(LIB_DEPS)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

build/unit/%/libpcrw.a:
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^
build/unit/lib/libpcrw.a: $(UNIT_OBJS)
build/unit/fuzzlib/libpcrw.a: $(FUZZ_OBJS)

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNITS := $(patsubst tests/unit/%.c,build/unit/%,$(UNIT_SRCS))
build/unit/test_%: tests/unit/test_%.c build/unit/lib/libpcrw.a $(wildcard tests/unit/*.h)
	$(call msg,CC,$@)
	$(Q)$(CC) $(UNIT_CFLAGS) $< build/unit/lib/libpcrw.a $(LDLIBS) -o $@

# libFuzzer targets (tests/unit/fuzz_*.c); tests/check runs each for
# FUZZ_SECONDS as part of the unit tier, on its corpus in
# tests/unit/corpus/<fuzzer>/.
FUZZ_SRCS := $(sort $(wildcard tests/unit/fuzz_*.c))
FUZZERS := $(patsubst tests/unit/%.c,build/unit/%,$(FUZZ_SRCS))
build/unit/fuzz_%: tests/unit/fuzz_%.c build/unit/fuzzlib/libpcrw.a $(wildcard tests/unit/*.h)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< build/unit/fuzzlib/libpcrw.a \
		$(LDLIBS) -o $@

check:
	$(Q)tools/deps
	$(Q)$(MAKE) --no-print-directory check-all

check-all: all arm64 module kmod-arm64 deb-arm64-guest $(UNITS) $(FUZZERS)
	$(Q)tests/check unit host vm-amd64 vm-arm64

check-unit: $(UNITS) $(FUZZERS)
	$(Q)tests/check unit

check-host: all
	$(Q)tests/check host

check-vm-amd64: all module
	$(Q)tests/check vm-amd64

check-vm-arm64: arm64 kmod-arm64 deb-arm64-guest
	$(Q)tests/check vm-arm64

# The benchmarks' programs (bench/*.c), with the project's flags; the
# bench/ scripts build them with `make bench-progs [ARCH=arm64]`.
# bench/msr_empty.bpf.c is bench/30's empty baseline program, built only
# here.
BENCH_PROGS := $(OUT)/bench/getpid_loop
ifeq ($(ARCH),amd64)
BENCH_PROGS += $(OUT)/bench/msr_bench $(OUT)/bench/perf_snapshot_bench
else
BENCH_PROGS += $(OUT)/bench/place_tenant
endif
bench-progs: $(BENCH_PROGS)

$(OUT)/bench/getpid_loop $(OUT)/bench/place_tenant: $(OUT)/bench/%: bench/%.c | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(PROG_CFLAGS) $(LDFLAGS) $(if $(filter arm64,$(ARCH)),-static) $< -o $@

$(OUT)/bench/msr_empty.skel.h: bench/msr_empty.bpf.c | $(OUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $(@:.skel.h=.tmp.o)
	$(Q)$(BPFTOOL) gen object $(@:.skel.h=.bpf.o) $(@:.skel.h=.tmp.o)
	$(Q)rm -f $(@:.skel.h=.tmp.o)
	$(Q)$(BPFTOOL) gen skeleton $(@:.skel.h=.bpf.o) name msr_empty_bpf > $@

$(OUT)/bench/msr_bench: bench/msr_bench.c $(OUT)/bench/msr_empty.skel.h $(OUT)/msr_watch.skel.h \
		$(OUT)/user/groups/msr_pmu.o
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(PROG_CFLAGS) -I$(OUT)/bench $(LDFLAGS) $< $(OUT)/user/groups/msr_pmu.o \
		-lbpf -lelf -lz -o $@

$(OUT)/bench/perf_snapshot_bench: bench/perf_snapshot_bench.c $(OUT)/user/groups/perf_snapshot.o \
		$(OUT)/user/groups/pin.o
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(PROG_CFLAGS) $(LDFLAGS) $^ -lbpf -lelf -lz -o $@

bench: all bench-progs
	$(Q)bench/run

demo: arm64
	$(Q)tools/demo

# Every C file of the three runtimes, its tests and tools, in one style
# (.clang-format).
FORMAT_SRCS = $(strip \
	$(wildcard bpf/*.[ch] user/*/*.[ch] include/*.h arbiter-module/*.[ch] \
	tests/unit/*.[ch] tests/progs/*.c tests/kmod/*.c tests/kmod-arm64/*.c bench/*.c tools/vm/*.c))
format:
	$(Q)clang-format -i $(FORMAT_SRCS)

format-check:
	$(Q)clang-format --dry-run -Werror $(FORMAT_SRCS)

# The units go to UNITDIR, except where the Debian package's are installed
# (/lib/systemd/system): units under /usr/local/lib would shadow them.
PKG_UNITDIR := /lib/systemd/system
SERVICES := pcrwatch pcrwatch-monitor pcrwatch-exporter
INSTALLED := $(PREFIX)/sbin/pcrwatch $(PREFIX)/share/man/man8/pcrwatch.8 \
	$(PREFIX)/share/bash-completion/completions/pcrwatch
install: all
	install -D -m 0755 $(OUT)/pcrwatch $(DESTDIR)$(PREFIX)/sbin/pcrwatch
	install -D -m 0644 docs/pcrwatch.8 $(DESTDIR)$(PREFIX)/share/man/man8/pcrwatch.8
	$(Q)if [ -z "$(DESTDIR)" ] && [ "$(UNITDIR)" != "$(PKG_UNITDIR)" ] && \
		[ -e $(PKG_UNITDIR)/pcrwatch.service ]; then \
		echo "units: the Debian package's are in $(PKG_UNITDIR); not shadowing them"; \
	else for u in $(SERVICES); do \
		mkdir -p $(DESTDIR)$(UNITDIR) && \
		sed 's|/usr/local/sbin/|$(PREFIX)/sbin/|g' tools/$$u.service \
			> $(DESTDIR)$(UNITDIR)/$$u.service && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u.service; \
	done; fi
	install -D -m 0644 tools/pcrwatch.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/pcrwatch
	install -d -m 0755 $(DESTDIR)/etc/pcrwatch

# What install put there, and nothing else: the units are stopped first,
# and the pins lifted (pcrwatch detach --all) while the tool is still there.
# /etc/pcrwatch (the admin's policy) and /var/log/pcrwatch stay.
uninstall:
	$(Q)if [ -z "$(DESTDIR)" ] && command -v systemctl >/dev/null && \
		[ -e $(UNITDIR)/pcrwatch.service ]; then \
		systemctl disable --now $(addsuffix .service,$(SERVICES)) 2>/dev/null || true; \
	fi
	$(Q)if [ -z "$(DESTDIR)" ] && [ -x $(PREFIX)/sbin/pcrwatch ]; then \
		$(PREFIX)/sbin/pcrwatch detach --all || true; \
	fi
	rm -f $(addprefix $(DESTDIR),$(INSTALLED)) \
		$(foreach u,$(SERVICES),$(DESTDIR)$(UNITDIR)/$(u).service)
	$(Q)if [ -z "$(DESTDIR)" ] && command -v systemctl >/dev/null; then \
		systemctl daemon-reload 2>/dev/null || true; fi

clean:
	$(Q)rm -rf build
