/*
 * hash.c - SHA-256 of files, for the findings file's "files" list and the
 * batch manifest. The digest itself is Nettle's (nettle-dev): a well-kept
 * Debian library, so no hand-written cryptography here.
 */
#include "edx/common.h"

#include <errno.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>

static void to_hex(const uint8_t *digest, char hex[EDX_SHA256_HEX_SIZE])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 0x0f];
    }
    hex[2 * SHA256_DIGEST_SIZE] = '\0';
}

void edx_sha256_hex(const void *data, size_t len, char hex[EDX_SHA256_HEX_SIZE])
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    sha256_digest(&ctx, sizeof digest, digest);
    to_hex(digest, hex);
}

int edx_sha256_file(const char *path, char hex[EDX_SHA256_HEX_SIZE], uint64_t *size_bytes)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno == ENOENT ? EDX_ERR_NOT_FOUND : EDX_ERR_IO;
    struct sha256_ctx ctx;
    uint8_t buf[1 << 16], digest[SHA256_DIGEST_SIZE];
    uint64_t total = 0;
    size_t n;
    sha256_init(&ctx);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        sha256_update(&ctx, n, buf);
        total += n;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed)
        return EDX_ERR_IO;
    sha256_digest(&ctx, sizeof digest, digest);
    to_hex(digest, hex);
    if (size_bytes)
        *size_bytes = total;
    return EDX_OK;
}
