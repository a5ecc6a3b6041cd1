/*
 * store.c — crash-safe state directory files (see store.h).
 */
#include "ctl/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"

#define CONF_MAX (64u << 20)

static int mkdir_p(const char *path)
{
    char tmp[RG_STORE_PATH_MAX];
    if (rg_str_copy_cstr(rg_str_from_cstr(path), tmp, sizeof(tmp)) != RG_OK)
        return RG_ELIMIT;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return RG_EIO;
        *p = '/';
    }
    return mkdir(tmp, 0700) == 0 || errno == EEXIST ? RG_OK : RG_EIO;
}

static void remove_temps(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 4 && strcmp(e->d_name + n - 4, ".tmp") == 0)
            (void)unlinkat(dirfd(d), e->d_name, 0);
    }
    if (d)
        closedir(d);
}

int rg_store_open(struct rg_store *st, const char *dir)
{
    if (strlen(dir) + 1 > sizeof(st->dir) || !*dir)
        return RG_ELIMIT;
    memset(st, 0, sizeof(*st));
    memcpy(st->dir, dir, strlen(dir) + 1);
    snprintf(st->conf, sizeof(st->conf), "%s/rtcgate.conf", dir);
    snprintf(st->certs, sizeof(st->certs), "%s/certs", dir);
    snprintf(st->sock, sizeof(st->sock), "%s/cli.sock", dir);
    snprintf(st->key, sizeof(st->key), "%s/secret.key", dir);
    if (mkdir_p(dir) != RG_OK || mkdir_p(st->certs) != RG_OK)
        return RG_EIO;
    remove_temps(dir);
    remove_temps(st->certs);
    return RG_OK;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return RG_EIO;
        c += w;
        n -= (size_t)w;
    }
    return RG_OK;
}

int rg_store_write_atomic(const char *dir, const char *name, const void *p, size_t n, mode_t mode)
{
    char tmp[RG_STORE_PATH_MAX + 64], dst[RG_STORE_PATH_MAX + 64];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, name) >= sizeof(tmp) ||
        (size_t)snprintf(dst, sizeof(dst), "%s/%s", dir, name) >= sizeof(dst))
        return RG_ELIMIT;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return RG_EIO;
    int rc = write_all(fd, p, n);
    if (rc == RG_OK && fsync(fd) != 0)
        rc = RG_EIO;
    if (close(fd) != 0 && rc == RG_OK)
        rc = RG_EIO;
    if (rc == RG_OK && rename(tmp, dst) != 0)
        rc = RG_EIO;
    if (rc != RG_OK) {
        unlink(tmp);
        return rc;
    }
    /* The rename is durable only once the directory entry is. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return RG_EIO;
    rc = fsync(dfd) == 0 ? RG_OK : RG_EIO;
    close(dfd);
    return rc;
}

int rg_store_save_conf(void *ud, struct rg_str text)
{
    const struct rg_store *st = ud;
    return rg_store_write_atomic(st->dir, "rtcgate.conf", text.p, text.len, 0600);
}

static int read_file(const char *path, size_t max, char **text, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? RG_ENOTFOUND : RG_EIO;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || sb.st_size < 0 || (size_t)sb.st_size > max) {
        close(fd);
        return RG_EIO;
    }
    size_t n = (size_t)sb.st_size, got = 0;
    char *buf = rg_malloc(n + 1);
    while (buf && got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!buf || got != n) {
        rg_free(buf);
        return buf ? RG_EIO : RG_ENOMEM;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return RG_OK;
}

int rg_store_load_conf(const struct rg_store *st, char **text, size_t *len)
{
    return read_file(st->conf, CONF_MAX, text, len);
}

int rg_store_secret_key(const struct rg_store *st, const struct rg_rng *rng, uint8_t key[32])
{
    char *text = NULL;
    size_t len = 0;
    int rc = read_file(st->key, 64, &text, &len);
    if (rc == RG_OK && len == 32) {
        memcpy(key, text, 32);
        rg_free(text);
        return RG_OK;
    }
    rg_free(text);
    if (rc == RG_OK)
        return RG_EIO; /* a key of the wrong size: refuse rather than replace it */
    if (rc != RG_ENOTFOUND)
        return rc;
    uint8_t k[32];
    rg_rng_bytes(rng, k, sizeof(k));
    rc = rg_store_write_atomic(st->dir, "secret.key", k, sizeof(k), 0600);
    if (rc == RG_OK)
        memcpy(key, k, 32);
    return rc;
}
