/* num.h — number parsing and formatting for hot paths.
 *
 * tf_parse_double is exact (correctly rounded, like strtod in the C locale)
 * but takes a length instead of a NUL terminator and rejects anything that is
 * not a plain finite decimal.  tf_format_double writes the shortest text that
 * reads back to the same double (like Python's repr). */
#ifndef TF_NUM_H
#define TF_NUM_H

#include <stddef.h>
#include <stdint.h>

/* Returns 1 on success, 0 when s[0..n) is not a finite decimal number
 * ([+-]digits[.digits][(e|E)[+-]digits]). */
int tf_parse_double(const char *s, size_t n, double *out);
/* The length of the longest prefix of s that is such a number (0: none) and
 * its value; for parsers that read numbers inside other syntax. */
size_t tf_scan_double(const char *s, size_t n, double *out);
/* Returns 1 on success, 0 on bad syntax or overflow. */
int tf_parse_i64(const char *s, size_t n, int64_t *out);

/* Shortest round-trip text; integral values get ".0" so typed readers keep
 * them as doubles.  Non-finite values are written as "NaN", "Infinity",
 * "-Infinity".  Returns the length (< 32). */
int tf_format_double(double v, char out[32]);
/* Decimal text of a signed 64-bit integer; returns the length (< 24). */
int tf_format_i64(int64_t v, char out[24]);

#endif
