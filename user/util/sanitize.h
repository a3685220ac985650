/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sanitize.h - the one place where untrusted strings (process names set
 * with prctl or by exec'ing a file of any name, cgroup paths, event and
 * group names) are made safe for each kind of output:
 *  - JSON strings: valid UTF-8, control characters as \u00XX, " and \
 *    escaped, each invalid byte replaced by U+FFFD;
 *  - Prometheus label values: valid UTF-8, \ " and newline escaped as the
 *    text exposition format asks, other control characters and invalid
 *    bytes replaced by U+FFFD;
 *  - XML text and attribute values (the timeline's SVG): & < > " '
 *    escaped; invalid UTF-8, the controls XML 1.0 forbids or a terminal
 *    would act on, and the bidirectional overrides replaced by U+FFFD;
 *  - terminal text: as ps and top do, every byte that is not printable
 *    (control characters, escape sequences, C1 controls, bidirectional
 *    overrides, invalid UTF-8) becomes '?', one per byte.
 * Every function reads at most @max bytes of @s and stops at a NUL byte:
 * pass SAN_NUL for a NUL-terminated string, sizeof(field) for a fixed one
 * such as a comm that may fill its array.
 */
#ifndef PCRW_SANITIZE_H
#define PCRW_SANITIZE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SAN_NUL ((size_t)-1)

/* Length of the well-formed UTF-8 sequence at @p (@n bytes readable), its
 * code point in @cp; 0 when the bytes there are not one (overlong forms,
 * surrogates and code points above U+10FFFF are not). */
size_t san_utf8_next(const unsigned char *p, size_t n, uint32_t *cp);

/* @s as a JSON string, quotes included. */
void san_json_string(FILE *f, const char *s, size_t max);

/* @s as a Prometheus label value, without the surrounding quotes. */
void san_prom_label(FILE *f, const char *s, size_t max);

/* @s as XML character data or an attribute value (quotes escaped). */
void san_xml(FILE *f, const char *s, size_t max);

/* @s as terminal text into @buf (always NUL-terminated, cut at @len - 1
 * bytes on a character boundary); returns @buf, for use as a printf
 * argument. */
char *san_term(char *buf, size_t len, const char *s, size_t max);

#endif
