/* The one YAML layer: a file loaded whole into libyaml's document tree, whose
 * every node carries its line:column, so every reader (the experiment
 * loader, the bench profile) can point an error at the text that caused it:
 * "configs/x.yaml:4:10: width: 'abc' is not an integer (...)".
 *
 * Nodes are libyaml's (yaml_node_t); this layer adds loading with positioned
 * syntax errors, positions, typed access and the checks libyaml leaves out
 * (a key given twice in one mapping). */
#ifndef DS_YAMLDOC_H
#define DS_YAMLDOC_H

#include <stddef.h>
#include <yaml.h>

/* Where a value came from: a file position, or a source without one (e.g.
 * "argument 'lr=0.1'", line 0). */
typedef struct {
    const char *src;
    int line, col; /* 1-based; 0 = no position */
} ds_pos;

typedef struct {
    const char *path;
    yaml_document_t doc;
    int loaded;
} ds_yaml;

/* The limits of a document, so that no file makes the loader slow or big:
 * its size in bytes, and the size it expands to when every alias is replaced
 * by the node it names (a 200 kB value referenced 5,000 times through
 * aliases would be a gigabyte). The expanded size counts each scalar's
 * length plus one byte per node, with multiplicity. */
#define DS_YAML_MAX_BYTES (1 << 20)
#define DS_YAML_MAX_EXPANDED (4 << 20)

/* Loads path. Returns 0; 2 with err = "<path>:<line>:<col>: YAML syntax
 * error: ...", files.h's messages for a file that is missing, not a
 * regular file or unreadable ("<path>: not found"), a document over the
 * limits or an alias that refers to the node holding it; 1 out of memory.
 * Free with
 * ds_yaml_free whatever the result. */
int ds_yaml_load(ds_yaml *y, const char *path, char *err, size_t errlen);
void ds_yaml_free(ds_yaml *y);

yaml_node_t *ds_yaml_root(ds_yaml *y);          /* NULL for an empty file */
yaml_node_t *ds_yaml_node(ds_yaml *y, int id);  /* a pair's key/value, an item */
ds_pos ds_yaml_pos(const ds_yaml *y, const yaml_node_t *n);

/* The text of a scalar node, NULL for a mapping or a sequence. */
const char *ds_yaml_scalar(const yaml_node_t *n);

/* Mappings and sequences: counts and the i-th pair / item. */
int ds_yaml_len(const yaml_node_t *n); /* 0 for a scalar */
yaml_node_pair_t *ds_yaml_pair(yaml_node_t *map, int i);
yaml_node_t *ds_yaml_item(ds_yaml *y, yaml_node_t *seq, int i);

/* Refuses a mapping whose keys are not plain words, or that holds a key
 * twice (libyaml keeps both): returns 2 with err "<pos>: duplicate key 'k'
 * (first set at line 3; each key once per block)", else 0. */
int ds_yaml_check_keys(ds_yaml *y, yaml_node_t *map, char *err, size_t errlen);

/* Formats "<src>:<line>:<col>: <message>" (or "<src>: <message>" without a
 * position, or "<message>" without a source) into err and returns 2, the
 * exit status of bad input. */
int ds_err_at(char *err, size_t errlen, ds_pos p, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
