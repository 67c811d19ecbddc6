/* jsonscan.h — a validating scanner that finds a few top-level members of a
 * JSON object without building the document: nested values are checked
 * against the JSON grammar (RFC 8259, UTF-8 strings) and skipped.  For hot
 * paths that need two fields of a large event; building or editing JSON
 * documents uses jansson instead. */
#ifndef TF_JSONSCAN_H
#define TF_JSONSCAN_H

#include <stddef.h>

#include "tripflow/err.h"
#include "tripflow/mem.h"

typedef enum tf_jv_type {
    TF_JV_ABSENT = 0,
    TF_JV_NULL,
    TF_JV_FALSE,
    TF_JV_TRUE,
    TF_JV_NUMBER,
    TF_JV_STRING,
    TF_JV_OBJECT,
    TF_JV_ARRAY
} tf_jv_type;

/* A member's value as it appears in the text.  For a string, p/n is the
 * content between the quotes, still escaped when `escaped` is set; for the
 * other types p/n is the value's raw text. */
typedef struct tf_jv {
    tf_jv_type type;
    int escaped;
    const char *p;
    size_t n;
} tf_jv;

/* Check that s[0..n) is exactly one JSON object (whitespace around it is
 * allowed) and fill out[i] with the top-level member named names[i]
 * (TF_JV_ABSENT when missing; when a name repeats, the last one counts, as
 * in JavaScript).  Errors are TF_EFORMAT with "column N: reason"
 * (1-based byte column). */
int tf_json_fields(const char *s, size_t n, const char *const *names, int nnames, tf_jv *out, tf_err *err);

/* The text of a string value with its escapes decoded (UTF-8), appended to b.
 * The value must come from tf_json_fields (so it is known to be valid). */
void tf_json_unescape(const tf_jv *v, tf_buf *b);

const char *tf_jv_type_name(tf_jv_type t);

#endif
