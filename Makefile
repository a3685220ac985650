# pcrwatch: one Makefile for the BPF programs, userspace, the arbiter module
# and every test tier. `make help` lists the targets.
#
# Layout of the build (all under build/, never in git):
#   build/<arch>/bpf/X.bpf.o   BPF object built against vmlinux/<arch>/vmlinux.h
#   build/<arch>/X.skel.h      libbpf skeleton embedding that object
#   build/<arch>/pcrwatch      the tool (static on arm64, for the guest)
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

ifeq ($(ARCH),arm64)
# arm64 libraries come from a private sysroot (tools/vm/arm64-sysroot), so
# the machine's dpkg never gets a foreign architecture.
SYSROOT := $(PCRWATCH_CACHE_DIR)/sysroot-arm64
CC := aarch64-linux-gnu-gcc
BPF_ARCH := arm64
VMLINUX_DIR := vmlinux/arm64
ARCH_CFLAGS := -I$(SYSROOT)/usr/include -I$(SYSROOT)/usr/include/aarch64-linux-gnu
LDLIBS := -static -L$(SYSROOT)/usr/lib/aarch64-linux-gnu -lbpf -lelf -lz -lzstd \
	-lncursesw -ltinfo -lm -lpthread
HAVE_HTTPD := 0
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
USER_CFLAGS := -std=gnu11 $(WARNINGS) $(CFLAGS) -Iinclude -Ibpf -I$(OUT) $(ARCH_CFLAGS) \
	-D_GNU_SOURCE -DPCRWATCH_VERSION=\"$(VERSION)\"
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(BPF_ARCH) -std=gnu11 \
	-Wall -Werror -Wno-unused-function -I$(VMLINUX_DIR) -Iinclude -Ibpf

