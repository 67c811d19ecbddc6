/* sp_gen.c — the staypoint trips generator (see sp_gen.h).
 *
 * Users are made in blocks of 65536: each user gets an id, a home city and
 * a sequence of trips over a few days (a trip starts near where the last one
 * ended, stays of minutes to hours in between); the block's rows are then
 * shuffled and written.  Every user has its own random stream, so the good
 * rows never depend on --bad, whose rows come from a stream of their own. */
#include "tripflow/sp_gen.h"

#include "sp_gen_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tripflow/csv.h"
#include "tripflow/mem.h"
#include "tripflow/num.h"
#include "tripflow/publish.h"
#include "tripflow/rng.h"
#include "tripflow/timeutil.h"

#define BLOCK_USERS 65536
#define MIN_US (60 * TF_US_PER_SEC)

typedef sp_gen_row grow;

static const struct {
    double lat, lng;
} cities[] = {
    {40.7589, -73.9851}, {37.7749, -122.4194}, {51.5074, -0.1278},  {50.0755, 14.4378},
    {35.6762, 139.6503}, {-33.8688, 151.2093}, {-23.5505, -46.6333}, {19.4326, -99.1332},
    {1.3521, 103.8198},  {55.7558, 37.6173},   {-1.2921, 36.8219},  {64.1466, -21.9426},
    {-17.7134, 179.95},  {78.2232, 15.6267},   {-54.8019, -68.303}, {48.8566, 2.3522},
};
#define NCITIES (sizeof cities / sizeof *cities)

/* non-ASCII id prefixes: 1 to 5 bytes per character */
static const char *const uni_prefix[] = {"\xc3\xbc", "\xe6\x9d\xb1\xe4\xba\xac", "jos\xc3\xa9-", "\xce\xa9",
                                         "\xf0\x9f\x9a\xb2", "\xc3\xb1"};

typedef struct gen {
    const tf_sp_gen_opts *o;
    int64_t short_k, uni_k; /* ids of those kinds handed out so far */
    tf_buf ids;             /* the block's ids */
    TF_VEC(size_t) id_off;
    TF_VEC(grow) rows;
} gen;

static void hex(tf_buf *b, uint64_t v, int digits)
{
    static const char hx[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; i--) tf_buf_putc(b, hx[(v >> (4 * i)) & 15]);
}

static void make_id(gen *g, int64_t u, tf_rng *r)
{
    tf_buf *b = &g->ids;
    uint64_t kind = tf_rng_below(r, 1000);
    char num[24];
    if (kind < 10 && g->short_k < 36 + 36 * 36 + 36 * 36 * 36) {
        /* 1 to 3 characters: a..z0..9 */
        static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
        int64_t k = g->short_k++, len = k < 36 ? 1 : k < 36 + 1296 ? 2 : 3;
        k -= len == 1 ? 0 : len == 2 ? 36 : 36 + 1296;
        for (int64_t i = len - 1; i >= 0; i--) {
            int64_t d = k;
            for (int64_t j = 0; j < i; j++) d /= 36;
            tf_buf_putc(b, al[d % 36]);
        }
    } else if (kind < 20) {
        int64_t k = g->uni_k++;
        tf_buf_puts(b, uni_prefix[k % 6]);
        tf_buf_append(b, num, (size_t)tf_format_i64(k, num));
    } else if (g->o->id_style == TF_SP_ID_SEQ) {
        tf_buf_puts(b, "user-");
        int n = tf_format_i64(u, num);
        for (int i = n; i < 6; i++) tf_buf_putc(b, '0');
        tf_buf_append(b, num, (size_t)n);
    } else {
        /* UUID version 4 text */
        uint64_t a = tf_rng_next(r), c = tf_rng_next(r);
        hex(b, a >> 32, 8);
        tf_buf_putc(b, '-');
        hex(b, a >> 16, 4);
        tf_buf_putc(b, '-');
        hex(b, 0x4000 | (a & 0x0fff), 4);
        tf_buf_putc(b, '-');
        hex(b, 0x8000 | (c >> 48 & 0x3fff), 4);
        tf_buf_putc(b, '-');
        hex(b, c, 12);
    }
}

static int32_t e6(double deg, double lim)
{
    if (deg > lim) deg = lim;
    if (deg < -lim) deg = -lim;
    return (int32_t)llround(deg * 1e6);
}

static int64_t fraction(tf_rng *r)
{
    uint64_t k = tf_rng_below(r, 100);
    if (k < 30) return (int64_t)tf_rng_below(r, 1000) * 1000; /* milliseconds */
    if (k < 35) return (int64_t)tf_rng_below(r, TF_US_PER_SEC); /* microseconds */
    return 0;
}

