/* fuzz_jsonscan.c — libFuzzer target for the JSON member scanner that reads
 * every stream message (untrusted broker data): any bytes, in an allocation
 * of exactly their size.  Checked against jansson: a text jansson parses as
 * an object is accepted, with the same member found (last one wins) and the
 * same decoded string; the scanner's values lie inside the text. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tripflow/jsonscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = tf_xmalloc(size ? size : 1);
    memcpy(buf, data, size);
    const char *names[2] = {"k", "t"};
    tf_jv v[2];
    tf_err err = {0};
    int rc = tf_json_fields(buf, size, names, 2, v, &err);
    if (rc == TF_OK)
        for (int i = 0; i < 2; i++)
            if (v[i].type != TF_JV_ABSENT && (v[i].p < buf || v[i].p + v[i].n > buf + size)) abort();
    /* jansson's verdict; it has no NUL in strings and no integers past
     * 64 bits, so only its "yes" is compared; and it reads a NUL byte
     * between tokens as a space, which JSON does not: those texts are left out */
    json_error_t je;
    json_t *doc = memchr(buf, 0, size) ? NULL : json_loadb(buf, size, JSON_DECODE_ANY, &je);
    if (doc && json_is_object(doc)) {
        if (rc != TF_OK) abort();
        for (int i = 0; i < 2; i++) {
            json_t *m = json_object_get(doc, names[i]);
            if (!m != (v[i].type == TF_JV_ABSENT)) abort();
            if (json_is_string(m)) {
                if (v[i].type != TF_JV_STRING) abort();
                tf_buf b = {0};
                tf_json_unescape(&v[i], &b);
                if (b.len != json_string_length(m) || memcmp(b.data, json_string_value(m), b.len)) abort();
                tf_buf_free(&b);
            }
        }
    }
    json_decref(doc);
    free(buf);
    return 0;
}
