/* The YAML layer over libyaml's document API (see yamldoc.h). */
#include "yamldoc.h"

#include "err.h"
#include "files.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ds_err_at(char *err, size_t errlen, ds_pos p, const char *fmt, ...)
{
    /* the position, then the message formatted in place: the whole message
     * fits the caller's buffer, or its end shows the cut (err.h) */
    size_t k = 0;
    if (p.src && p.line > 0)
        ds_errf(err, errlen, 2, "%s:%d:%d: ", p.src, p.line, p.col);
    else if (p.src)
        ds_errf(err, errlen, 2, "%s: ", p.src);
    else if (errlen)
        err[0] = 0;
    k = errlen ? strlen(err) : 0;
    if (k + 1 < errlen) {
        va_list ap;
        va_start(ap, fmt);
        ds_verrf(err + k, errlen - k, fmt, ap);
        va_end(ap);
    }
    return 2;
}

static int syntax_error(const yaml_parser_t *parser, const char *path, char *err, size_t errlen)
{
    ds_pos p = {path, (int)parser->problem_mark.line + 1, (int)parser->problem_mark.column + 1};
    return ds_err_at(err, errlen, p, "YAML syntax error: %s%s%s",
                     parser->problem ? parser->problem : "malformed", parser->context ? " " : "",
                     parser->context ? parser->context : "");
}

/* After the first document: the end of the stream, or an error. A second
 * document would otherwise be ignored, whatever it holds. */
static int no_second_document(yaml_parser_t *parser, const char *path, char *err, size_t errlen)
{
    yaml_document_t next;
    if (!yaml_parser_load(parser, &next))
        return syntax_error(parser, path, err, errlen);
    int more = yaml_document_get_root_node(&next) != NULL;
    ds_pos p = {path, (int)next.start_mark.line + 1, (int)next.start_mark.column + 1};
    yaml_document_delete(&next);
    if (more)
        return ds_err_at(err, errlen, p, "a second YAML document starts here (one document per file)");
    return 0;
}

/* The file's bytes (a regular file: files.h), at most DS_YAML_MAX_BYTES of
 * them: a larger file is refused, never read further. The buffer starts at
 * the file's size and grows only if the file does while it is read. */
