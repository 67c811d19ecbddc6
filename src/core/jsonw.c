/* jsonw.c — JSON text writing helpers (see jsonw.h). */
#include "tripflow/jsonw.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>

#include "tripflow/num.h"

void tf_jsonw_str(tf_buf *b, const char *s, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    tf_buf_reserve(b, n + 2);
    tf_buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        tf_buf_append(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': tf_buf_append(b, "\\\"", 2); break;
        case '\\': tf_buf_append(b, "\\\\", 2); break;
        case '\n': tf_buf_append(b, "\\n", 2); break;
        case '\r': tf_buf_append(b, "\\r", 2); break;
        case '\t': tf_buf_append(b, "\\t", 2); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hx[c >> 4], hx[c & 15]};
            tf_buf_append(b, u, 6);
        }
        }
    }
    tf_buf_append(b, s + run, n - run);
    tf_buf_putc(b, '"');
}

void tf_jsonw_double(tf_buf *b, double v)
{
    if (!isfinite(v)) {
        tf_buf_append(b, "null", 4);
        return;
    }
    char t[32];
    int n = tf_format_double(v, t);
    tf_buf_append(b, t, (size_t)n);
}

void tf_jsonw_i64(tf_buf *b, int64_t v)
{
    char t[24];
    int n = tf_format_i64(v, t);
    tf_buf_append(b, t, (size_t)n);
}

void tf_jsonw_key(tf_buf *b, const char *key)
{
    tf_jsonw_str(b, key, strlen(key));
    tf_buf_putc(b, ':');
}

static void newline(tf_buf *b, int indent, int depth)
{
    if (!indent) return;
    tf_buf_putc(b, '\n');
    for (int i = 0; i < indent * depth; i++) tf_buf_putc(b, ' ');
}

static void value(tf_buf *b, const json_t *v, int indent, int depth)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        if (!json_object_size(v)) {
            tf_buf_append(b, "{}", 2);
            return;
        }
        tf_buf_putc(b, '{');
        int first = 1;
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) {
            if (!first) tf_buf_putc(b, ',');
            first = 0;
            newline(b, indent, depth + 1);
            tf_jsonw_str(b, k, strlen(k));
            tf_buf_append(b, indent ? ": " : ":", indent ? 2 : 1);
            value(b, x, indent, depth + 1);
        }
        newline(b, indent, depth);
        tf_buf_putc(b, '}');
        return;
    }
    case JSON_ARRAY: {
        if (!json_array_size(v)) {
            tf_buf_append(b, "[]", 2);
            return;
        }
        tf_buf_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) tf_buf_putc(b, ',');
            newline(b, indent, depth + 1);
            value(b, json_array_get(v, i), indent, depth + 1);
        }
        newline(b, indent, depth);
        tf_buf_putc(b, ']');
        return;
    }
    case JSON_STRING: tf_jsonw_str(b, json_string_value(v), json_string_length(v)); return;
    case JSON_INTEGER: tf_jsonw_i64(b, (int64_t)json_integer_value(v)); return;
    case JSON_REAL: tf_jsonw_double(b, json_real_value(v)); return;
    case JSON_TRUE: tf_buf_append(b, "true", 4); return;
    case JSON_FALSE: tf_buf_append(b, "false", 5); return;
    case JSON_NULL: tf_buf_append(b, "null", 4); return;
    }
}

void tf_jsonw_value(tf_buf *b, const json_t *v, int indent) { value(b, v, indent, 0); }

void tf_json_print(const json_t *v, int indent)
{
    tf_buf b = {0};
    value(&b, v, indent, 0);
    tf_buf_putc(&b, '\n');
    fwrite(b.data, 1, b.len, stdout);
    tf_buf_free(&b);
}
