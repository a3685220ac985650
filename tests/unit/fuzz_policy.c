// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the text pcrwatch takes as reservations
 * (user/reservations/policy_file.c, user/reservations/resv_cmd.c,
 * user/reservations/resv_store.c, user/reservations/resv_text.c). The first
 * byte picks the part:
 *  - 0: the rest is a policy file (policy_parse_stream). Each line is read
 *    whole: it gives at most one reservation, so there are never more of
 *    them than lines that start with "reserve"; each has CPUs that exist,
 *    1-32 counters or the whole PMU, and 1 to PCRW_MAX_GRANTS principals.
 *    Its quota has at most one cap per line that starts with "cap", each
 *    of a known kind on a valid layer or principal, no two on the same,
 *    and every limit within PCR_QUOTA_MAX;
 *  - 1: a CPU list. An accepted one names CPUs that exist only, and
 *    printing it back (resv_format_cpus) parses to the same set;
 *  - 2: a principal. An accepted one has a known kind (a layer one names
 *    the hypervisor or the kernel), and any but a cgroup printed back
 *    parses to the same principal;
 *  - 3: a counter count: 1-32 or "all", nothing else.
 * Files are not created: a policy is only parsed, never loaded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy_file.h"
#include "possible_cpus.h"
#include "resv_text.h"

static void check(int cond)
{
	if (!cond)
		abort();
}

static bool cpus_exist(const __u64 cpus[PCRW_CPU_WORDS], int nr)
{
	int c;

	for (c = nr; c < PCRW_MAX_CPUS; c++)
		if ((cpus[c / 64] >> (c % 64)) & 1)
			return false;
	return true;
}

static bool cpus_empty(const __u64 cpus[PCRW_CPU_WORDS])
{
	int w;

	for (w = 0; w < PCRW_CPU_WORDS; w++)
		if (cpus[w])
			return false;
	return true;
}

/* Lines whose first word is @word: the most statements of it there can be. */
static size_t lines_of(const char *text, size_t len, const char *word)
{
	size_t wl = strlen(word);
	size_t n = 0, i = 0, ws;

	while (i < len) {
		ws = i;
		/* The parser skips a UTF-8 byte order mark before the first
		 * line: count a line behind one too (an upper bound). */
		if (len - ws >= 3 && !memcmp(text + ws, "\xef\xbb\xbf", 3))
			ws += 3;
		while (ws < len && (text[ws] == ' ' || text[ws] == '\t'))
			ws++;
		if (len - ws >= wl && !memcmp(text + ws, word, wl))
			n++;
		while (i < len && text[i] != '\n')
			i++;
		i++;
	}
	return n;
}

static void quota_valid(const struct pcrw_quota *q, size_t cap_lines)
{
	__u32 i, k;

	check(q->nr_caps <= cap_lines && q->nr_caps <= PCRW_MAX_CAPS);
	check(q->floor <= PCR_QUOTA_MAX);
	for (i = 0; i < q->nr_caps; i++) {
		const struct pcr_cap *c = &q->caps[i];

		check(c->counters <= PCR_QUOTA_MAX);
		check(c->kind == PCR_CAP_LAYER ? pcr_layer_valid(c->layer)
					       : c->kind == PCR_CAP_PRINCIPAL &&
							 c->who.kind != 0);
		for (k = 0; k < i; k++)
			check(c->kind != q->caps[k].kind ||
			      (c->kind == PCR_CAP_LAYER
				       ? c->layer != q->caps[k].layer
				       : !pcr_principal_same(&c->who,
							     &q->caps[k].who)));
	}
}

static void policy_case(const char *text, size_t len)
{
	static struct resv_spec specs[POLICY_MAX];
	static struct policy_pending pend[POLICY_MAX];
	struct pcrw_quota q;
	char err[ERRLEN];
	size_t n = 0, npend = 0, i;
	FILE *f;

	f = fmemopen((void *)text, len, "r");
	if (!f)
		return;
	if (!policy_parse_stream(f, "fuzz", specs, &n, pend, &npend, &q, err,
				 sizeof(err))) {
		check(n <= lines_of(text, len, "reserve"));
		quota_valid(&q, lines_of(text, len, "cap"));
		for (i = 0; i < n; i++) {
			check(cpus_exist(specs[i].cpus, pcrw_possible_cpus()));
			check(!cpus_empty(specs[i].cpus));
			check(specs[i].nr_counters == PCR_RESV_WHOLE_PMU ||
			      (specs[i].nr_counters >= 1 &&
			       specs[i].nr_counters <= 32));
			/* a line waiting for its cgroup may have no other */
			check((specs[i].pending || specs[i].nr_grants >= 1) &&
			      specs[i].nr_grants <= PCRW_MAX_GRANTS);
			check(!(specs[i].control & ~PCR_CTL_VALID_MASK));
		}
	} else {
		check(strlen(err) < sizeof(err) && err[0]);
	}
	fclose(f);
}

static void cpus_case(const char *s)
{
	__u64 cpus[PCRW_CPU_WORDS], again[PCRW_CPU_WORDS];
	char err[ERRLEN], text[PCRW_CPULIST_LEN];
	int nr = pcrw_possible_cpus();

	if (resv_parse_cpus(s, nr, cpus, err, sizeof(err)))
		return;
	check(cpus_exist(cpus, nr) && !cpus_empty(cpus));
	resv_format_cpus(cpus, text, sizeof(text));
	check(resv_parse_cpus(text, nr, again, err, sizeof(err)) == 0);
	check(!memcmp(cpus, again, sizeof(cpus)));
}

static void principal_case(const char *s)
{
	struct pcr_principal p, again;
	char err[ERRLEN], text[64];

	if (resv_parse_principal(s, &p, err, sizeof(err)))
		return;
	check(p.kind == PCR_PRINC_UID || p.kind == PCR_PRINC_PID ||
	      p.kind == PCR_PRINC_CGROUP || p.kind == PCR_PRINC_VM ||
	      (p.kind == PCR_PRINC_LAYER &&
	       (p.id == PCR_LAYER_HYPERVISOR || p.id == PCR_LAYER_KERNEL)));
	if (p.kind == PCR_PRINC_CGROUP)
		return;
	resv_format_principal(&p, text, sizeof(text));
	check(resv_parse_principal(text, &again, err, sizeof(err)) == 0);
	check(!memcmp(&p, &again, sizeof(p)));
}

static void counters_case(const char *s)
{
	char err[ERRLEN];
	__u32 n;

	if (resv_parse_counters(s, &n, err, sizeof(err)))
		return;
	check(n == PCR_RESV_WHOLE_PMU ? !strcmp(s, "all") : n >= 1 && n <= 32);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf;

	if (!size)
		return 0;
	buf = calloc(1, size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1); /* the rest, NUL-terminated */
	switch (data[0] & 3) {
	case 0:
		policy_case(buf, size - 1);
		break;
	case 1:
		cpus_case(buf);
		break;
	case 2:
		principal_case(buf);
		break;
	default:
		counters_case(buf);
		break;
	}
	free(buf);
	return 0;
}
