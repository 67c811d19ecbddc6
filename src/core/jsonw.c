/* jsonw.c — JSON text writing helpers (see jsonw.h). */
#include "tripflow/jsonw.h"

#include <math.h>

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
