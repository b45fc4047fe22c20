/* Sweep progress on stderr (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

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

void ds_progress_start(ds_progress *p, int total, int already_done, int quiet)
{
    *p = (ds_progress){0};
    p->total = total;
    p->done = already_done;
    p->quiet = quiet;
    p->tty = isatty(STDERR_FILENO);
    p->t_start = now_s();
}

static void eta(const ds_progress *p, char *out, size_t n)
{
    if (!p->runs_timed) {
        snprintf(out, n, "ETA ?");
        return;
    }
    double per = p->run_seconds / p->runs_timed;
    double left = per * (p->total - p->done) - (p->t_run ? now_s() - p->t_run : 0);
    char d[24];
    fmt_dur(d, sizeof d, left);
    snprintf(out, n, "ETA %s", d);
}

static void draw(ds_progress *p, int epoch)
{
    if (p->quiet || !p->tty)
        return;
    int width = 24, fill = p->total ? width * p->done / p->total : width;
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    char e[48];
    eta(p, e, sizeof e);
    /* \033[K clears what a longer previous line left behind */
    fprintf(stderr, "\r[%s] %d/%d %.48s seed %d epoch %d/%d %s\033[K", bar, p->done, p->total,
            p->group ? p->group : "", p->seed, epoch, p->epochs, e);
    fflush(stderr);
}

void ds_progress_run(ds_progress *p, int index, const char *group, int seed, int epochs)
{
    (void)index;
    p->seed = seed;
    p->group = group;
    p->epochs = epochs;
    p->t_run = now_s();
    draw(p, 0);
}

void ds_progress_epoch(ds_progress *p, int epoch) { draw(p, epoch); }

void ds_progress_run_end(ds_progress *p, const char *id, const char *status, double test_acc,
                         double seconds)
{
    p->done++;
    p->run_seconds += seconds;
    p->runs_timed++;
    p->t_run = 0;
    if (p->quiet)
        return;
    if (p->tty) {
        draw(p, p->epochs);
        return;
    }
    char e[48];
    eta(p, e, sizeof e);
    fprintf(stderr, "[%d/%d] %s %s %s test_acc %.4f %.2fs %s\n", p->done, p->total, id,
            p->group ? p->group : "", status, test_acc, seconds, e);
}

void ds_progress_finish(ds_progress *p)
{
    if (!p->quiet && p->tty)
        fprintf(stderr, "\n");
}
