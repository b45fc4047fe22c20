/* CSV output (RFC 4180 quoting, '\n' line ends), and whole-file reads and
 * atomic writes for the result files. The one CSV reader is csvread.h.
 *
 * Numbers are formatted in the "C" locale whatever LC_NUMERIC says, floats
 * with %.9g (enough digits to round-trip a float exactly). A row is built in
 * memory (ds_csvbuf) and handed to write(2) whole by the caller, so a row is
 * on disk entirely or not at all. */
#ifndef DS_CSV_H
#define DS_CSV_H

#include <stddef.h>

typedef struct {
    char *s;
    size_t len, cap;
    int fields; /* fields in the current row so far */
    int oom;    /* an allocation failed: the buffer holds nothing usable */
} ds_csvbuf;

void ds_csvbuf_free(ds_csvbuf *b);
void ds_csvbuf_clear(ds_csvbuf *b);
/* Append one field to the current row (a ',' first unless it is the row's
 * first field); quoted when it holds ',', '"', CR, LF or edge spaces. */
void ds_csvw_str(ds_csvbuf *b, const char *s);
void ds_csvw_int(ds_csvbuf *b, long long v);
void ds_csvw_dbl(ds_csvbuf *b, double v); /* %.9g, "nan"/"inf"/"-inf" */
/* A measurement: %.9g, or an empty field when v is NaN or infinite (not
 * measured, or no value: pandas and R read an empty field as missing). */
void ds_csvw_metric(ds_csvbuf *b, double v);
void ds_csvw_end(ds_csvbuf *b);           /* ends the row with '\n'     */
/* Appends raw text (e.g. a header line built elsewhere). */
void ds_csvw_raw(ds_csvbuf *b, const char *s, size_t n);

/* snprintf-like %.9g in the C locale, for callers outside CSV rows. */
int ds_fmt_g9(char *out, size_t n, double v);
/* The shortest %.Ng (N = 6..9) that reads back as the same float: a config
 * value like lr 0.1f prints "0.1", not "0.100000001". C locale. */
int ds_fmt_float(char *out, size_t n, float v);
void ds_csvw_flt(ds_csvbuf *b, float v);

/* Reads a whole file into a NUL-terminated buffer (*len excludes the NUL).
 * Returns 0, 1 if it does not exist, -1 on error (errno set). */
int ds_read_file(const char *path, char **buf, size_t *len);

/* Writes data to path atomically (files.h: a temporary file beside it,
 * fsync, rename, fsync of the directory; a target that is not a regular
 * file is not replaced). Returns 0 or -1 (errno set; the temporary file
 * removed). */
int ds_write_file_atomic(const char *path, const char *data, size_t len);

/* write(2) all of data then fsync. 0 or -1 (errno set). */
int ds_write_all_sync(int fd, const char *data, size_t len);

#endif
