// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the reservation commands share: the words of a reservation's spec
 * (how many CPUs, how many counters, whom it is for) as reserve, grant and
 * policy files give them, and the message for a store that failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "messages.h"
#include "resv_cmd.h"
#include "resv_store.h"
#include "resv_text.h"

int resv_parse_counters(const char *s, __u32 *n, char *err, size_t len)
{
	char *end;
	unsigned long v;

	if (!strcmp(s, "all")) {
		*n = PCR_RESV_WHOLE_PMU;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v == 0 || v > 32) {
		snprintf(err, len, "'%s' is not a counter count (1-32 or all)",
			 s);
		return -EINVAL;
	}
	*n = v;
	return 0;
}

int resv_add_grant(struct resv_spec *s, const char *arg, char *err, size_t len)
{
	int rc;

	if (s->nr_grants >= PCRW_MAX_GRANTS) {
		snprintf(err, len, "at most %d principals", PCRW_MAX_GRANTS);
		return -EINVAL;
	}
	rc = resv_parse_principal(arg, &s->grants[s->nr_grants], err, len);
	if (rc)
		return rc;
	if (!s->nr_grants)
		snprintf(s->label, sizeof(s->label), "%s", arg);
	/* A layer principal's layer must be admitted for it to hold. */
	s->control |=
		PCR_CTL_LAYER(pcr_principal_layer(&s->grants[s->nr_grants]));
	s->nr_grants++;
	return 0;
}

static const struct {
	const char *name;
	__u32 layer;
} layer_names[] = {
	{ "user", PCR_LAYER_USER },
	{ "hypervisor", PCR_LAYER_HYPERVISOR },
	{ "kernel", PCR_LAYER_KERNEL },
};

int resv_add_layers(struct resv_spec *s, const char *arg, char *err, size_t len)
{
	__u32 bits = 0;
	const char *p = arg;
	size_t n, i;

	while (*p) {
		n = strcspn(p, ",");
		for (i = 0; i < (sizeof(layer_names) / sizeof(layer_names[0]));
		     i++)
			if (strlen(layer_names[i].name) == n &&
			    !strncmp(p, layer_names[i].name, n))
				break;
		if (i == (sizeof(layer_names) / sizeof(layer_names[0]))) {
			snprintf(err, len,
				 "'%.*s' is not a layer: use user, hypervisor "
				 "or kernel (firmware cannot be vetoed)",
				 (int)(n > 32 ? 32 : n), p);
			return -EINVAL;
		}
		bits |= PCR_CTL_LAYER(layer_names[i].layer);
		p += n + (p[n] == ',');
	}
	if (!bits) {
		snprintf(err, len, "--layers needs at least one layer");
		return -EINVAL;
	}
	s->control |= bits;
	return 0;
}

void resv_format_layers(__u32 control, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = 0;
	for (i = 0;
	     i < (sizeof(layer_names) / sizeof(layer_names[0])) && off < len;
	     i++)
		if (control & PCR_CTL_LAYER(layer_names[i].layer))
			off += snprintf(buf + off, len - off, "%s%s",
					off ? "," : "", layer_names[i].name);
	if (!buf[0])
		snprintf(buf, len, "none");
}

int resv_store_error(const char *what, int err)
{
	if (err == -EPERM || err == -EACCES) {
		pcrw_err("%s: permission denied (needs root: CAP_BPF)", what);
		return PCRW_EXIT_DENIED;
	}
	if (err == -ENOENT) {
		pcrw_err("%s: no reservations exist", what);
		return PCRW_EXIT_ERROR;
	}
	pcrw_err("%s: %s", what, strerror(-err));
	return PCRW_EXIT_ERROR;
}
