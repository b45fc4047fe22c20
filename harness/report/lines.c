/* Groups as the lines, axes and styles of a figure: which groups join into
 * one line (they differ only in the columns the x axis spans), in what
 * order, and each line's colour and dash pattern. */
#include "figure.h"

#include <stdlib.h>
#include <string.h>

/* Partitions groups (those with ok runs, or all if !need_ok) into lines:
 * groups whose names, leaving out the `exclude` columns, are equal. Returns
 * the number of lines; line_of[g] = -1 for groups left out. */
int ds_lines_make(const ds_report *r, unsigned exclude, int need_ok, int *line_of,
                  char (*titles)[256], int max)
{
    int n = 0;
    for (int g = 0; g < r->ngroups; g++) {
        line_of[g] = -1;
        if (need_ok && !r->groups[g].ok)
            continue;
        char name[256];
        ds_group_name(r, &r->groups[g], exclude, name, sizeof name);
        int l = 0;
        while (l < n && strcmp(titles[l], name))
            l++;
        if (l == n) {
            if (n == max)
                return -1;
            memcpy(titles[n++], name, sizeof name);
        }
        line_of[g] = l;
    }
    return n;
}

static int cmp_num_str(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    double u = strtod(x, NULL), v = strtod(y, NULL);
    if (u != v)
        return u < v ? -1 : 1;
    return strcmp(x, y);
}