/* one user's trips, appended to g->rows */
static void make_trips(gen *g, uint32_t ui, tf_rng *r)
{
    int64_t mean = g->o->trips_per_user;
    int64_t n = mean <= 1 || tf_rng_below(r, 100) < 3 ? 1 : 2 + (int64_t)tf_rng_below(r, (uint64_t)(2 * mean - 3));
    size_t c = (size_t)tf_rng_below(r, NCITIES);
    double clat = cities[c].lat, clng = cities[c].lng;
    double plat = clat + (tf_rng_unit(r) - 0.5) * 0.2, plng = clng + (tf_rng_unit(r) - 0.5) * 0.3;
    int64_t t = tf_days_from_civil(2025, 1, 1) * TF_US_PER_DAY + (int64_t)tf_rng_below(r, 2 * 86400) * TF_US_PER_SEC;
    grow prev = {0};
    for (int64_t i = 0; i < n; i++) {
        grow w = {.user = ui};
        uint64_t odd = tf_rng_below(r, 1000);
        if (i > 0 && odd < 20) {
            /* same start as the previous trip; half of them the same end too */
            w.start = prev.start;
            w.end = odd < 10 ? prev.end : prev.start + (int64_t)(3 + tf_rng_below(r, 60)) * MIN_US;
        } else {
            w.start = t + fraction(r);
            w.end = w.start + (int64_t)(3 + tf_rng_below(r, 88)) * MIN_US + fraction(r);
        }
        double slat = plat, slng = plng;
        if (tf_rng_below(r, 100) < 8) { /* the phone was off: starts somewhere else */
            slat = clat + (tf_rng_unit(r) - 0.5) * 0.2;
            slng = clng + (tf_rng_unit(r) - 0.5) * 0.3;
        } else { /* GPS noise, tens of metres */
            slat += (tf_rng_unit(r) - 0.5) * 0.0006;
            slng += (tf_rng_unit(r) - 0.5) * 0.0008;
        }
        double elat = clat + (tf_rng_unit(r) - 0.5) * 0.2, elng = clng + (tf_rng_unit(r) - 0.5) * 0.3;
        w.slat = e6(slat, 90);
        w.slng = e6(slng, 180);
        w.elat = e6(elat, 90);
        w.elng = e6(elng, 180);
        plat = elat;
        plng = elng;
        /* the next trip: after a stay of 5 minutes to 14 hours, or (1.5%)
         * before this one ends */
        if (tf_rng_below(r, 1000) < 15) t = w.end - (int64_t)(1 + tf_rng_below(r, 20)) * MIN_US;
        else t = w.end + (int64_t)(5 + tf_rng_below(r, 14 * 60 - 5)) * MIN_US;
        if (t < w.start) t = w.start;
        tf_vec_push(&g->rows, w);
        prev = w;
    }
}

static void put_e6(tf_buf *b, int32_t v)
{
    char num[24];
    if (v < 0) tf_buf_putc(b, '-');
    int64_t a = v < 0 ? -(int64_t)v : v;
    tf_buf_append(b, num, (size_t)tf_format_i64(a / 1000000, num));
    tf_buf_putc(b, '.');
    int64_t f = a % 1000000;
    char d[6];
    for (int i = 5; i >= 0; i--, f /= 10) d[i] = (char)('0' + f % 10);
    tf_buf_append(b, d, 6);
}

static void put_time(tf_buf *b, int64_t us)
{
    char t[32];
    tf_buf_append(b, t, (size_t)tf_format_timestamp(us, TF_TS_AUTO, t));
}

static void put_row(tf_buf *b, const char *id, size_t idlen, const grow *w)
{
    tf_csv_write_field(b, id, idlen, ',');
    tf_buf_putc(b, ',');
    put_time(b, w->start);
    tf_buf_putc(b, ',');
    put_time(b, w->end);
    const int32_t c[4] = {w->slat, w->slng, w->elat, w->elng};
    for (int i = 0; i < 4; i++) {
        tf_buf_putc(b, ',');
        put_e6(b, c[i]);
    }
    tf_buf_putc(b, '\n');
}

/* A malformed copy of a good row (the reasons tripflow gives are listed in
 * docs/staypoints.md): the good row's fields with one of them broken. */
