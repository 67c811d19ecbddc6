/* jsonw.h — fast JSON text writing into a tf_buf for hot output paths
 * (staypoints, event lines, exports).  Building or parsing JSON documents
 * uses jansson instead. */
#ifndef TF_JSONW_H
#define TF_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "tripflow/mem.h"

/* a quoted, escaped JSON string (UTF-8 passes through; control chars \uXXXX) */
void tf_jsonw_str(tf_buf *b, const char *s, size_t n);
/* shortest round-trip number; non-finite values become null */
void tf_jsonw_double(tf_buf *b, double v);
void tf_jsonw_i64(tf_buf *b, int64_t v);
/* "key": (with the quotes and colon; no comma) */
void tf_jsonw_key(tf_buf *b, const char *key);

/* A jansson value as JSON text, keys in insertion order, numbers in
 * shortest round-trip form (jansson itself prints 17 digits: 7.6 would come
 * out as 7.5999999999999996).  indent 0: compact; n: pretty, n spaces. */
typedef struct json_t json_t;
void tf_jsonw_value(tf_buf *b, const json_t *v, int indent);
/* the same, written to stdout with a newline */
void tf_json_print(const json_t *v, int indent);

#endif
