/* A streaming RFC 4180 CSV reader: a header line, then one row at a time.
 *
 * Quoted fields may hold commas, doubled quotes and line breaks; CRLF or LF
 * line ends; empty lines are skipped. Every row must have as many fields as
 * the header. Errors are full messages in the project's format:
 *   deepsweep: results/x/runs.csv:12:5: row has 7 fields (the header has 23)
 * Memory is one row's worth, so a results file of any size streams through.
 */
#ifndef DS_CSVREAD_H
#define DS_CSVREAD_H

#include <stddef.h>
#include <stdio.h>

typedef struct ds_csv ds_csv;

/* Opens path and reads its header. NULL with err filled (not found, empty
 * file, malformed or duplicate header name). */
ds_csv *ds_csv_open(const char *path, char *err, size_t errlen);
/* Same over an open stream (taken over: closed by ds_csv_close); name is
 * what messages call it. */
ds_csv *ds_csv_open_stream(FILE *f, const char *name, char *err, size_t errlen);
void ds_csv_close(ds_csv *c);

/* Reads the next row: 1 = a row, 0 = end of file, -1 = malformed (err; a
 * NUL byte is malformed too). After -1 the reader is at the next line, so
 * a caller that skips bad rows may go on reading. */
int ds_csv_next(ds_csv *c, char *err, size_t errlen);
/* 1 if the last -1 of ds_csv_next was out of memory (a failure, not a bad
 * row: a caller that drops bad rows must stop instead). */
int ds_csv_out_of_memory(const ds_csv *c);

int ds_csv_ncols(const ds_csv *c);
const char *ds_csv_header(const ds_csv *c, int i); /* name of column i */
/* Byte offsets [start, end) of the current row's text in the input, its
 * line end included: to copy a row verbatim. */
void ds_csv_row_span(const ds_csv *c, long *start, long *end);
/* 1 if the current row ended with a line end, 0 if with the end of the
 * input: a torn last line, for files whose writer ends every row. */
int ds_csv_row_complete(const ds_csv *c);
/* Index of the header column called name (exact), or -1. */
int ds_csv_col(const ds_csv *c, const char *name);
/* Resolves n names to indices; -1 with err naming the first missing column. */
int ds_csv_require(const ds_csv *c, const char *const *names, int *idx, int n,
                   char *err, size_t errlen);

/* Field i of the current row (NUL-terminated, quotes removed). */
const char *ds_csv_field(const ds_csv *c, int i);
/* Parses field i as a finite or NaN number ("nan", "inf" accepted as
 * written by printf); -1 with err at the field's line:col otherwise. */
int ds_csv_double(const ds_csv *c, int i, double *out, char *err, size_t errlen);
int ds_csv_int(const ds_csv *c, int i, long *out, char *err, size_t errlen);

const char *ds_csv_name(const ds_csv *c);
long ds_csv_line(const ds_csv *c); /* line where the current row starts */

#endif
