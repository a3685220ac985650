// SPDX-License-Identifier: GPL-2.0
/*
 * pcr_kperf: a counter the kernel makes for itself, for the kernel-layer
 * tests of pcrwatch (tests/vm-arm64/083-kernel-layer.bats).
 *
 * On load it asks perf_event_create_kernel_counter() for one pinned
 * counting event on CPU @cpu, the way the NMI watchdog and other in-kernel
 * users do. Module init runs in insmod's task, inside finit_module(2) and
 * not perf_event_open(2), and the event does not set exclude_host: to
 * pcrwatch it is a kernel-layer counter. A refused creation does not fail
 * the load, so that the test can read why:
 *   /sys/module/pcr_kperf/parameters/result  0, or the creation's -errno
 *   /sys/module/pcr_kperf/parameters/value   spins 1 ms on @cpu, then
 *                                            prints the event's count
 * The event is released on unload.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/perf_event.h>
#include <linux/smp.h>
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/err.h>

static int cpu;
module_param(cpu, int, 0444);
MODULE_PARM_DESC(cpu, "the CPU to count on");

static char *config = "cycles";
module_param(config, charp, 0444);
MODULE_PARM_DESC(config,
		 "cycles, instructions, or rNNN (raw armv8 event, hex)");

static int result = -EINVAL;
module_param(result, int, 0444);
MODULE_PARM_DESC(result, "0 when the counter was created, else its -errno");

static struct perf_event *event;

/* Work on the counter's CPU for it to count (cycles count there). */
static void spin_1ms(void *unused)
{
	mdelay(1);
}

static int value_get(char *buf, const struct kernel_param *kp)
{
	u64 enabled, running, count;

	if (!event)
		return -ENODEV;
	smp_call_function_single(cpu, spin_1ms, NULL, 1);
	count = perf_event_read_value(event, &enabled, &running);
	return sysfs_emit(buf, "%llu\n", count);
}

static const struct kernel_param_ops value_ops = {
	.get = value_get,
};
module_param_cb(value, &value_ops, NULL, 0444);
MODULE_PARM_DESC(value, "the counter's count, after 1 ms of work on its CPU");

/* @config as a perf attr: a generic hardware event or a raw one. */
static int parse_config(struct perf_event_attr *attr)
{
	if (!strcmp(config, "cycles")) {
		attr->type = PERF_TYPE_HARDWARE;
		attr->config = PERF_COUNT_HW_CPU_CYCLES;
	} else if (!strcmp(config, "instructions")) {
		attr->type = PERF_TYPE_HARDWARE;
		attr->config = PERF_COUNT_HW_INSTRUCTIONS;
	} else if (config[0] == 'r' &&
		   !kstrtoull(config + 1, 16, &attr->config)) {
		attr->type = PERF_TYPE_RAW;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int __init pcr_kperf_init(void)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.pinned = 1,
	};
	struct perf_event *e;

	if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -EINVAL;
	if (parse_config(&attr))
		return -EINVAL;
	e = perf_event_create_kernel_counter(&attr, cpu, NULL, NULL, NULL);
	if (IS_ERR(e)) {
		result = PTR_ERR(e);
		pr_info("pcr_kperf: %s on CPU %d refused: %d\n", config, cpu,
			result);
		return 0;
	}
	event = e;
	result = 0;
	pr_info("pcr_kperf: %s on CPU %d created\n", config, cpu);
	return 0;
}

static void __exit pcr_kperf_exit(void)
{
	if (event)
		perf_event_release_kernel(event);
}

module_init(pcr_kperf_init);
module_exit(pcr_kperf_exit);
MODULE_DESCRIPTION("pcrwatch test: an in-kernel perf counter (kernel layer)");
MODULE_LICENSE("GPL");