static void put_bad_row(tf_buf *b, const char *id, size_t idlen, const grow *w, tf_rng *r)
{
    grow x = *w;
    uint64_t kind = tf_rng_below(r, 12);
    if (kind == 0) x.end = x.start - 7 * MIN_US; /* ends before it starts */
    if (kind == 2) x.slat = 95500000;            /* latitude out of range */
    if (kind == 3) x.elng = -190250000;          /* longitude out of range */
    tf_buf row = {0};
    put_row(&row, id, idlen, &x);
    row.len--; /* the line end */
    const char *f[8];
    size_t fl[8];
    int nf = 0;
    for (const char *p = row.data, *e = row.data + row.len; nf < 7; nf++) {
        const char *c = memchr(p, ',', (size_t)(e - p));
        f[nf] = p;
        fl[nf] = (size_t)((c ? c : e) - p);
        p = c ? c + 1 : e;
    }
    switch (kind) {
    case 1: f[0] = "", fl[0] = 0; break;                                   /* missing user_id */
    case 4: f[5] = "NaN", fl[5] = 3; break;                                /* end_lat not finite */
    case 5: f[1] = "2025-02-30 10:00:00", fl[1] = 19; break;               /* no such day */
    case 6: f[2] = "", fl[2] = 0; break;                                   /* missing trip_end_time */
    case 7: nf = 6; break;                                                 /* too few fields */
    case 8: f[4] = "12.34.56", fl[4] = 8; break;                           /* not a number */
    case 9: f[7] = "extra", fl[7] = 5, nf = 8; break;                      /* too many fields */
    case 10: f[0] = "u\xff\xfe", fl[0] = 3; break;                         /* not UTF-8 */
    case 11: f[0] = "\"x\"y", fl[0] = 5; break;                            /* text after a closing quote */
    default: break;
    }
    for (int i = 0; i < nf; i++) {
        if (i) tf_buf_putc(b, ',');
        tf_buf_append(b, f[i], fl[i]);
    }
    tf_buf_putc(b, '\n');
    tf_buf_free(&row);
}

/* CSV rows into a tf_outfile */
typedef struct csv_emit {
    tf_outfile out;
} csv_emit;

static int csv_row(void *ud, const char *id, size_t idlen, const sp_gen_row *w, tf_rng *bad)
{
    csv_emit *c = ud;
    if (bad) put_bad_row(&c->out.buf, id, idlen, w, bad);
    else put_row(&c->out.buf, id, idlen, w);
    return TF_OK;
}

int sp_gen_run(const tf_sp_gen_opts *o, sp_gen_emit_fn emit, int (*flush)(void *ud, tf_err *err), void *ud,
               tf_sp_gen_stats *st, tf_err *err)
{
    memset(st, 0, sizeof *st);
    if (o->users < 0) return tf_errf(err, TF_EINVAL, "--users must not be negative");
    if (o->trips_per_user < 1) return tf_errf(err, TF_EINVAL, "--trips-per-user must be at least 1");
    if (!(o->bad >= 0 && o->bad <= 1)) return tf_errf(err, TF_EINVAL, "--bad must be a fraction in [0, 1]");
    gen g = {.o = o};
    tf_rng badr;
    tf_rng_seed(&badr, o->seed, UINT64_C(0xbad));
    int rc = TF_OK;
    for (int64_t base = 0; base < o->users && rc == TF_OK; base += BLOCK_USERS) {
        int64_t nu = o->users - base < BLOCK_USERS ? o->users - base : BLOCK_USERS;
        tf_buf_clear(&g.ids);
        g.id_off.n = g.rows.n = 0;
        for (int64_t i = 0; i < nu; i++) {
            tf_rng r;
            tf_rng_seed(&r, o->seed, (uint64_t)(base + i));
            tf_vec_push(&g.id_off, g.ids.len);
            make_id(&g, base + i, &r);
            make_trips(&g, (uint32_t)i, &r);
        }
        tf_vec_push(&g.id_off, g.ids.len);
        tf_rng sh;
        tf_rng_seed(&sh, o->seed, UINT64_C(1) << 40 | (uint64_t)base);
        for (size_t i = g.rows.n; i > 1; i--) {
            size_t j = (size_t)tf_rng_below(&sh, i);
            grow t = g.rows.v[i - 1];
            g.rows.v[i - 1] = g.rows.v[j];
            g.rows.v[j] = t;
        }
        for (size_t i = 0; i < g.rows.n && rc == TF_OK; i++) {
            const grow *w = &g.rows.v[i];
            const char *id = g.ids.data + g.id_off.v[w->user];
            size_t idlen = g.id_off.v[w->user + 1] - g.id_off.v[w->user];
            if (o->bad > 0 && tf_rng_unit(&badr) < o->bad) {
                rc = emit(ud, id, idlen, w, &badr);
                st->bad_rows++;
            }
            if (!rc) rc = emit(ud, id, idlen, w, NULL);
            if (!rc) rc = flush(ud, err);
        }
        st->users += nu;
        st->trips += (int64_t)g.rows.n;
    }
    tf_buf_free(&g.ids);
    tf_vec_free(&g.id_off);
    tf_vec_free(&g.rows);
    return rc;
}

static int csv_flush(void *ud, tf_err *err) { return tf_outfile_maybe_flush(&((csv_emit *)ud)->out, err); }

int tf_sp_gen_csv(const tf_sp_gen_opts *o, const char *path, tf_sp_gen_stats *st, tf_err *err)
{
    csv_emit c;
    if (tf_outfile_open(&c.out, path, err)) return err->code;
    tf_buf_puts(&c.out.buf, "user_id,trip_start_time,trip_end_time,start_lat,start_lng,end_lat,end_lng\n");
    int rc = sp_gen_run(o, csv_row, csv_flush, &c, st, err);
    if (rc) {
        tf_outfile_abort(&c.out);
        return rc;
    }
    return tf_outfile_commit(&c.out, err);
}
