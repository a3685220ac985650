// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the event formatter (user/views/event_format.c): each kind says
 * only its own fields, and an event reads the same from a ring buffer as
 * from the agent's JSON-lines log (written, read back by the decoder
 * `pcrwatch events` uses, user/service/event_decode.c, formatted again).
 */
#include <stdlib.h>
#include <string.h>

#include "event_format.h"
#include "event_log.h"
#include "json.h"
#include "model.h"
#include "who.h"
#include "../../bpf/perf_track.h"
#include "names.h"
#include "sanitize.h"
#include "tap.h"

static struct pcrw_owner user(__u32 pid, const char *comm)
{
	struct pcrw_owner o = { .layer = PCR_LAYER_USER,
				.tgid = pid,
				.pid = pid };

	snprintf(o.comm, sizeof(o.comm), "%s", comm);
	return o;
}

static const char *text(const struct pcrw_event *e)
{
	static char buf[512];

	event_format(buf, sizeof(buf), "perf", e, NULL);
	return buf;
}

/* The record line the agent writes for @e (event_log.c's record_json). */
static char *log_line(const struct pcrw_event *e)
{
	char *buf = NULL;
	size_t len = 0;
	struct json j;
	FILE *f = open_memstream(&buf, &len);

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_str(&j, "type", "event");
	json_str(&j, "time", "2026-12-04T19:00:00.000000000Z");
	json_u64(&j, "ts_unix_ns", 1);
	who_event_json(&j, "perf", e);
	json_object_end(&j);
	fputc('\n', f);
	fclose(f);
	return buf;
}

/* The text of @e, and the text of its log line read back: the same. */
static bool same_from_log(const struct pcrw_event *e)
{
	char ring[512], logged[512];
	struct event_log_rec back;
	char *line = log_line(e);
	bool same;

	event_format(ring, sizeof(ring), "perf", e, NULL);
	same = !event_log_decode(line, &back);
	event_format(logged, sizeof(logged), back.group, &back.e, NULL);
	same = same && !strcmp(ring, logged) && !strcmp(back.group, "perf") &&
	       back.real_ns == 1 && back.line == line;
	if (!same)
		printf("# ring: %s\n# log:  %s\n# line: %s", ring, logged,
		       line);
	free(line);
	return same;
}

static struct pcrw_event perf_veto(void)
{
	struct pcrw_event e = {
		.kind = PCRW_EV_VETO,
		.cpu = 1,
		.slot = ~0U,
		.value = 0x11,
		.old_value = (__u64)4 << 32 | 1, /* raw, whole-pmu */
		.actor = user(185, "perf"),
		.prev = { .layer = PCR_LAYER_USER, .uid = 1000 },
		.reservation_id = 1,
		.verdict = PCR_DENY_BUSY,
	};

	return e;
}

TEST(perf_veto_names_its_actor_and_no_msr)
{
	struct pcrw_event e = perf_veto();

	CHECK(!strcmp(text(&e), "perf veto perf_event_open: pid 185 (perf) "
				"uid 0: type 4 config 0x11 rule whole-pmu "
				"denied EBUSY by reservation 1, held for uid "
				"1000 on cpu 1"));
	CHECK(!strstr(text(&e), "msr"));
	CHECK(!strstr(text(&e), "was"));
	CHECK(same_from_log(&e));
	e.kind = PCRW_EV_AUDIT;
	CHECK(strstr(text(&e), "rule whole-pmu would be denied by "
			       "reservation 1"));
	CHECK(same_from_log(&e));
}

TEST(msr_veto_names_msr_and_value)
{
	struct pcrw_event e = {
		.kind = PCRW_EV_VETO,
		.cpu = 0,
		.slot = 0,
		.msr = 0x186,
		.value = 0x43003c,
		.old_value = 1,
		.actor_path = PCRW_PATH_MSR_DEV,
		.actor = user(9, "wrmsr"),
		.reservation_id = 2,
		.verdict = PCR_DENY_BUSY,
	};

	CHECK(!strcmp(text(&e),
		      "perf veto msr write: pid 9 (wrmsr) uid 0: cpu 0 msr "
		      "0x186 value 0x43003c slot 0 denied EBUSY by "
		      "reservation 2, decided on the register written"));
	CHECK(same_from_log(&e));
}

