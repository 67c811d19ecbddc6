/* harness.h — the unit-test harness: TF_TEST(name) registers a test; CHECK
 * macros record failures with file and line and keep going. */
#ifndef TF_HARNESS_H
#define TF_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void tf_test_register(const char *name, void (*fn)(void), const char *file);
void tf_test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* path under ../shared/data, or NULL (and a skip message) when absent */
const char *tf_test_shared(const char *rel);
/* a fresh empty temporary directory for this test (removed at exit) */
const char *tf_test_tmpdir(void);

#define TF_TEST(name)                                                                              \
    static void name(void);                                                                        \
    __attribute__((constructor)) static void reg_##name(void) { tf_test_register(#name, name, __FILE__); } \
    static void name(void)

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) tf_test_fail(__FILE__, __LINE__, "CHECK(%s)", #c);                               \
    } while (0)
#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) tf_test_fail(__FILE__, __LINE__, "%s == %lld, expected %lld", #a, a_, b_);   \
    } while (0)
#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_))                                                          \
            tf_test_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a, a_ ? a_ : "(null)", \
                         b_ ? b_ : "(null)");                                                      \
    } while (0)
#define CHECK_DBL(a, b)                                                                            \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (a_ != b_) tf_test_fail(__FILE__, __LINE__, "%s == %.17g, expected %.17g", #a, a_, b_); \
    } while (0)

#endif
