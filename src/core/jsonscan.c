/* jsonscan.c — validating top-level member scanner for JSON objects (see
 * jsonscan.h).  One pass over the text, recursion only for nesting (depth
 * limited like jansson's parser), no allocation unless a key is escaped. */
#include "tripflow/jsonscan.h"

#include <stdint.h>
#include <string.h>

#define MAX_DEPTH 2048

typedef struct scan {
    const unsigned char *s, *end, *p;
    tf_err *err;
} scan;

static int fail(scan *c, const char *reason)
{
    return tf_errf(c->err, TF_EFORMAT, "column %zu: %s", (size_t)(c->p - c->s) + 1, reason);
}

static inline void ws(scan *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t')) c->p++;
}

static int hex4(const unsigned char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char h = p[i];
        unsigned d;
        if (h >= '0' && h <= '9') d = h - '0';
        else if (h >= 'a' && h <= 'f') d = h - 'a' + 10;
        else if (h >= 'A' && h <= 'F') d = h - 'A' + 10;
        else return 0;
        v = v * 16 + d;
    }
    *out = v;
    return 1;
}

/* bytes of a valid UTF-8 sequence starting at p (lead byte >= 0x80), or 0 */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char b = p[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) n = 2;
    else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        if (b == 0xE0) lo = 0xA0;
        if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        if (b == 0xF0) lo = 0x90;
        if (b == 0xF4) hi = 0x8F;
    } else return 0;
    if ((size_t)(end - p) < n) return 0;
    if (p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF) return 0;
    return n;
}

/* 1 for bytes that need no attention inside a string: printable ASCII but " and \ */
static const unsigned char plain[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
    R16(0), R16(0),
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x22 " */
    R16(1), R16(1),
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x5C \ */
    R16(1), R16(1),
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0),
#undef R16
};

/* Whether 8 bytes are all plain (as the table), a word at a time: a byte
 * equal to '"' or '\\' becomes zero after the xor and borrows; a byte below
 * 0x20 borrows when 0x20 is taken away; a byte from 0x80 has its top bit. */
static inline int plain8(const unsigned char *p)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), top = UINT64_C(0x8080808080808080);
    uint64_t x;
    memcpy(&x, p, 8);
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    return !((((q - ones) & ~q) | ((b - ones) & ~b) | (x - ones * 0x20) | x) & top);
}

/* c->p at the opening quote; leaves c->p after the closing quote */
static int string(scan *c, int *escaped)
{
    c->p++;
    *escaped = 0;
    for (;;) {
        /* fast path: plain ASCII, eight bytes a round while far from the end */
        while (c->end - c->p >= 8 && plain8(c->p)) c->p += 8;
        while (c->p < c->end && plain[*c->p]) c->p++;
        if (c->p >= c->end) return fail(c, "unterminated string");
        unsigned char ch = *c->p;
        if (ch == '"') {
            c->p++;
            return TF_OK;
        }
        if (ch < 0x20) return fail(c, "control character in string");
        if (ch == '\\') {
            *escaped = 1;
            if (c->end - c->p < 2) return fail(c, "unterminated string");
            unsigned char e = c->p[1];
            if (e == 'u') {
                unsigned u;
                if (c->end - c->p < 6 || !hex4(c->p + 2, &u)) return fail(c, "bad \\u escape");
                if (u >= 0xDC00 && u <= 0xDFFF) return fail(c, "lone low surrogate in \\u escape");
                if (u >= 0xD800 && u <= 0xDBFF) {
                    unsigned lo;
                    if (c->end - c->p < 12 || c->p[6] != '\\' || c->p[7] != 'u' || !hex4(c->p + 8, &lo) ||
                        lo < 0xDC00 || lo > 0xDFFF)
                        return fail(c, "high surrogate without a low surrogate in \\u escape");
                    c->p += 12;
                } else {
                    c->p += 6;
                }
                continue;
            }
            if (!strchr("\"\\/bfnrt", e) || !e) return fail(c, "bad escape in string");
            c->p += 2;
            continue;
        }
        size_t n = utf8_len(c->p, c->end);
        if (!n) return fail(c, "invalid UTF-8 in string");
        c->p += n;
    }
}

