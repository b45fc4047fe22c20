/* A minimal stand-in for <criterion/criterion.h>, used ONLY for the aarch64
 * kernel tests run under qemu-aarch64 (make test-neon): the same test files
 * as the native build, compiled against this header (-Itests/qemu) and
 * linked with tests/qemu/crm_main.c, the driver.
 *
 * Why not the real Criterion there: Debian's libcriterion-dev:arm64 cannot
 * be installed beside the native libcriterion-dev (its dependency
 * libnanomsg-dev is not Multi-Arch: same, so apt removes the amd64
 * Criterion the native `make test` needs), and there is no cross package.
 *
 * Covers exactly what the kernel tests use: Test/TestSuite with .init,
 * .fini, .timeout, .signal, .disabled; cr_assert/cr_expect (+ _eq,
 * _not_null, _str_eq, _str_empty, _fail), cr_log_info, cr_skip_test. Each
 * test runs in a forked process, like Criterion's sandbox: a crash, a
 * timeout or an aborting assertion ends that test only. */
#ifndef DS_MINI_CRITERION_H
#define DS_MINI_CRITERION_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct crm_suite {
    const char *name;
    void (*init)(void);
    void (*fini)(void);
    double timeout;
    int signal;
    int disabled;
};

struct crm_test {
    const char *suite, *name;
    void (*fn)(void);
    void (*init)(void);
    void (*fini)(void);
    double timeout;
    int signal;
    int disabled;
};

void crm_register_test(struct crm_test *t);
void crm_register_suite(struct crm_suite *s);
/* records a failed assertion (file, line, expression, printf message) */
/* no format attribute: an absent message is the empty literal "" */
void crm_fail(const char *file, int line, const char *expr, const char *fmt, ...);
_Noreturn void crm_abort_test(void);
_Noreturn void crm_skip(const char *fmt, ...);
void crm_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define CRM_ID(a, b, c) crm_##a##_##b##_##c

#define TestSuite(sname, ...)                                                  \
    static struct crm_suite CRM_ID(s, sname, _) = {.name = #sname, __VA_ARGS__}; \
    __attribute__((constructor)) static void CRM_ID(rs, sname, _)(void)        \
    {                                                                          \
        crm_register_suite(&CRM_ID(s, sname, _));                              \
    }

#define Test(sname, tname, ...)                                                \
    static void CRM_ID(f, sname, tname)(void);                                 \
    static struct crm_test CRM_ID(t, sname, tname) = {                         \
        .suite = #sname, .name = #tname, .fn = CRM_ID(f, sname, tname),        \
        __VA_ARGS__};                                                          \
    __attribute__((constructor)) static void CRM_ID(r, sname, tname)(void)     \
    {                                                                          \
        crm_register_test(&CRM_ID(t, sname, tname));                           \
    }                                                                          \
    static void CRM_ID(f, sname, tname)(void)

/* the message arguments are optional: "" glues onto a literal format */
#define cr_expect(cond, ...)                                                   \
    do {                                                                       \
        if (!(cond))                                                           \
            crm_fail(__FILE__, __LINE__, #cond, "" __VA_ARGS__);               \
    } while (0)
#define cr_assert(cond, ...)                                                   \
    do {                                                                       \
        if (!(cond)) {                                                         \
            crm_fail(__FILE__, __LINE__, #cond, "" __VA_ARGS__);               \
            crm_abort_test();                                                  \
        }                                                                      \
    } while (0)
#define cr_expect_eq(a, b, ...) cr_expect((a) == (b), __VA_ARGS__)
#define cr_assert_eq(a, b, ...) cr_assert((a) == (b), __VA_ARGS__)
#define cr_assert_not_null(p, ...) cr_assert((p) != NULL, __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) cr_assert(strcmp((a), (b)) == 0, __VA_ARGS__)
#define cr_assert_str_empty(s, ...) cr_assert((s)[0] == '\0', __VA_ARGS__)
#define cr_expect_fail(...) crm_fail(__FILE__, __LINE__, "fail", "" __VA_ARGS__)
#define cr_assert_fail(...)                                                    \
    do {                                                                       \
        crm_fail(__FILE__, __LINE__, "fail", "" __VA_ARGS__);                  \
        crm_abort_test();                                                      \
    } while (0)
#define cr_log_info(...) crm_log(__VA_ARGS__)
#define cr_skip_test(...) crm_skip("" __VA_ARGS__)

#endif
