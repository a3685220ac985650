/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel interfaces the module uses that were renamed or moved between the
 * guest kernels it is built for (Debian 6.1, 6.12 and 7.x).
 */
#ifndef PCR_KCOMPAT_H
#define PCR_KCOMPAT_H

#include <linux/version.h>

/* cpuid() moved out of asm/processor.h into asm/cpuid/api.h (6.16). */
#if __has_include(<asm/cpuid/api.h>)
#include <asm/cpuid/api.h>
#endif

/* The 64-bit MSR accessors are named ..q since 6.16; ..l is gone in 7.x. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
#define rdmsrl_safe rdmsrq_safe
#define wrmsrl_safe wrmsrq_safe
#endif

#endif
