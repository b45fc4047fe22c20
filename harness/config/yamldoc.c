/* The YAML layer over libyaml's document API (see yamldoc.h). */
#include "yamldoc.h"

#include "err.h"
#include "files.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int ds_err_at(char *err, size_t errlen, ds_pos p, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!p.src)
        snprintf(err, errlen, "%s", msg);
    else if (p.line > 0)
        snprintf(err, errlen, "%s:%d:%d: %s", p.src, p.line, p.col, msg);
    else
        snprintf(err, errlen, "%s: %s", p.src, msg);
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

int ds_yaml_load(ds_yaml *y, const char *path, char *err, size_t errlen)
{
    memset(y, 0, sizeof *y);
    y->path = path;
    int fd;
    int r = ds_open_input(path, NULL, &fd, NULL, err, errlen);
    if (r)
        return r;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return ds_errf(err, errlen, 1, "%s: out of memory", path);
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return 1;
    }
    yaml_parser_set_input_file(&parser, f);
    if (yaml_parser_load(&parser, &y->doc)) {
        y->loaded = 1;
        r = no_second_document(&parser, path, err, errlen);
    } else {
        r = syntax_error(&parser, path, err, errlen);
    }
    yaml_parser_delete(&parser);
    fclose(f);
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

int ds_yaml_check_keys(ds_yaml *y, yaml_node_t *map, char *err, size_t errlen)
{
    int n = ds_yaml_len(map);
    for (int a = 0; a < n; a++) {
        yaml_node_t *ka = ds_yaml_node(y, ds_yaml_pair(map, a)->key);
        if (!ds_yaml_scalar(ka))
            return ds_err_at(err, errlen, ds_yaml_pos(y, ka), "a key must be a plain word");
        for (int b = 0; b < a; b++) {
            yaml_node_t *kb = ds_yaml_node(y, ds_yaml_pair(map, b)->key);
            if (ds_yaml_scalar(kb) && !strcmp(ds_yaml_scalar(ka), ds_yaml_scalar(kb)))
                return ds_err_at(err, errlen, ds_yaml_pos(y, ka),
                                 "duplicate key '%s' (first set at line %d; each key once per block)",
                                 ds_yaml_scalar(ka), (int)kb->start_mark.line + 1);
        }
    }
    return 0;
}
