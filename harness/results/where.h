/* The one reading of a --where value (show's and plot's), apart from
 * view.h so that report/ can use it without the runner's headers. Defined
 * in view.c. */
#ifndef DS_WHERE_H
#define DS_WHERE_H

#include <stddef.h>

/* A --where VALUE of a run key as runs.csv writes it, read through the key
 * table (hidden=256-256 is [256-256], as `train --hidden 256-256` means),
 * for keys whose value alone makes their column (a width list, a bool, a
 * name): 1 and out; 0 for other keys or a value the key table refuses.
 * show's and plot's --where both compare through it. */
int ds_where_value(const char *key, const char *value, char *out, size_t n);

#endif
