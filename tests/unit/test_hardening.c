// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the management cookie tags and their key
 * (user/reservations/cookie.c) and of the output sanitizers
 * (user/util/sanitize.c).
 */
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "pcr_rules.h"
#include "cookie.h"
#include "sanitize.h"
#include "trusted_file.h"
#include "tap.h"

static const __u8 ref_key[16] = { 0, 1, 2,  3,	4,  5,	6,  7,
				  8, 9, 10, 11, 12, 13, 14, 15 };

/* The reference vectors of the SipHash paper (key 00..0f, message 00..). */
TEST(siphash_reference_vectors)
{
	__u8 msg[16];
	int i;

	for (i = 0; i < 16; i++)
		msg[i] = (__u8)i;
	CHECK(cookie_siphash(ref_key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	CHECK(cookie_siphash(ref_key, msg, 1) == 0x74f839c593dc67fdULL);
	CHECK(cookie_siphash(ref_key, msg, 15) == 0xa129ca6149be45e5ULL);
}

TEST(tags_are_48_bit_keyed_and_bound_to_the_reservation)
{
	__u8 other[16];
	__u64 t = cookie_tag(ref_key, 1, 0x123456789abcULL);

	memcpy(other, ref_key, sizeof(other));
	other[0] ^= 1;
	CHECK(t && !(t >> PCR_COOKIE_BITS));
	CHECK(t != 0x123456789abcULL);
	CHECK(t == cookie_tag(ref_key, 1, 0x123456789abcULL));
	CHECK(t != cookie_tag(ref_key, 2, 0x123456789abcULL));
	CHECK(t != cookie_tag(ref_key, 1, 0x123456789abdULL));
	CHECK(t != cookie_tag(other, 1, 0x123456789abcULL));
}

static char dir[] = "/tmp/pcrwatch-cookie-XXXXXX";
static char path[128];

TEST(key_is_made_0600_once_and_read_back)
{
	__u8 a[16], b[16];
	struct stat st;

	snprintf(path, sizeof(path), "%s/sub/cookie.key", dir);
	setenv("PCRWATCH_COOKIE_KEY", path, 1);
	CHECK(cookie_key_load(a, false) == -ENOENT);
	CHECK_EQ(cookie_key_load(a, true), 0);
	CHECK(!stat(path, &st) && (st.st_mode & 0777) == 0600);
	CHECK_EQ(st.st_size, 16);
	CHECK_EQ(cookie_key_load(b, true), 0);
	CHECK(!memcmp(a, b, sizeof(a)));
	CHECK_EQ(cookie_key_load(b, false), 0);
	CHECK(!memcmp(a, b, sizeof(a)));
}

TEST(key_readable_by_others_or_a_link_is_refused)
{
	char link[160];
	__u8 k[16];

	chmod(path, 0644);
	CHECK_EQ(cookie_key_load(k, false), -EPERM);
	CHECK_EQ(cookie_key_load(k, true), -EPERM);
	chmod(path, 0600);
	snprintf(link, sizeof(link), "%s/link.key", dir);
	CHECK(!symlink(path, link));
	setenv("PCRWATCH_COOKIE_KEY", link, 1);
	CHECK_EQ(cookie_key_load(k, false), -EPERM);
	CHECK_EQ(cookie_key_load(k, true), -EPERM);
	unlink(link);
	unlink(path);
	snprintf(link, sizeof(link), "%s/sub", dir);
	rmdir(link);
}

static const char *json_of(const char *s, size_t max)
{
	static char buf[256];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	san_json_string(f, s, max);
	fclose(f);
	return buf;
}

static const char *prom_of(const char *s)
{
	static char buf[256];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	san_prom_label(f, s, SAN_NUL);
	fclose(f);
	return buf;
}

TEST(json_strings_are_valid_utf8_with_controls_escaped)
{
	CHECK(!strcmp(json_of("a\"b\\c\n\t", SAN_NUL),
		      "\"a\\\"b\\\\c\\n\\t\""));
	CHECK(!strcmp(json_of("\x1b[31m", SAN_NUL), "\"\\u001b[31m\""));
	CHECK(!strcmp(json_of("\xff\xfe", SAN_NUL),
		      "\"\xef\xbf\xbd\xef\xbf\xbd\""));
	CHECK(!strcmp(json_of("caf\xc3\xa9", SAN_NUL), "\"caf\xc3\xa9\""));
	/* a UTF-8 sequence cut by a fixed field's end is not copied whole */
	CHECK(!strcmp(json_of("ab\xc3\xa9", 3), "\"ab\xef\xbf\xbd\""));
	CHECK(!strcmp(json_of("\xed\xa0\x80", SAN_NUL),
		      "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""));
	CHECK(!strcmp(json_of("\xc0\xaf", SAN_NUL),
		      "\"\xef\xbf\xbd\xef\xbf\xbd\""));
}

TEST(prometheus_labels_escape_what_the_format_asks)
{
	CHECK(!strcmp(prom_of("a\"b\\c\nd"), "a\\\"b\\\\c\\nd"));
	CHECK(!strcmp(prom_of("\x1b\xff"), "\xef\xbf\xbd\xef\xbf\xbd"));
	CHECK(!strcmp(prom_of("perf"), "perf"));
}

TEST(terminal_text_has_no_control_or_escape_bytes)
{
	char buf[32];

	CHECK(!strcmp(san_term(buf, sizeof(buf), "\x1b[31mred\x07", SAN_NUL),
		      "?[31mred?"));
	CHECK(!strcmp(san_term(buf, sizeof(buf),
			       "\xc2\x9b"
			       "2J",
			       SAN_NUL),
		      "??2J"));
	CHECK(!strcmp(san_term(buf, sizeof(buf),
			       "\xe2\x80\xae"
			       "abc",
			       SAN_NUL),
		      "???abc"));
	CHECK(!strcmp(san_term(buf, sizeof(buf), "caf\xc3\xa9\xff", SAN_NUL),
		      "caf\xc3\xa9?"));
	CHECK(!strcmp(san_term(buf, 4, "abcdef", SAN_NUL), "abc"));
	CHECK(!strcmp(san_term(buf, 5, "abc\xc3\xa9", SAN_NUL), "abc"));
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(siphash_reference_vectors);
	RUN(tags_are_48_bit_keyed_and_bound_to_the_reservation);
	RUN(key_is_made_0600_once_and_read_back);
	RUN(key_readable_by_others_or_a_link_is_refused);
	RUN(json_strings_are_valid_utf8_with_controls_escaped);
	RUN(prometheus_labels_escape_what_the_format_asks);
	RUN(terminal_text_has_no_control_or_escape_bytes);
	rmdir(dir);
	return TAP_DONE();
}
