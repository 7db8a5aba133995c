#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#ifdef __linux__
/* glibc declares renameat2 only with _GNU_SOURCE, which Swift's Glibc module is built without. */
int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags);

/// Swaps two existing paths in one step (renameat2 with RENAME_EXCHANGE). Fails with EINVAL
/// where the file system cannot do it; callers fall back to two renames.
static inline int pigstyc_exchange(const char *a, const char *b) {
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */);
}
#else
static inline int pigstyc_exchange(const char *a, const char *b) {
    (void)a; (void)b;
    errno = ENOSYS;
    return -1;
}
#endif
