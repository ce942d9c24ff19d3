/*
 * sha256.c: hash an evidence file with OpenSSL, reading it once, read-only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sha256.h"

int
sha256_file(const char *path, char hex[65], int64_t *size)
{
	enum { BUFFER_SIZE = 1 << 20 };
	unsigned char		*buffer;
	unsigned char		 digest[EVP_MAX_MD_SIZE];
	unsigned int		 digest_length = 0, i;
	EVP_MD_CTX		*context;
	ssize_t			 n;
	int			 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if ((buffer = malloc(BUFFER_SIZE)) == NULL) {
		close(fd);
		return -1;
	}
	if ((context = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(context, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(context);
		close(fd);
		free(buffer);
		errno = ENOMEM;
		return -1;
	}
	*size = 0;
	while ((n = read(fd, buffer, BUFFER_SIZE)) > 0) {
		EVP_DigestUpdate(context, buffer, (size_t)n);
		*size += n;
	}
	saved = errno;
	close(fd);
	free(buffer);
	if (n < 0) {
		EVP_MD_CTX_free(context);
		errno = saved;
		return -1;
	}
	EVP_DigestFinal_ex(context, digest, &digest_length);
	EVP_MD_CTX_free(context);
	for (i = 0; i < digest_length; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	return 0;
}
