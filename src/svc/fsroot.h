/* Opening a file named by a peer, strictly below a root directory. */
#ifndef SB_FSROOT_H
#define SB_FSROOT_H
#include <stddef.h>
#include <stdint.h>

#define FSROOT_MAX_PATH	1024	/* longest request path accepted */

/* Open the regular file that req[0..len) names below root, read-only.
 * Refuses empty, over-long and absolute paths, NUL bytes, ".." components
 * and symlinks that leave the root. Returns the fd and its size, or -1 with
 * a reason in err. */
int fsroot_open(const char *root, const unsigned char *req, size_t len,
    uint64_t *size, char *err, size_t errlen);

#endif
