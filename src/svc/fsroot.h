/* Opening a file named by a peer, strictly below a root directory. */
#ifndef SB_FSROOT_H
#define SB_FSROOT_H
#include <stddef.h>
#include <stdint.h>

#define FSROOT_MAX_PATH	1024	/* longest request path accepted */

/* Open the regular file that req[0..len) names below root, read-only.
 * Refuses empty and over-long names, NUL bytes, ".." components, absolute
 * paths outside root (an absolute path inside root is served, as the seed
 * server does), names that resolve outside root, and anything but a
 * regular file (devices, FIFOs and sockets are refused before any open).
 * Resolves with openat2(RESOLVE_BENEATH), or where that is unavailable
 * (ENOSYS, EPERM) or forced off, by a component walk with
 * openat(O_NOFOLLOW) that follows no symlink. Returns the fd and its size
 * in bytes, or -1 with a reason in err. */
int fsroot_open(const char *root, const unsigned char *req, size_t len,
    uint64_t *size, char *err, size_t errlen);
/* Force the component walk instead of openat2 (tests); the environment
 * variable SOCKBENCH_FSROOT_NO_OPENAT2=1 does the same for a process. */
void fsroot_force_fallback(int on);
/* Return 1 if fsroot_open will not try openat2 (forced either way). */
int fsroot_fallback_forced(void);

#endif
