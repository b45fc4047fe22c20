/* Drawing a figure: the data file under plot-data/, then gnuplot on
 * plots/<script>.gp into a temporary PNG renamed into place, so a PNG
 * appears whole or not at all. gnuplot runs as a child process with its
 * variables passed by -e. */
#include "figure.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void ds_dat_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, " %.6g", v);
    else
        fprintf(f, " NaN");
}

/* Runs argv with stdin from /dev/null (and stdout/stderr too if silent);
 * returns the exit status, 127 if the program could not be started. */
static int run_prog(char *const argv[], int silent)
{
    pid_t pid = fork();
    if (pid < 0)
        return 127;
    if (pid == 0) {
        int dn = open("/dev/null", O_RDWR);
        if (dn >= 0) {
            dup2(dn, 0);
            if (silent) {
                dup2(dn, 1);
                dup2(dn, 2);
            } else {
                dup2(2, 1); /* gnuplot's chatter is diagnostics, not results */
            }
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return 127;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* gnuplot single-quoted string: a quote is written twice. */
void ds_gp_quote(char *out, size_t n, const char *s)
{
    size_t k = 0;
    if (k < n)
        out[k++] = '\'';
    for (; *s && k + 3 < n; s++) {
        if (*s == '\'')
            out[k++] = '\'';
        out[k++] = *s;
    }
    out[k++] = '\'';
    out[k] = 0;
}

/* The formats plot writes: name (the file extension), the gnuplot
 * terminals to try in order, and the size unit the scripts multiply their
 * pixel sizes by (pdfcairo measures in inches: 72 "pixels" an inch). */
static const struct {
    const char *ext, *terms[2], *unit;
} formats[DS_N_FORMATS] = {
    /* pngcairo draws antialiased text; Debian's gnuplot-nox has it, but a
     * build without cairo still has libgd's png */
    {"png", {"pngcairo", "png truecolor"}, "1"},
    {"svg", {"svg", NULL}, "1"},
    {"pdf", {"pdfcairo", NULL}, "1.0/72"},
};

int ds_report_parse_formats(const char *s, unsigned *out)
{
    *out = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        int i = 0;
        while (i < DS_N_FORMATS && (strlen(formats[i].ext) != n || strncmp(s, formats[i].ext, n)))
            i++;
        if (i == DS_N_FORMATS)
            return -1;
        *out |= 1u << i;
        s += n + (s[n] == ',');
    }
    return *out ? 0 : -1;
}

void ds_gnuplot_probe(ds_report_writer *w)
{
    w->have_gnuplot = 0;
    if (!w->gnuplot)
        return;
    if (!w->formats)
        w->formats = 1u << DS_FORMAT_PNG;
    for (int f = 0; f < DS_N_FORMATS; f++) {
        w->term[f][0] = 0;
        for (int i = 0; i < 2 && formats[f].terms[i] && (w->formats >> f & 1); i++) {
            char cmd[64];
            snprintf(cmd, sizeof cmd, "set terminal %s", formats[f].terms[i]);
            char *argv[] = {(char *)w->gnuplot, "-e", cmd, NULL};
            int st = run_prog(argv, 1);
            if (st == 127)
                return; /* no gnuplot at all */
            if (st == 0) {
                snprintf(w->term[f], sizeof w->term[f], "%s", formats[f].terms[i]);
                w->have_gnuplot = 1;
                break;
            }
        }
    }
}

void ds_fig_file(const ds_report_writer *w, const ds_figure *fig, int format, char *out, size_t n)
{
    (void)w;
    snprintf(out, n, "%.*s.%s", (int)strlen(fig->png) - 4, fig->png, formats[format].ext);
}

int ds_fig_wrote(const ds_report_writer *w, const ds_figure *fig, const char *name)
{
    for (int f = 0; f < DS_N_FORMATS; f++) {
        char file[128];
        ds_fig_file(w, fig, f, file, sizeof file);
        if ((w->formats >> f & 1) && !strcmp(file, name))
            return 1;
    }
    return 0;
}

int ds_fig_main_format(const ds_report_writer *w)
{
    for (int f = 0; f < DS_N_FORMATS; f++)
        if (w->formats >> f & 1)
            return f;
    return DS_FORMAT_PNG;
}

ds_figure *ds_fig_new(ds_report_writer *w, const char *png)
{
    if (w->nfigs == DS_MAX_FIGS) {
        w->dropped++;
        return NULL;
    }
    ds_figure *f = &w->figs[w->nfigs++];
    memset(f, 0, sizeof *f);
    snprintf(f->png, sizeof f->png, "%s", png);
    return f;
}

FILE *ds_fig_data_open(ds_report_writer *w, const char *name, char *path, size_t n)
{
    snprintf(path, n, "%s/plot-data/%s", w->outdir, name);
    FILE *f = fopen(path, "w");
    if (f)
        fprintf(f, "# written by deepsweep plot from %s\n", w->r->dir);
    return f;
}

/* 1 if the file at path ends as a whole file of format ext does (a PNG's
 * IEND chunk, a PDF's %%EOF, an SVG's </svg>) and is on disk (fsync'd). */
static int output_whole(const char *path, const char *ext)
{
    static const unsigned char iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
    char tail[64];
    int fd = open(path, O_RDONLY | O_CLOEXEC), ok = 0;
    if (fd < 0)
        return 0;
    off_t end = lseek(fd, 0, SEEK_END);
    size_t n = end < (off_t)sizeof tail ? (size_t)(end > 0 ? end : 0) : sizeof tail;
    if (n && pread(fd, tail, n, end - (off_t)n) == (ssize_t)n) {
        while (n && (tail[n - 1] == '\n' || tail[n - 1] == '\r' || tail[n - 1] == ' '))
            n--; /* text formats may end with a line end */
        if (!strcmp(ext, "png"))
            ok = n >= sizeof iend && !memcmp(tail + n - sizeof iend, iend, sizeof iend);
        else if (!strcmp(ext, "pdf"))
            ok = n >= 5 && !memcmp(tail + n - 5, "%%EOF", 5);
        else if (!strcmp(ext, "svg"))
            ok = n >= 6 && !memcmp(tail + n - 6, "</svg>", 6);
        else
            ok = 1;
    }
    ok = ok && fsync(fd) == 0;
    close(fd);
    return ok;
}

/* One format of fig: gnuplot into a temporary file renamed into place, so
 * the file appears whole or not at all. 0 when drawn; -2 when gnuplot's
 * output was cut short (a full disk: an earlier file stays); -1 else. */
static int draw_format(ds_report_writer *w, const ds_figure *fig, int format,
                       const char *script, const char *data, const char *vars)
{
    char file[128];
    ds_fig_file(w, fig, format, file, sizeof file);
    if (!w->term[format][0]) {
        fprintf(stderr, "deepsweep: plot: gnuplot has no %s terminal (%s); %s not drawn\n",
                formats[format].ext, formats[format].terms[0], file);
        return -1;
    }
    char gp[4096], tmp[4096], fin[4096], qd[4200], qt[4200], title[300], qtitle[700], e[13500];
    char sty[4096], qst[8200];
    snprintf(gp, sizeof gp, "%s/%s.gp", w->plots_dir, script);
    snprintf(sty, sizeof sty, "%s/style.gp", w->plots_dir);
    ds_gp_quote(qst, sizeof qst, sty);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", w->outdir, file);
    snprintf(fin, sizeof fin, "%s/%s", w->outdir, file);
    snprintf(title, sizeof title, "%s", ds_report_basename(w->r));
    ds_gp_quote(qd, sizeof qd, data);
    ds_gp_quote(qt, sizeof qt, tmp);
    ds_gp_quote(qtitle, sizeof qtitle, title);
    if (snprintf(e, sizeof e, "term='%s'; u=%s; data=%s; out=%s; sweep=%s; style=%s; %s",
                 w->term[format], formats[format].unit, qd, qt, qtitle, qst,
                 vars) >= (int)sizeof e) {
        fprintf(stderr, "deepsweep: plot: %s: path too long; %s not drawn\n", w->outdir, file);
        return -1;
    }
    char *argv[] = {(char *)w->gnuplot, "-e", e, gp, NULL};
    int st = run_prog(argv, 0);
    /* gnuplot exits 0 when it could not write all of its output (a full
     * disk): only a whole file, on disk, replaces the earlier one */
    int whole = st == 0 && output_whole(tmp, formats[format].ext);
    if (whole && rename(tmp, fin) == 0) {
        if (!w->quiet)
            fprintf(stderr, "deepsweep: plot: wrote %s\n", fin);
        return 0;
    }
    unlink(tmp);
    if (st == 0 && !whole) {
        fprintf(stderr, "deepsweep: plot: %s: gnuplot's output is incomplete (is the disk full?); "
                        "%s not drawn, an earlier one is kept\n", tmp, file);
        return -2;
    }
    fprintf(stderr, "deepsweep: plot: gnuplot failed on %s (exit %d); %s not drawn\n", gp, st,
            file);
    return -1;
}

/* Draws fig in every format asked for with plots/<script>.gp over data file
 * `data`; vars are extra gnuplot assignments ("n=3; xt='1 2'"). */
void ds_fig_draw(ds_report_writer *w, ds_figure *fig, const char *script, const char *data,
                 const char *vars, FILE *datf)
{
    if (!datf || fclose(datf) != 0) {
        fig->drawn = -1;
        snprintf(fig->what + strlen(fig->what), sizeof fig->what - strlen(fig->what),
                 " (not drawn: its data file could not be written)");
        w->failures++;
        return;
    }
    if (!w->have_gnuplot) {
        fig->drawn = -1;
        w->failures++;
        return;
    }
    int failed = 0, cut = 0;
    for (int f = 0; f < DS_N_FORMATS; f++)
        if (w->formats >> f & 1) {
            int r = draw_format(w, fig, f, script, data, vars);
            failed |= r != 0;
            cut |= r == -2;
        }
    fig->drawn = !failed ? 1 : cut ? -2 : -1;
    w->failures += failed;
}

/* plots/ next to the build folder of this binary (build/deepsweep,
 * build/san/deepsweep, ...): up to three levels up. */
int ds_report_find_plots(char *out, size_t n)
{
    const char *env = getenv("DEEPSWEEP_PLOTS");
    if (env && *env) {
        snprintf(out, n, "%s", env);
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = 0;
        for (int up = 0; up < 4; up++) {
            char *slash = strrchr(exe, '/');
            if (!slash)
                break;
            *slash = 0;
            if (snprintf(out, n, "%s/plots/accuracy.gp", exe) < (int)n &&
                access(out, R_OK) == 0 && snprintf(out, n, "%s/plots", exe) < (int)n)
                return 0;
        }
    }
    snprintf(out, n, "plots");
    return access("plots/accuracy.gp", R_OK);
}