BPF_SRCS := $(sort $(wildcard bpf/*.bpf.c))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

# The exporter needs libmicrohttpd, which has no static build for arm64:
# the arm64 test binary is built without it and says so when asked to serve.
USER_SRCS := $(sort $(wildcard user/*.c))
ifeq ($(HAVE_HTTPD),0)
USER_SRCS := $(filter-out user/serve%.c user/cmd_serve.c,$(USER_SRCS))
else
USER_CFLAGS += -DPCRW_HAVE_SERVE
endif
USER_OBJS := $(patsubst user/%.c,$(OUT)/user/%.o,$(USER_SRCS))
PROG_SRCS := $(sort $(wildcard tests/progs/*.c))
PROGS := $(patsubst tests/progs/%.c,$(OUT)/tests/%,$(PROG_SRCS))

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all arm64 module kmod-arm64 check check-all deps-build check-unit check-host check-vm-amd64 \
	check-vm-arm64 bench demo deps install uninstall clean help format format-check image

all: $(OUT)/pcrwatch $(PROGS)

help:
	@echo "make deps            install every package, guest kernel and header (root)"
	@echo "make [all]           build pcrwatch for this machine (build/amd64/pcrwatch)"
	@echo "make arm64           cross-build the static arm64 tool for the guest"
	@echo "make image           the DaemonSet's OCI image, build/pcrwatch-oci.tar (umoci, no registry)"
	@echo "make module          build the arbiter module for each amd64 guest kernel"
	@echo "make kmod-arm64      build the kernel-layer test module for each arm64 guest kernel"
	@echo "make check           every tier: unit, host, vm-amd64, vm-arm64"
	@echo "make check-unit|check-host|check-vm-amd64|check-vm-arm64 [KERNEL='6.1 6.12 7.x']"
	@echo "make bench           the benchmarks in bench/"
	@echo "make demo            pcrwatch live in the arm64 guest under contention"
	@echo "make install [DESTDIR=] [PREFIX=/usr/local]"
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

$(OUT)/user/%.o: user/%.c $(wildcard user/*.h) $(wildcard include/*.h) \
		$(wildcard bpf/*.h) $(SKELS) | $(OUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(USER_CFLAGS) -c $< -o $@

$(OUT)/pcrwatch: $(USER_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/%: tests/progs/%.c $(wildcard include/*.h) | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(USER_CFLAGS) $(LDFLAGS) $(if $(filter arm64,$(ARCH)),-static) $< -o $@ \
		$(if $(filter arm64,$(ARCH)),-L$(SYSROOT)/usr/lib/aarch64-linux-gnu) -lm -lpthread

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

$(OUT)/bpf $(OUT)/user $(OUT)/tests build/unit build/results:
	$(Q)mkdir -p $@

arm64:
	$(Q)$(MAKE) --no-print-directory ARCH=arm64 all

# The arbiter module, once per amd64 guest kernel, against that kernel's
# headers unpacked privately by tools/vm/fetch-headers (never installed);
# 7.x's compiler (gcc-14) is trixie's, unpacked by tools/vm/trixie-toolchain.
TRIXIE_BIN := $(PCRWATCH_CACHE_DIR)/trixie-toolchain/bin
GUEST_KVERS = $(foreach k,$(KERNEL),$(shell cat $(PCRWATCH_CACHE_DIR)/kernels/amd64-$(k)/version 2>/dev/null))
module:
	$(Q)for kver in $(GUEST_KVERS); do \
		d=build/module-$$kver; mkdir -p $$d && \
		cp arbiter-module/Kbuild arbiter-module/*.c arbiter-module/*.h $$d/ 2>/dev/null; \
		cp include/*.h $$d/ && \
		hdr=$$(cat $(PCRWATCH_CACHE_DIR)/headers/$$kver/build 2>/dev/null) || \
			{ echo "no headers for $$kver: run tools/vm/fetch-headers"; exit 1; }; \
		rm -f $$d/NOT-BUILT; \
		kcc=$$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\).*/\1/p' $$hdr/.config); \
		if ! PATH=$(TRIXIE_BIN):$$PATH command -v $$kcc >/dev/null; then \
			echo "$$kver was built with $$kcc, which Debian 12 lacks and tools/vm/trixie-toolchain did not provide; gcc-12 does not know its flags (-fmin-function-alignment)" >$$d/NOT-BUILT; \
			printf '  %-8s %s: NOT BUILT: %s\n' MODULE $$d "$$(cat $$d/NOT-BUILT)"; \
			continue; \
		fi; \
		kpah=$$(sed -n 's/^CONFIG_PAHOLE_VERSION=//p' $$hdr/.config); \
		hpah=$$(pahole --version | tr -dc 0-9); nobtf=; \
		if [ "$${kpah:-0}" -gt "$${hpah:-0}" ]; then nobtf=CONFIG_DEBUG_INFO_BTF_MODULES=; \
			echo "  MODULE   $$d: no module BTF (pahole $$hpah is older than the kernel's $$kpah)"; fi; \
		PATH=$(TRIXIE_BIN):$$PATH $(MAKE) --no-print-directory -C $$hdr \
			M=$(CURDIR)/$$d $$nobtf modules >$$d.log 2>&1 || \
			{ cat $$d.log; exit 1; }; \
		mkdir -p $$d/kclient && cp tests/kmod/Kbuild tests/kmod/*.c \
			arbiter-module/pcr_arbiter_api.h $$d/kclient/ && \
		PATH=$(TRIXIE_BIN):$$PATH $(MAKE) --no-print-directory -C $$hdr \
			M=$(CURDIR)/$$d/kclient $$nobtf \
			KBUILD_EXTRA_SYMBOLS=$(CURDIR)/$$d/Module.symvers \
			modules >>$$d.log 2>&1 || { cat $$d.log; exit 1; }; \
		printf '  %-8s %s\n' MODULE $$d; \
	done

# The kernel-layer test module (tests/kmod-arm64, for vm-arm64 083), once
# per arm64 guest kernel that can attach LSM programs (6.1 arm64 cannot:
# no test would load it), cross-built against the arm64 headers
# tools/vm/fetch-headers-arm64 unpacks with the amd64 kbuild programs; the
# packages' .kernelvariables name the compiler (aarch64-linux-gnu-gcc-12,
# trixie's -14 for 7.x). A kernel it cannot build for gets a NOT-BUILT file
# saying why, which the test reports as its skip reason.
KMOD_ARM64_KVERS = $(foreach k,$(filter-out 6.1,$(KERNEL)),$(shell cat $(PCRWATCH_CACHE_DIR)/kernels/arm64-$(k)/version 2>/dev/null))
kmod-arm64:
	$(Q)for kver in $(KMOD_ARM64_KVERS); do \
		d=build/kmod-arm64-$$kver; mkdir -p $$d && rm -f $$d/NOT-BUILT && \
		cp tests/kmod-arm64/Kbuild tests/kmod-arm64/*.c $$d/ && \
		hdr=$$(cat $(PCRWATCH_CACHE_DIR)/headers/$$kver/build 2>/dev/null); \
		kcc=$$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\).*/\1/p' $$hdr/.config 2>/dev/null); \
		if [ -z "$$hdr" ]; then \
			echo "no arm64 headers for $$kver: run tools/vm/fetch-headers-arm64 (tools/deps does)" >$$d/NOT-BUILT; \
		elif ! PATH=$(TRIXIE_BIN):$$PATH command -v $$kcc >/dev/null; then \
			echo "$$kver was built with $$kcc, which neither this host nor tools/vm/trixie-toolchain provides" >$$d/NOT-BUILT; \
		fi; \
		if [ -f $$d/NOT-BUILT ]; then \
			rm -f $$d/pcr_kperf.ko; \
			printf '  %-8s %s: NOT BUILT: %s\n' KMOD $$d "$$(cat $$d/NOT-BUILT)"; \
			continue; \
		fi; \
		kpah=$$(sed -n 's/^CONFIG_PAHOLE_VERSION=//p' $$hdr/.config); \
		hpah=$$(pahole --version | tr -dc 0-9); nobtf=; \
		[ "$${kpah:-0}" -le "$${hpah:-0}" ] || nobtf=CONFIG_DEBUG_INFO_BTF_MODULES=; \
		PATH=$(TRIXIE_BIN):$$PATH $(MAKE) --no-print-directory -C $$hdr \
			M=$(CURDIR)/$$d $$nobtf modules >$$d.log 2>&1 || \
			{ cat $$d.log; exit 1; }; \
		printf '  %-8s %s\n' KMOD $$d/pcr_kperf.ko; \
	done

# Userspace unit tests and fuzzers for the rulebook and parsers.
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNITS := $(patsubst tests/unit/%.c,build/unit/%,$(UNIT_SRCS))
build/unit/%: tests/unit/%.c $(wildcard include/*.h) $(wildcard user/*.[ch]) \
		$(wildcard tests/unit/*.h) | build/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -fsanitize=address,undefined $< -o $@

# libFuzzer targets (tests/unit/fuzz_*.c); tests/check runs each for
# FUZZ_SECONDS as part of the unit tier, on its corpus in
# tests/unit/corpus/<fuzzer>/. A fuzzer includes the user/*.c files it
# drives, so they are built with the fuzzer's instrumentation; some of them
# need the BPF skeletons' headers and libbpf to link.
FUZZ_SRCS := $(sort $(wildcard tests/unit/fuzz_*.c))
FUZZERS := $(patsubst tests/unit/%.c,build/unit/%,$(FUZZ_SRCS))
FUZZ_CC ?= clang
FUZZ_LIBS := -lbpf -lelf -lz -lm
build/unit/fuzz_%: tests/unit/fuzz_%.c $(wildcard include/*.h) $(wildcard user/*.[ch]) \
		$(wildcard tests/unit/*.h) $(SKELS) | build/unit
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) -std=gnu11 $(WARNINGS) -g -O1 -D_GNU_SOURCE -Iinclude -Ibpf -I$(OUT) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $< -o $@ \
		$(FUZZ_LIBS)

check:
	$(Q)tools/deps
	$(Q)$(MAKE) --no-print-directory check-all

check-all: all arm64 module kmod-arm64 $(UNITS) $(FUZZERS)
	$(Q)tests/check unit host vm-amd64 vm-arm64

check-unit: $(UNITS) $(FUZZERS)
	$(Q)tests/check unit

check-host: all
	$(Q)tests/check host

check-vm-amd64: all module
	$(Q)tests/check vm-amd64

check-vm-arm64: arm64 kmod-arm64
	$(Q)tests/check vm-arm64

bench: all
	$(Q)bench/run

demo: arm64
	$(Q)tools/demo

# Every C file of the three runtimes, its tests and tools, in one style
# (.clang-format).
FORMAT_SRCS = $(strip \
	$(wildcard bpf/*.[ch] user/*.[ch] include/*.h arbiter-module/*.[ch] \
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
install: deps-build
	$(Q)$(MAKE) --no-print-directory all
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
	$(Q)$(MAKE) --no-print-directory -C arbiter-module clean >/dev/null 2>&1 || true