/* Indices of the groups on line l, sorted numerically by key k. */
int ds_line_members(const ds_report *r, const int *line_of, int l, int k, int *out)
{
    int n = 0;
    for (int g = 0; g < r->ngroups; g++)
        if (line_of[g] == l)
            out[n++] = g;
    for (int i = 1; i < n; i++) /* insertion sort: lines are short */
        for (int j = i; j > 0; j--) {
            const char *a = r->groups[out[j - 1]].key[k], *b = r->groups[out[j]].key[k];
            if (cmp_num_str(&a, &b) <= 0)
                break;
            int t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

/* Distinct values of key k among groups with ok runs, sorted numerically. */
int ds_distinct_values(const ds_report *r, int k, const char **vals)
{
    int n = 0;
    for (int g = 0; g < r->ngroups; g++) {
        if (!r->groups[g].ok)
            continue;
        int i = 0;
        while (i < n && strcmp(vals[i], r->groups[g].key[k]))
            i++;
        if (i == n)
            vals[n++] = r->groups[g].key[k];
    }
    /* numbers in numeric order; names (activation, init) as the config
     * listed them */
    int numeric = 1;
    for (int i = 0; i < n && numeric; i++) {
        char *end;
        strtod(vals[i], &end);
        numeric = *vals[i] && !*end;
    }
    if (numeric)
        qsort(vals, (size_t)n, sizeof *vals, cmp_num_str);
    return n;
}

int ds_str_index(const char **vals, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(vals[i], s))
            return i;
    return -1;
}

/* Line styles as gnuplot word lists (lcs, dts): one colour per setting of
 * everything but the activation, one dash pattern per activation, so
 * "sigmoid vs relu" reads as dashed vs solid in the same colour. Indices
 * count over all groups, so a group keeps its colour in every figure. rep[i]
 * is a group on line i; exclude are the columns the figure's x axis spans. */
void ds_line_styles(const ds_report *r, const int *rep, int n, unsigned exclude, char *out,
                    size_t cap)
{
    int G = r->ngroups, split = r->varies[DS_K_ACTIVATION];
    unsigned mask = exclude | (split ? 1u << DS_K_ACTIVATION : 0);
    char(*names)[256] = malloc((size_t)(G > 0 ? G : 1) * sizeof *names);
    int *cidx = malloc((size_t)(G > 0 ? G : 1) * sizeof *cidx);
    int *aidx = malloc((size_t)(G > 0 ? G : 1) * sizeof *aidx);
    out[0] = 0;
    if (!names || !cidx || !aidx)
        goto done;
    /* colour and dash index of every group: distinct values by first appearance */
    for (int g = 0, nc = 0, na = 0; g < G; g++) {
        ds_group_name(r, &r->groups[g], mask, names[g], sizeof names[g]);
        int h = 0;
        while (h < g && strcmp(names[h], names[g]))
            h++;
        cidx[g] = h < g ? cidx[h] : nc++;
        h = 0;
        while (h < g && strcmp(r->groups[h].key[DS_K_ACTIVATION],
                               r->groups[g].key[DS_K_ACTIVATION]))
            h++;
        aidx[g] = !split ? 0 : h < g ? aidx[h] : na++;
    }
    /* Lines that differ only in activation (one figure per init, say): the
     * activation gets the colours, all lines solid. */
    int one_colour = 1;
    for (int i = 1; i < n && one_colour; i++)
        one_colour = cidx[rep[i]] == cidx[rep[0]];
    if (one_colour && split)
        for (int g = 0; g < G; g++) {
            cidx[g] = aidx[g];
            aidx[g] = 0;
        }
    size_t k = (size_t)snprintf(out, cap, "lcs='");
    for (int i = 0; i < n && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%d", i ? " " : "", cidx[rep[i]] % 8 + 1);
    if (k < cap)
        k += (size_t)snprintf(out + k, cap - k, "'; dts='");
    /* past 8 colours the dash pattern changes too */
    for (int i = 0; i < n && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%d", i ? " " : "",
                              aidx[rep[i]] + cidx[rep[i]] / 8 + 1);
    if (k < cap)
        snprintf(out + k, cap - k, "'");
    else
        out[0] = 0; /* too many lines for the list: gnuplot's defaults */
done:
    free(names);
    free(cidx);
    free(aidx);
}

int ds_panels_make(const ds_report *r, const int *sel, int max_lines, ds_panels *p)
{
    memset(p, 0, sizeof *p);
    p->facet = -1;
    int G = r->ngroups, n = 0;
    for (int g = 0; g < G; g++)
        n += sel[g] != 0;
    static const int facets[] = {DS_K_INIT, DS_K_ACTIVATION, DS_K_DROPOUT, DS_K_OPTIMIZER,
                                 DS_K_LR};
    for (size_t i = 0; n > max_lines && p->facet < 0 && i < sizeof facets / sizeof *facets; i++)
        if (r->varies[facets[i]])
            p->facet = facets[i];
    p->vals = malloc((size_t)(G > 0 ? G : 1) * sizeof *p->vals);
    p->order = malloc((size_t)(n > 0 ? n : 1) * sizeof *p->order);
    if (!p->vals || !p->order) {
        ds_panels_free(p);
        return -1;
    }
    p->np = p->facet < 0 ? 0 : ds_distinct_values(r, p->facet, p->vals);
    size_t ks = 0, kc = 0, kp = 0;
    for (int q = 0; q < (p->np ? p->np : 1); q++) {
        int first = p->m;
        for (int g = 0; g < G; g++)
            if (sel[g] && (!p->np || !strcmp(r->groups[g].key[p->facet], p->vals[q])))
                p->order[p->m++] = g;
        if (!p->np)
            break;
        if (ks < sizeof p->starts)
            ks += (size_t)snprintf(p->starts + ks, sizeof p->starts - ks, "%s%d", q ? " " : "",
                                   first);
        if (kc < sizeof p->counts)
            kc += (size_t)snprintf(p->counts + kc, sizeof p->counts - kc, "%s%d", q ? " " : "",
                                   p->m - first);
        char t[300];
        snprintf(t, sizeof t, "%s %s", ds_group_key_cols[p->facet], p->vals[q]);
        for (char *s = t; *s; s++)
            if (*s == '"' || *s == '\'')
                *s = ' ';
        if (kp < sizeof p->pt)
            kp += (size_t)snprintf(p->pt + kp, sizeof p->pt - kp, "%s\"%s\"", q ? " " : "", t);
    }
    return 0;
}

void ds_panels_free(ds_panels *p)
{
    free(p->vals);
    free(p->order);
    p->vals = NULL;
    p->order = NULL;
}

unsigned ds_panels_exclude(const ds_panels *p) { return p->np ? 1u << p->facet : 0; }

const ds_group *ds_panels_block(const ds_report *r, const ds_panels *p, int i, FILE *f,
                                const char *cols)
{
    const ds_group *gr = &r->groups[p->order[i]];
    char name[256];
    ds_group_name(r, gr, ds_panels_exclude(p), name, sizeof name);
    fprintf(f, "\"%s\" %s\n", name, cols);
    return gr;
}
