/* Opening input files and writing files whole (see files.h). */
#include "files.h"

#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *ds_file_kind(mode_t mode)
{
    if (S_ISREG(mode))
        return NULL;
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a fifo";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISLNK(mode))
        return "a symbolic link";
    return "not a regular file";
}

int ds_open_input(const char *path, const char *missing_hint, int *fd, off_t *size, char *err,
                  size_t errlen)
{
    /* O_NONBLOCK: opening a fifo must not wait for a writer; cleared below. */
    int f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (f < 0) {
        if (errno == ENOENT)
            return ds_errf(err, errlen, 2, "%s: not found%s", path, missing_hint ? missing_hint : "");
        return ds_errf(err, errlen, 2, "%s: cannot open: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(f, &st) != 0) {
        int e = errno;
        close(f);
        return ds_errf(err, errlen, 2, "%s: cannot open: %s", path, strerror(e));
    }
    const char *kind = ds_file_kind(st.st_mode);
    if (kind) {
        close(f);
        if (S_ISDIR(st.st_mode))
            return ds_errf(err, errlen, 2, "%s: is a directory (expected a file)", path);
        return ds_errf(err, errlen, 2, "%s: is %s, not a regular file", path, kind);
    }
    fcntl(f, F_SETFL, fcntl(f, F_GETFL) & ~O_NONBLOCK);
    *fd = f;
    if (size)
        *size = st.st_size;
    return 0;
}

int ds_read_input(const char *path, const char *missing_hint, size_t max_bytes,
                  unsigned char **buf, size_t *len, char *err, size_t errlen)
{
    int fd;
    off_t size;
    int rc = ds_open_input(path, missing_hint, &fd, &size, err, errlen);
    if (rc)
        return rc;
    if ((unsigned long long)size > max_bytes) {
        close(fd);
        return ds_errf(err, errlen, 2, "%s: %lld bytes, more than the %zu this file may have", path,
                       (long long)size, max_bytes);
    }
    unsigned char *b = malloc((size_t)size + 1);
    if (!b) {
        close(fd);
        return ds_errf(err, errlen, 1, "%s: out of memory (%lld bytes)", path, (long long)size);
    }
    size_t got = 0;
    while (got < (size_t)size) {
        ssize_t n = read(fd, b + got, (size_t)size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (got != (size_t)size) {
        free(b);
        return ds_errf(err, errlen, 2, "%s: read error (%zu of %lld bytes)", path, got, (long long)size);
    }
    *buf = b;
    *len = got;
    return 0;
}

int ds_check_output(const char *what, const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        const char *kind = ds_file_kind(st.st_mode);
        if (!kind)
            return 0;
        return ds_errf(err, errlen, 2, "%s %s: is %s (%s writes a new file or replaces a regular file%s)",
                       what, path, kind, what,
                       S_ISLNK(st.st_mode) ? "; give the link's target instead" : "");
    }
    if (errno != ENOENT)
        return ds_errf(err, errlen, 2, "%s %s: %s", what, path, strerror(errno));
    /* A new file: its folder must exist and be one. */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return 0;
    if (slash == dir)
        slash[1] = 0;
    else
        *slash = 0;
    if (stat(dir, &st) != 0)
        return ds_errf(err, errlen, 2, "%s %s: folder %s: %s", what, path, dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return ds_errf(err, errlen, 2, "%s %s: %s is not a folder", what, path, dir);
    return 0;
}

int ds_atomic_begin(ds_atomic *a, const char *path)
{
    a->fd = -1;
    if (snprintf(a->path, sizeof a->path, "%s", path) >= (int)sizeof a->path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp.%ld", path, (long)getpid());
    a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    return a->fd < 0 ? -1 : 0;
}

int ds_atomic_write(ds_atomic *a, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t w = write(a->fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            ds_atomic_abort(a);
            errno = e;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

void ds_atomic_abort(ds_atomic *a)
{
    if (a->fd >= 0) {
        close(a->fd);
        unlink(a->tmp);
    }
    a->fd = -1;
}

int ds_atomic_commit(ds_atomic *a)
{
    struct stat st;
    int fd = a->fd, e = 0;
    a->fd = -1;
    if (fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    /* The target may have become something a rename must not replace. */
    if (!e && lstat(a->path, &st) == 0 && !S_ISREG(st.st_mode))
        e = S_ISDIR(st.st_mode) ? EISDIR : EEXIST;
    if (!e && rename(a->tmp, a->path) != 0)
        e = errno;
    if (e) {
        unlink(a->tmp);
        errno = e;
        return -1;
    }
    /* The rename is durable only once the directory entry is. */
    char dir[sizeof a->path];
    snprintf(dir, sizeof dir, "%s", a->path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = 0;
    else
        snprintf(dir, sizeof dir, ".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}
