/* Sweep progress on stderr (see progress.h). */
#include "progress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double monotonic(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now(const ds_progress *p) { return p->o.clock(p->o.clock_ctx); }

static void fmt_dur(char *out, size_t n, double s)
{
    if (s < 0)
        s = 0;
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(out, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(out, n, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(out, n, "%lds", t);
}

int ds_progress_term_width(int fd)
{
    struct winsize ws;
    if (fd >= 0 && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *c = getenv("COLUMNS");
    char *end;
    long w = c ? strtol(c, &end, 10) : 0;
    return c && *c && !*end && w > 0 && w < 100000 ? (int)w : 80;
}

int ds_progress_start(ds_progress *p, int n, const double *cost, const unsigned char *finished,
                      const ds_progress_opts *o)
{
    memset(p, 0, sizeof *p);
    p->o = *o;
    if (p->o.jobs < 1)
        p->o.jobs = 1;
    if (!p->o.out)
        p->o.out = stderr;
    if (!p->o.clock)
        p->o.clock = monotonic;
    p->tty = p->o.tty ? p->o.tty > 0 : isatty(fileno(p->o.out));
    p->n = n;
    p->cost = cost;
    p->state = calloc((size_t)n + 1, 1);
    p->slot = calloc((size_t)p->o.jobs, sizeof *p->slot);
    if (!p->state || !p->slot) {
        free(p->state);
        free(p->slot);
        p->state = NULL;
        p->slot = NULL;
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (finished && finished[i]) {
            p->state[i] = 2;
            p->done++;
        }
    for (int k = 0; k < p->o.jobs; k++)
        p->slot[k].run = -1;
    p->t_start = now(p);
    p->t_drawn = -INFINITY;
    return 0;
}

/* ---- the ETA --------------------------------------------------------------- */

/* Seconds per unit of cost from the running runs' logged epochs (before
 * any run ends), or 0 when none is logged. */
static double epoch_rate(const ds_progress *p, double t)
{
    double s = 0, c = 0;
    for (int k = 0; k < p->o.jobs; k++) {
        const ds_progress_slot *sl = &p->slot[k];
        if (sl->run >= 0 && sl->epoch > 0 && sl->epochs > 0) {
            s += t - sl->t0;
            c += p->cost[sl->run] * sl->epoch / sl->epochs;
        }
    }
    return c > 0 ? s / c : 0;
}

/* When the last slot frees if a run of cost c takes a + b c seconds
 * (free_at: jobs doubles of scratch). */
static double lay_out(const ds_progress *p, double t, double a, double b, double *free_at)
{
    int jobs = p->o.jobs;
    for (int k = 0; k < jobs; k++) {
        const ds_progress_slot *sl = &p->slot[k];
        double left = sl->run >= 0 ? a + b * p->cost[sl->run] - (t - sl->t0) : 0;
        free_at[k] = left > 0 ? left : 0;
    }
    for (int i = 0; i < p->n; i++) {
        if (p->state[i])
            continue;
        int first = 0;
        for (int k = 1; k < jobs; k++)
            if (free_at[k] < free_at[first])
                first = k;
        free_at[first] += a + b * p->cost[i];
    }
    double end = 0;
    for (int k = 0; k < jobs; k++)
        if (free_at[k] > end)
            end = free_at[k];
    return end;
}

int ds_progress_eta(const ds_progress *p, double *lo, double *hi)
{
    double t = now(p), a, b, b_hi;
    int fit = ds_linfit_nonneg(&p->fit, &a, &b, &b_hi);
    if (fit < 0) { /* no run ended yet */
        a = 0;
        b = b_hi = epoch_rate(p, t);
        if (b <= 0)
            return -1;
    }
    double *free_at = malloc((size_t)p->o.jobs * sizeof *free_at);
    if (!free_at)
        return -1;
    *lo = *hi = lay_out(p, t, a, b, free_at);
    if (b_hi != b) { /* one cost so far: the line through its point with the other slope */
        double e = lay_out(p, t, fmax(0, p->fit.my - b_hi * p->fit.mx), b_hi, free_at);
        *lo = fmin(*lo, e);
        *hi = fmax(*hi, e);
    }
    free(free_at);
    return 0;
}

static void eta_text(const ds_progress *p, char *out, size_t n)
{
    double lo, hi;
    char d[24], d2[24];
    if (ds_progress_eta(p, &lo, &hi)) {
        snprintf(out, n, "ETA ?");
        return;
    }
    fmt_dur(d, sizeof d, lo);
    fmt_dur(d2, sizeof d2, hi);
    if (!strcmp(d, d2))
        snprintf(out, n, "ETA %s", d);
    else
        snprintf(out, n, "ETA %s-%s", d, d2);
}

/* ---- the terminal line ------------------------------------------------------- */

/* Columns of a UTF-8 string (one per code point). */
static int cols(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Byte length of the first `c` code points of s. */
static size_t bytes_of(const char *s, int c)
{
    size_t i = 0;
    for (; s[i] && c >= 0; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && c-- == 0)
            break;
    return i;
}

/* One part of the line: `must` (shown whole or not at all), then `more`
 * (a group name: shortened with "..." when space is short). */
typedef struct {
    char must[320];
    const char *more;
    int give; /* columns of `more` shown */
} part;

static void append(char *buf, size_t n, size_t *len, const char *s, size_t sl)
{
    if (*len + 1 >= n)
        return;
    if (*len + sl >= n)
        sl = n - 1 - *len;
    memcpy(buf + *len, s, sl);
    *len += sl;
    buf[*len] = 0;
}

void ds_progress_line(const ds_progress *p, char *buf, size_t n, int width)
{
    char el[24], et[64];
    fmt_dur(el, sizeof el, now(p) - p->t_start);
    eta_text(p, et, sizeof et);
    char head[160];
    snprintf(head, sizeof head, "%d/%d %s, %s", p->done, p->n, el, et);

    part parts[1 + 64];
    int np = 0;
    if (p->last[0])
        parts[np++] = (part){.more = p->last_group};
    if (p->last[0])
        snprintf(parts[0].must, sizeof parts[0].must, " | last: %s", p->last);
    for (int k = 0; k < p->o.jobs && np < (int)(sizeof parts / sizeof *parts); k++) {
        const ds_progress_slot *sl = &p->slot[k];
        if (sl->run < 0)
            continue;
        part *q = &parts[np++];
        snprintf(q->must, sizeof q->must, " | seed %lld epoch %d/%d", sl->seed, sl->epoch,
                 sl->epochs);
        q->more = sl->group ? sl->group : "";
        q->give = 0;
    }
    int room = width - 1 - cols(head);
    /* what must show, in order, while it fits; then group names */
    int shown[65] = {0};
    for (int i = 0; i < np; i++)
        if (cols(parts[i].must) <= room) {
            shown[i] = 1;
            room -= cols(parts[i].must);
        }
    for (int i = 0; i < np; i++) {
        if (!shown[i] || !parts[i].more[0] || room < 5)
            continue;
        int want = 1 + cols(parts[i].more);
        parts[i].give = want <= room ? want : room;
        room -= parts[i].give;
    }
    /* a bar with what is left over */
    char bar[32] = "";
    if (room >= 12) {
        int w = room - 3 > 20 ? 20 : room - 3, fill = p->n ? w * p->done / p->n : w;
        bar[0] = '[';
        for (int i = 0; i < w; i++)
            bar[1 + i] = i < fill ? '#' : '.';
        bar[1 + w] = ']';
        bar[2 + w] = ' ';
        bar[3 + w] = 0;
    }
    size_t len = 0;
    buf[0] = 0;
    append(buf, n, &len, bar, strlen(bar));
    /* the head alone may be too wide for a tiny terminal: cut it */
    int hroom = width - 1 - cols(bar);
    append(buf, n, &len, head, bytes_of(head, hroom > 0 ? hroom : 0));
    for (int i = 0; i < np; i++) {
        if (!shown[i])
            continue;
        append(buf, n, &len, parts[i].must, strlen(parts[i].must));
        int g = parts[i].give;
        if (g <= 0)
            continue;
        append(buf, n, &len, " ", 1);
        const char *m = parts[i].more;
        if (g - 1 >= cols(m))
            append(buf, n, &len, m, strlen(m));
        else {
            append(buf, n, &len, m, bytes_of(m, g - 4));
            append(buf, n, &len, "...", 3);
        }
    }
}

static void draw(ds_progress *p, int force)
{
    if (p->o.quiet || !p->tty)
        return;
    double t = now(p);
    if (!force && t - p->t_drawn < 0.1)
        return; /* at most 10 redraws a second */
    p->t_drawn = t;
    int w = p->o.width ? p->o.width : ds_progress_term_width(fileno(p->o.out));
    char line[4096];
    ds_progress_line(p, line, sizeof line, w);
    /* \033[K clears what a longer previous line left behind */
    fprintf(p->o.out, "\r%s\033[K", line);
    fflush(p->o.out);
}

/* ---- events ------------------------------------------------------------------ */

void ds_progress_run(ds_progress *p, int slot, int run, const char *group, long long seed,
                     int epochs)
{
    ds_progress_slot *sl = &p->slot[slot];
    *sl = (ds_progress_slot){.run = run, .group = group, .seed = seed, .epochs = epochs,
                             .t0 = now(p)};
    p->state[run] = 1;
    draw(p, 0);
}

void ds_progress_epoch(ds_progress *p, int slot, int epoch)
{
    p->slot[slot].epoch = epoch;
    draw(p, 0);
}

void ds_progress_run_abandoned(ds_progress *p, int slot)
{
    ds_progress_slot *sl = &p->slot[slot];
    if (sl->run >= 0)
        p->state[sl->run] = 0;
    sl->run = -1;
}

void ds_progress_run_end(ds_progress *p, int slot, const char *id, const char *status,
                         const char *metric_name, double metric, double seconds)
{
    ds_progress_slot *sl = &p->slot[slot];
    double t = now(p);
    if (sl->run >= 0) {
        p->state[sl->run] = 2;
        ds_linfit_add(&p->fit, p->cost[sl->run], t - sl->t0);
    }
    p->done++;
    char m[64] = "";
    if (!isnan(metric))
        snprintf(m, sizeof m, ", %s %.4f", metric_name, metric);
    snprintf(p->last, sizeof p->last, "seed %lld %s%s", sl->seed, status, m);
    p->last_group = sl->group ? sl->group : "";
    const char *group = p->last_group;
    long long seed = sl->seed;
    sl->run = -1;
    if (p->o.quiet)
        return;
    if (p->tty) {
        draw(p, 1);
        return;
    }
    char el[24], et[64], secs[24];
    fmt_dur(el, sizeof el, t - p->t_start);
    eta_text(p, et, sizeof et);
    if (seconds < 60)
        snprintf(secs, sizeof secs, "%.2fs", seconds);
    else
        fmt_dur(secs, sizeof secs, seconds);
    /* one fprintf: a whole line even beside other writers */
    fprintf(p->o.out, "[%d/%d] %s %s seed %lld: %s%s, %s; elapsed %s, %s\n", p->done, p->n, id,
            group, seed, status, m, secs, el, et);
    fflush(p->o.out);
}

void ds_progress_finish(ds_progress *p)
{
    if (!p->o.quiet && p->tty && p->state) {
        draw(p, 1);
        fprintf(p->o.out, "\n");
        fflush(p->o.out);
    }
    free(p->state);
    free(p->slot);
    p->state = NULL;
    p->slot = NULL;
}
