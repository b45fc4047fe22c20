/* Files a user names: the one way an input file is opened (a regular file
 * only, with a message that says what else it is) and the one way a file is
 * written whole (a temporary file in the same folder, fsync, rename over the
 * target, fsync of the folder), so a failure leaves the target as it was.
 *
 * Messages start with the path: "x.yaml: is a directory (expected a file)",
 * "m.safetensors: is a fifo, not a regular file". */
#ifndef DS_FILES_H
#define DS_FILES_H

#include <stddef.h>
#include <sys/types.h>

/* Opens path for reading: a regular file, never blocking on a fifo. Returns
 * 0 with *fd (close it) and *size; 2 with err for a missing file (the
 * message ends with missing_hint if given, e.g. " (run 'make data')"), a
 * directory, a fifo, a device or socket, or one that cannot be opened. */
int ds_open_input(const char *path, const char *missing_hint, int *fd, off_t *size, char *err,
                  size_t errlen);

/* The whole of a regular file (opened as ds_open_input does) into *buf
 * (malloc'd, one spare byte after the data; free it) and *len. A file above
 * max_bytes is refused before reading. Returns 0, 2 with err (as
 * ds_open_input; too large; a short read), or 1 out of memory. */
int ds_read_input(const char *path, const char *missing_hint, size_t max_bytes,
                  unsigned char **buf, size_t *len, char *err, size_t errlen);

/* "a directory", "a fifo", "a character device", ... for st_mode; NULL for
 * a regular file. */
const char *ds_file_kind(mode_t mode);

/* What a whole-file write may replace: nothing (the folder must exist) or a
 * regular file. A symbolic link, a directory, a fifo or a device is refused
 * rather than replaced by the rename. `what` names the option ("--save").
 * Returns 0, or 2 with err. */
int ds_check_output(const char *what, const char *path, char *err, size_t errlen);

/* Writing a file whole: begin creates "<path>.tmp.<pid>" exclusively beside
 * path; write appends; commit fsyncs it, renames it over path (unless path
 * has become something other than a regular file meanwhile: EISDIR or
 * EEXIST) and fsyncs the folder; abort, a failed write or a failed commit
 * removes it and leaves path as it was. Each returns 0, or -1 with errno set
 * (ENOSPC for a full disk). Check the target first with ds_check_output for
 * a message. */
typedef struct {
    int fd;
    char path[4096], tmp[4096 + 32];
} ds_atomic;

int ds_atomic_begin(ds_atomic *a, const char *path);
int ds_atomic_write(ds_atomic *a, const void *data, size_t len);
int ds_atomic_commit(ds_atomic *a);
void ds_atomic_abort(ds_atomic *a);

#endif
