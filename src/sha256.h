/*
 * sha256.h: the chain-of-custody hash of an input file (OpenSSL's EVP).
 */
#ifndef WFPSIFT_SHA256_H
#define WFPSIFT_SHA256_H

#include <stdint.h>

/*
 * Hash the file at path, opened read-only, into 64 hex digits plus NUL.
 * Returns 0, or -1 with errno set.
 */
int	 sha256_file(const char *path, char hex[65], int64_t *size);

#endif