TEST(clobber_explains_value_and_was)
{
	struct pcrw_event e = {
		.kind = PCRW_EV_CLOBBER,
		.cpu = 1,
		.slot = 0,
		.msr = 0x186,
		.value = 0x11,
		.old_value = 0x400000004ULL,
		.actor_path = PCRW_PATH_MSR_DEV,
		.actor = user(77, "likwid"),
		.prev_path = PCRW_PATH_PERF,
		.prev = user(176, "perf"),
	};

	CHECK(!strcmp(text(&e), "perf clobber cpu 1 slot 0: likwid[77] "
				"(user, msr) wrote 0x11 to msr 0x186 over "
				"0x400000004, what the counter's holder "
				"perf[176] (user, perf) had programmed"));
	CHECK(same_from_log(&e));
}

TEST(perf_owner_change_names_the_holder_only_while_it_held)
{
	struct pcrw_event e = {
		.kind = PCRW_EV_OWNER_CHANGE,
		.cpu = 0,
		.slot = 3,
		.value = 0x11,
		.actor_path = PCRW_PATH_PERF,
		.actor = user(200, "papi"),
		.prev_path = PCRW_PATH_PERF,
		.prev = user(176, "perf"),
		.old_value = PCRW_PREV_HELD,
	};

	CHECK(!strcmp(text(&e), "perf owner-change cpu 0 slot 3: counter "
				"taken by papi[200] (user, perf) (config "
				"0x11); before: perf[176] (user, perf)"));
	CHECK(same_from_log(&e));
	e.old_value = PCRW_PREV_FREE;
	memset(&e.prev, 0, sizeof(e.prev));
	e.prev_path = PCRW_PATH_UNKNOWN;
	e.prev.layer = PCR_LAYER_UNKNOWN;
	CHECK(strstr(text(&e), "before: free"));
	CHECK(!strstr(text(&e), "nobody"));
	CHECK(same_from_log(&e));
	e.old_value = PCRW_PREV_UNKNOWN;
	CHECK(strstr(text(&e), "before: unknown"));
	CHECK(same_from_log(&e));
}

TEST(perf_events_made_and_freed)
{
	struct pcrw_event e = {
		.kind = PCRW_EV_OWNER_CHANGE,
		.cpu = 1,
		.slot = ~0U,
		.value = 0,
		.actor_path = PCRW_PATH_PERF,
		.actor = user(176, "perf"),
		.prev.layer = PCR_LAYER_UNKNOWN,
	};

	CHECK(!strcmp(text(&e), "perf owner-change cpu 1: perf event "
				"opened by perf[176] (user, perf)"));
	CHECK(same_from_log(&e));
	memset(&e.actor, 0, sizeof(e.actor));
	e.actor.layer = PCR_LAYER_UNKNOWN;
	e.actor_path = PCRW_PATH_UNKNOWN;
	e.prev = user(176, "perf");
	e.prev_path = PCRW_PATH_PERF;
	CHECK(strstr(text(&e), "perf event of perf[176] (user, perf) freed"));
	CHECK(!strstr(text(&e), "nobody"));
	CHECK(same_from_log(&e));
}

TEST(awkward_comms_survive_the_log)
{
	struct pcrw_event e = perf_veto();

	snprintf(e.actor.comm, sizeof(e.actor.comm), "a\"b\\c d{}:,");
	CHECK(same_from_log(&e));
	snprintf(e.actor.comm, sizeof(e.actor.comm), "\x01tab\there");
	CHECK(same_from_log(&e));
	memcpy(e.actor.comm, "0123456789abcdef", sizeof(e.actor.comm));
	CHECK(same_from_log(&e)); /* a full comm, no NUL */
}

TEST(lines_that_are_not_events_are_refused)
{
	static const char *const bad[] = {
		"",
		"not json",
		"{\"type\":\"counts\",\"group\":\"perf\"}",
		"{\"type\":\"event\"",
		"{\"kind\":\"veto\",\"type\":\"event\",\"actor\":{\"comm\":"
		"\"\\u12",
	};
	struct event_log_rec r;
	size_t i;

	for (i = 0; i < 3; i++)
		CHECK(event_log_decode(bad[i], &r));
	/* cut short: no crash, whatever it makes of it */
	for (; i < sizeof(bad) / sizeof(bad[0]); i++)
		event_log_decode(bad[i], &r);
}

/* A kind a newer agent wrote is a record of an unknown kind, with its
 * sequence number: not a line to skip (which `events` would count as
 * lost). */
TEST(an_unknown_kind_is_still_a_record)
{
	struct event_log_rec r;

	CHECK(!event_log_decode("{\"type\":\"event\",\"kind\":\"nonsense\","
				"\"cpu\":3,\"seq\":9}",
				&r));
	CHECK_EQ(r.e.kind, 0);
	CHECK_EQ(r.e.cpu, 3);
	CHECK_EQ(r.seq, 9);
	CHECK(!strcmp(event_kind_name(r.e.kind), "unknown"));
}