static int number(scan *c)
{
    const unsigned char *p = c->p;
    if (p < c->end && *p == '-') p++;
    if (p >= c->end) goto bad;
    if (*p == '0') p++;
    else if (*p >= '1' && *p <= '9')
        while (p < c->end && *p >= '0' && *p <= '9') p++;
    else goto bad;
    if (p < c->end && *p == '.') {
        p++;
        if (p >= c->end || *p < '0' || *p > '9') goto bad;
        while (p < c->end && *p >= '0' && *p <= '9') p++;
    }
    if (p < c->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < c->end && (*p == '+' || *p == '-')) p++;
        if (p >= c->end || *p < '0' || *p > '9') goto bad;
        while (p < c->end && *p >= '0' && *p <= '9') p++;
    }
    c->p = p;
    return TF_OK;
bad:
    c->p = p;
    return fail(c, "bad number");
}

static int literal(scan *c, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n)) return fail(c, "unexpected character");
    c->p += n;
    return TF_OK;
}

static int value(scan *c, int depth, tf_jv *v);

static int members(scan *c, int depth, const char *const *names, int nnames, tf_jv *out)
{
    /* c->p after '{' */
    ws(c);
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return TF_OK;
    }
    tf_buf key = {0};
    int rc = TF_OK;
    for (;;) {
        ws(c);
        if (c->p >= c->end || *c->p != '"') {
            rc = fail(c, c->p >= c->end ? "unterminated object" : "expected a member name");
            break;
        }
        const unsigned char *k = c->p + 1;
        int kesc;
        if ((rc = string(c, &kesc))) break;
        size_t klen = (size_t)(c->p - 1 - k);
        ws(c);
        if (c->p >= c->end || *c->p != ':') {
            rc = fail(c, "expected ':' after a member name");
            break;
        }
        c->p++;
        ws(c);
        const char *kp = (const char *)k;
        if (names && kesc) {
            tf_jv kv = {TF_JV_STRING, 1, kp, klen};
            tf_buf_clear(&key);
            tf_json_unescape(&kv, &key);
            kp = key.data ? key.data : "";
            klen = key.len;
        }
        tf_jv tmp;
        if ((rc = value(c, depth + 1, &tmp))) break;
        for (int i = 0; i < nnames; i++)
            if (names[i][0] == (klen ? kp[0] : 0) && strlen(names[i]) == klen && !memcmp(names[i], kp, klen))
                out[i] = tmp;
        ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == '}') {
            c->p++;
            break;
        }
        rc = fail(c, c->p >= c->end ? "unterminated object" : "expected ',' or '}' in object");
        break;
    }
    tf_buf_free(&key);
    return rc;
}

static int elements(scan *c, int depth)
{
    ws(c);
    if (c->p < c->end && *c->p == ']') {
        c->p++;
        return TF_OK;
    }
    for (;;) {
        ws(c);
        tf_jv tmp;
        int rc = value(c, depth + 1, &tmp);
        if (rc) return rc;
        ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == ']') {
            c->p++;
            return TF_OK;
        }
        return fail(c, c->p >= c->end ? "unterminated array" : "expected ',' or ']' in array");
    }
}