static int read_text(const char *path, unsigned char **text, size_t *len, char *err,
                     size_t errlen)
{
    int fd;
    off_t size = 0;
    int r = ds_open_input(path, NULL, &fd, &size, err, errlen);
    if (r)
        return r;
    const size_t limit = (size_t)DS_YAML_MAX_BYTES;
    size_t cap = size > (off_t)limit ? limit + 1 : (size_t)size + 1, n = 0;
    unsigned char *b = malloc(cap);
    int e = 0;
    while (b && n <= limit) {
        if (n == cap) {
            size_t nc = cap * 2 > limit + 1 ? limit + 1 : cap * 2;
            unsigned char *nb = realloc(b, nc);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap = nc;
        }
        ssize_t got = read(fd, b + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            e = errno;
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    if (!b) {
        snprintf(err, errlen, "%s: out of memory", path);
        return 1;
    }
    if (e) {
        free(b);
        return ds_err_at(err, errlen, (ds_pos){path, 0, 0}, "cannot read: %s", strerror(e));
    }
    if (n > limit) {
        free(b);
        return ds_err_at(err, errlen, (ds_pos){path, 0, 0},
                         "larger than %d bytes, the limit of a YAML file deepsweep reads",
                         DS_YAML_MAX_BYTES);
    }
    *text = b;
    *len = n;
    return 0;
}

/* The document's size with every alias expanded (see yamldoc.h), by one
 * depth-first walk over the node graph that visits each node once (sizes
 * memoised, so a DAG of aliases costs its node count, not its expansion);
 * an alias to a node still open is a cycle. Iterative: nesting depth is
 * bounded by the file size only. */
static int check_expansion(ds_yaml *y, char *err, size_t errlen)
{
    yaml_node_t *first = y->doc.nodes.start;
    int n = (int)(y->doc.nodes.top - first);
    if (!n)
        return 0;
    const size_t cap = (size_t)DS_YAML_MAX_EXPANDED + 1;
    size_t *size = calloc((size_t)n, sizeof *size);
    unsigned char *state = calloc((size_t)n, 1); /* 0 new, 1 open, 2 done */
    int *stack = malloc((size_t)n * sizeof *stack), *next = calloc((size_t)n, sizeof *next);
    int r = 0;
    if (!size || !state || !stack || !next) {
        snprintf(err, errlen, "%s: out of memory", y->path);
        r = 1;
        goto out;
    }
    int top = 0;
    stack[top++] = 0; /* the root is node 1, index 0 */
    state[0] = 1;
    while (top && !r) {
        int i = stack[top - 1];
        yaml_node_t *nd = first + i;
        int child = 0; /* node id of the next child to visit, 0 = none left */
        if (nd->type == YAML_SCALAR_NODE) {
            size[i] = nd->data.scalar.length + 1;
        } else if (nd->type == YAML_SEQUENCE_NODE) {
            int len = (int)(nd->data.sequence.items.top - nd->data.sequence.items.start);
            if (next[i] < len)
                child = nd->data.sequence.items.start[next[i]++];
        } else if (nd->type == YAML_MAPPING_NODE) {
            int len = (int)(nd->data.mapping.pairs.top - nd->data.mapping.pairs.start);
            if (next[i] < 2 * len) {
                yaml_node_pair_t *pr = nd->data.mapping.pairs.start + next[i] / 2;
                child = next[i] % 2 ? pr->value : pr->key;
                next[i]++;
            }
        }
        if (child) {
            int c = child - 1;
            if (state[c] == 1)
                r = ds_err_at(err, errlen, ds_yaml_pos(y, first + c),
                              "this node refers to itself through an alias (a node cannot contain itself)");
            else if (state[c] == 0) {
                state[c] = 1;
                stack[top++] = c;
            } else {
                size[i] += size[c];
                if (size[i] > cap)
                    size[i] = cap;
            }
            continue;
        }
        /* done: add one byte for the node itself, then to its parent */
        size[i] += 1;
        if (size[i] > cap)
            size[i] = cap;
        state[i] = 2;
        top--;
        if (top) {
            int parent = stack[top - 1];
            size[parent] += size[i];
            if (size[parent] > cap)
                size[parent] = cap;
        }
    }
    if (!r && size[0] > (size_t)DS_YAML_MAX_EXPANDED)
        r = ds_err_at(err, errlen, (ds_pos){y->path, 0, 0},
                      "aliases expand the document to more than %d bytes (at most %d: each alias counts the whole node it names)",
                      DS_YAML_MAX_EXPANDED, DS_YAML_MAX_EXPANDED);
out:
    free(size);
    free(state);
    free(stack);
    free(next);
    return r;
}

int ds_yaml_load(ds_yaml *y, const char *path, char *err, size_t errlen)
{
    memset(y, 0, sizeof *y);
    y->path = path;
    unsigned char *text = NULL;
    size_t len = 0;
    int r = read_text(path, &text, &len, err, errlen);
    if (r)
        return r;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        free(text);
        snprintf(err, errlen, "%s: out of memory", path);
        return 1;
    }
    yaml_parser_set_input_string(&parser, text, len);
    if (yaml_parser_load(&parser, &y->doc)) {
        y->loaded = 1;
        r = no_second_document(&parser, path, err, errlen);
    } else {
        r = syntax_error(&parser, path, err, errlen);
    }
    yaml_parser_delete(&parser);
    free(text);
    if (!r && y->loaded)
        r = check_expansion(y, err, errlen);
    return r;
}

void ds_yaml_free(ds_yaml *y)
{
    if (y->loaded)
        yaml_document_delete(&y->doc);
    y->loaded = 0;
}

yaml_node_t *ds_yaml_root(ds_yaml *y) { return y->loaded ? yaml_document_get_root_node(&y->doc) : NULL; }

yaml_node_t *ds_yaml_node(ds_yaml *y, int id) { return yaml_document_get_node(&y->doc, id); }

ds_pos ds_yaml_pos(const ds_yaml *y, const yaml_node_t *n)
{
    return (ds_pos){y->path, (int)n->start_mark.line + 1, (int)n->start_mark.column + 1};
}

const char *ds_yaml_scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

int ds_yaml_len(const yaml_node_t *n)
{
    if (n->type == YAML_MAPPING_NODE)
        return (int)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (n->type == YAML_SEQUENCE_NODE)
        return (int)(n->data.sequence.items.top - n->data.sequence.items.start);
    return 0;
}

yaml_node_pair_t *ds_yaml_pair(yaml_node_t *map, int i) { return map->data.mapping.pairs.start + i; }

yaml_node_t *ds_yaml_item(ds_yaml *y, yaml_node_t *seq, int i)
{
    return ds_yaml_node(y, seq->data.sequence.items.start[i]);
}

typedef struct {
    const yaml_node_t *key;
    int i; /* the pair's position in the mapping */
} keyref;

static int cmp_keyref(const void *a, const void *b)
{
    const keyref *x = a, *y = b;
    int c = strcmp((const char *)x->key->data.scalar.value, (const char *)y->key->data.scalar.value);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

static int same_key(const keyref *a, const keyref *b)
{
    return !strcmp((const char *)a->key->data.scalar.value, (const char *)b->key->data.scalar.value);
}

/* The first pair (in the file's order) whose key is not a scalar or repeats
 * an earlier one: found by sorting the keys (n log n, so a mapping of many
 * keys is no slower to check than to parse). */
int ds_yaml_check_keys(ds_yaml *y, yaml_node_t *map, char *err, size_t errlen)
{
    int n = ds_yaml_len(map), bad = n, first = -1; /* bad: the offending pair */
    for (int a = 0; a < n && bad == n; a++)
        if (!ds_yaml_scalar(ds_yaml_node(y, ds_yaml_pair(map, a)->key)))
            bad = a;
    int m = 0;
    keyref *k = malloc((size_t)(bad ? bad : 1) * sizeof *k);
    if (!k) {
        snprintf(err, errlen, "%s: out of memory", y->path);
        return 1;
    }
    for (int a = 0; a < bad; a++)
        k[m++] = (keyref){ds_yaml_node(y, ds_yaml_pair(map, a)->key), a};
    qsort(k, (size_t)m, sizeof *k, cmp_keyref);
    for (int j = 1; j < m; j++) /* a run of equal keys: its second is a repeat of its first */
        if (same_key(&k[j], &k[j - 1]) && (j < 2 || !same_key(&k[j - 1], &k[j - 2])) &&
            k[j].i < bad) {
            bad = k[j].i;
            first = k[j - 1].i;
        }
    free(k);
    if (bad == n)
        return 0;
    yaml_node_t *kn = ds_yaml_node(y, ds_yaml_pair(map, bad)->key);
    if (first < 0)
        return ds_err_at(err, errlen, ds_yaml_pos(y, kn), "a key must be a plain word");
    return ds_err_at(err, errlen, ds_yaml_pos(y, kn),
                     "duplicate key '%s' (first set at line %d; each key once per block)",
                     DS_ECHO(ds_yaml_scalar(kn)),
                     (int)ds_yaml_node(y, ds_yaml_pair(map, first)->key)->start_mark.line + 1);
}