/* A key is the record's own only: one of the same name inside a nested
 * object or inside a string is not taken for it. */
TEST(nested_keys_are_not_the_records)
{
	struct event_log_rec r;

	CHECK(!event_log_decode(
		"{\"type\":\"event\",\"actor\":{\"cpu\":7,\"seq\":9,"
		"\"slot\":5,\"type\":\"x\",\"layer\":\"user\","
		"\"path\":\"perf\",\"pid\":5,\"comm\":\"\\\"cpu\\\":8\"},"
		"\"kind\":\"veto\",\"cpu\":2,\"seq\":3}\n",
		&r));
	CHECK_EQ(r.e.cpu, 2);
	CHECK_EQ(r.seq, 3);
	CHECK_EQ(r.e.slot, ~0U); /* the actor's "slot" is not the record's */
	CHECK_EQ(r.e.actor.tgid, 5);
	CHECK_EQ(r.e.actor.layer, PCR_LAYER_USER);
	CHECK_EQ(r.e.actor_path, PCRW_PATH_PERF);
	CHECK(!strcmp(r.e.actor.comm, "\"cpu\":8"));
	CHECK_EQ(r.e.prev.layer, PCR_LAYER_UNKNOWN); /* absent: nobody */
	CHECK_EQ(r.e.prev_path, PCRW_PATH_UNKNOWN);
	/* Only nested: absent from the record. */
	CHECK(!event_log_decode("{\"type\":\"event\",\"kind\":\"clobber\","
				"\"actor\":{\"cpu\":7,\"msr\":390},"
				"\"x\":[{\"seq\":4}],\"s\":\"\\\"cpu\\\":1\"}",
				&r));
	CHECK_EQ(r.e.cpu, 0);
	CHECK_EQ(r.e.msr, 0);
	CHECK_EQ(r.seq, 0);
	/* "type" only inside the actor: no event record. */
	CHECK(event_log_decode("{\"kind\":\"veto\",\"actor\":{\"type\":"
			       "\"event\"}}",
			       &r));
}

/* Escapes read as JSON says; a NUL or a lone surrogate becomes U+FFFD (as
 * in the timeline), ids keep all 64 bits, words no version names read as
 * unknown. */
TEST(decoded_fields_keep_their_values)
{
	struct event_log_rec r;

	CHECK(!event_log_decode(
		"{\"type\":\"event\",\"kind\":\"veto\",\"slot\":4,"
		"\"reservation_id\":18446744073709551615,"
		"\"actor\":{\"layer\":\"sideways\",\"path\":\"tunnel\","
		"\"comm\":\"\\b\\f\\r\\u0000\\ud800\"},"
		"\"verdict\":\"already-reserved\"}",
		&r));
	CHECK_EQ(r.e.slot, 4);
	CHECK(r.e.reservation_id == ~0ULL);
	CHECK_EQ(r.e.actor.layer, PCR_LAYER_UNKNOWN);
	CHECK_EQ(r.e.actor_path, PCRW_PATH_UNKNOWN);
	CHECK(!memcmp(r.e.actor.comm, "\b\f\r\xef\xbf\xbd\xef\xbf\xbd", 10));
	CHECK_EQ(r.e.verdict, PCR_DENY_BUSY);
	/* A bad escape: the string reads as "", not as its first half. */
	CHECK(!event_log_decode("{\"type\":\"event\",\"kind\":\"veto\","
				"\"group\":\"ab\\qcd\"}",
				&r));
	CHECK(!strcmp(r.group, ""));
}

TEST(small_buffers_are_cut_not_overrun)
{
	struct pcrw_event e = perf_veto();
	char buf[12];

	event_format(buf, sizeof(buf), "perf", &e, NULL);
	CHECK_EQ(strlen(buf), sizeof(buf) - 1);
	event_format(buf, 0, "perf", &e, NULL);
}

int main(void)
{
	RUN(perf_veto_names_its_actor_and_no_msr);
	RUN(msr_veto_names_msr_and_value);
	RUN(clobber_explains_value_and_was);
	RUN(perf_owner_change_names_the_holder_only_while_it_held);
	RUN(perf_events_made_and_freed);
	RUN(awkward_comms_survive_the_log);
	RUN(lines_that_are_not_events_are_refused);
	RUN(an_unknown_kind_is_still_a_record);
	RUN(nested_keys_are_not_the_records);
	RUN(decoded_fields_keep_their_values);
	RUN(small_buffers_are_cut_not_overrun);
	return TAP_DONE();
}