static int value(scan *c, int depth, tf_jv *v)
{
    if (depth > MAX_DEPTH) return fail(c, "nested too deep");
    if (c->p >= c->end) return fail(c, "expected a value");
    const unsigned char *start = c->p;
    int rc;
    v->escaped = 0;
    switch (*c->p) {
    case '"':
        v->type = TF_JV_STRING;
        rc = string(c, &v->escaped);
        if (rc) return rc;
        v->p = (const char *)start + 1;
        v->n = (size_t)(c->p - start) - 2;
        return TF_OK;
    case '{':
        v->type = TF_JV_OBJECT;
        c->p++;
        rc = members(c, depth, NULL, 0, NULL);
        break;
    case '[':
        v->type = TF_JV_ARRAY;
        c->p++;
        rc = elements(c, depth);
        break;
    case 't': v->type = TF_JV_TRUE; rc = literal(c, "true"); break;
    case 'f': v->type = TF_JV_FALSE; rc = literal(c, "false"); break;
    case 'n': v->type = TF_JV_NULL; rc = literal(c, "null"); break;
    default:
        if (*c->p == '-' || (*c->p >= '0' && *c->p <= '9')) {
            v->type = TF_JV_NUMBER;
            rc = number(c);
        } else {
            rc = fail(c, "unexpected character");
        }
    }
    if (rc) return rc;
    v->p = (const char *)start;
    v->n = (size_t)(c->p - start);
    return TF_OK;
}

int tf_json_fields(const char *s, size_t n, const char *const *names, int nnames, tf_jv *out, tf_err *err)
{
    scan c = {(const unsigned char *)s, (const unsigned char *)s + n, (const unsigned char *)s, err};
    for (int i = 0; i < nnames; i++) memset(&out[i], 0, sizeof out[i]);
    ws(&c);
    if (c.p >= c.end) return fail(&c, "empty message, expected a JSON object");
    if (*c.p != '{') {
        /* say whether it is other JSON or not JSON at all */
        tf_jv tmp;
        const unsigned char *at = c.p;
        if (value(&c, 1, &tmp) == TF_OK) {
            ws(&c);
            if (c.p == c.end) {
                c.p = at;
                return tf_errf(err, TF_EFORMAT, "column %zu: expected a JSON object, got %s", (size_t)(at - c.s) + 1,
                               tf_jv_type_name(tmp.type));
            }
            return fail(&c, "text after the JSON value");
        }
        return err->code;
    }
    c.p++;
    int rc = members(&c, 1, names, nnames, out);
    if (rc) return rc;
    ws(&c);
    if (c.p != c.end) return fail(&c, "text after the JSON object");
    return TF_OK;
}

static void put_utf8(tf_buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    tf_buf_append(b, u, n);
}

void tf_json_unescape(const tf_jv *v, tf_buf *b)
{
    const unsigned char *p = (const unsigned char *)v->p, *end = p + v->n;
    if (!v->escaped) {
        tf_buf_append(b, p, v->n);
        return;
    }
    while (p < end) {
        const unsigned char *q = memchr(p, '\\', (size_t)(end - p));
        if (!q) q = end;
        tf_buf_append(b, p, (size_t)(q - p));
        if (q == end) break;
        unsigned char e = q[1];
        p = q + 2;
        switch (e) {
        case 'b': tf_buf_putc(b, '\b'); break;
        case 'f': tf_buf_putc(b, '\f'); break;
        case 'n': tf_buf_putc(b, '\n'); break;
        case 'r': tf_buf_putc(b, '\r'); break;
        case 't': tf_buf_putc(b, '\t'); break;
        case 'u': {
            unsigned u = 0, lo = 0;
            hex4(p, &u);
            p += 4;
            if (u >= 0xD800 && u <= 0xDBFF) {
                hex4(p + 2, &lo);
                p += 6;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            }
            put_utf8(b, u);
            break;
        }
        default: tf_buf_putc(b, (char)e); /* " \ / */
        }
    }
}

const char *tf_jv_type_name(tf_jv_type t)
{
    switch (t) {
    case TF_JV_ABSENT: return "nothing";
    case TF_JV_NULL: return "null";
    case TF_JV_FALSE:
    case TF_JV_TRUE: return "a boolean";
    case TF_JV_NUMBER: return "a number";
    case TF_JV_STRING: return "a string";
    case TF_JV_OBJECT: return "an object";
    case TF_JV_ARRAY: return "an array";
    }
    return "?";
}
