/* utf8.h — UTF-8 text: validation and character (code point) prefixes, for
 * SQL-style substr on characters rather than bytes. */
#ifndef TF_UTF8_H
#define TF_UTF8_H

#include <stddef.h>

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int tf_utf8_valid(const char *s, size_t n);
/* Byte length of the first `chars` characters of valid UTF-8 s[0..n) (all of
 * s when it is shorter).  SQL substr(s, from, len) on characters is
 * s + tf_utf8_prefix(s, n, from - 1) for tf_utf8_prefix(rest, ..., len) bytes. */
size_t tf_utf8_prefix(const char *s, size_t n, size_t chars);

#endif
