/*
 * sdp_build.c — lookups and builder helpers: create an SDP from scratch,
 * add or remove m= sections and attributes.  Everything added is copied
 * into the caller's arena and decoded exactly as the parser would decode
 * it, so a built SDP prints to text that parses back to the same structure.
 */
#include "proto/sdp/sdp_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

long rg_sdp_attr_find(const struct rg_sdp_attrs *list, enum rg_sdp_attr_kind kind, uint32_t from)
{
    for (uint32_t i = from; i < list->n; i++) {
        if (list->v[i].kind == kind)
            return (long)i;
    }
    return -1;
}

long rg_sdp_attr_find_name(const struct rg_sdp_attrs *list, const char *name, uint32_t from)
{
    for (uint32_t i = from; i < list->n; i++) {
        if (rg_str_eq_cstr(list->v[i].name, name))
            return (long)i;
    }
    return -1;
}

static enum rg_sdp_dir dir_of(const struct rg_sdp_attrs *l)
{
    for (uint32_t i = 0; i < l->n; i++) {
        switch (l->v[i].kind) {
        case RG_SDP_A_SENDRECV:
            return RG_SDP_DIR_SENDRECV;
        case RG_SDP_A_SENDONLY:
            return RG_SDP_DIR_SENDONLY;
        case RG_SDP_A_RECVONLY:
            return RG_SDP_DIR_RECVONLY;
        case RG_SDP_A_INACTIVE:
            return RG_SDP_DIR_INACTIVE;
        default:
            break;
        }
    }
    return RG_SDP_DIR_NONE;
}

enum rg_sdp_dir rg_sdp_media_dir(const struct rg_sdp *sdp, const struct rg_sdp_media *m)
{
    enum rg_sdp_dir d = dir_of(&m->attrs);
    if (d == RG_SDP_DIR_NONE)
        d = dir_of(&sdp->attrs);
    return d == RG_SDP_DIR_NONE ? RG_SDP_DIR_SENDRECV : d;
}

const struct rg_sdp_conn *rg_sdp_media_conn(const struct rg_sdp *sdp, const struct rg_sdp_media *m)
{
    if (m->n_conns)
        return &m->conns[0];
    return sdp->has_conn ? &sdp->conn : NULL;
}

const struct rg_sdp_rtpmap *rg_sdp_media_rtpmap(const struct rg_sdp_media *m, unsigned pt)
{
    for (uint32_t i = 0; i < m->attrs.n; i++) {
        const struct rg_sdp_attr *a = &m->attrs.v[i];
        if (a->kind == RG_SDP_A_RTPMAP && a->u.rtpmap.pt == pt)
            return &a->u.rtpmap;
    }
    return NULL;
}

const struct rg_sdp_fmtp *rg_sdp_media_fmtp(const struct rg_sdp_media *m, unsigned pt)
{
    for (uint32_t i = 0; i < m->attrs.n; i++) {
        const struct rg_sdp_attr *a = &m->attrs.v[i];
        if (a->kind == RG_SDP_A_FMTP && a->u.fmtp.pt >= 0 && (unsigned)a->u.fmtp.pt == pt)
            return &a->u.fmtp;
    }
    return NULL;
}

/* Copies a C string into the arena as a view; .p NULL on failure. */
static struct rg_str dup_cstr(struct rg_arena *arena, const char *s)
{
    return rg_arena_str(arena, rg_str_from_cstr(s));
}

struct rg_sdp *rg_sdp_create(struct rg_arena *arena)
{
    struct rg_sdp *s = rg_arena_zalloc(arena, sizeof(*s));
    struct rg_sdp_time *t = rg_arena_zalloc(arena, sizeof(*t));
    if (!s || !t)
        return NULL;
    s->name = RG_STR_LIT("-");
    s->times = t;
    s->n_times = 1;
    return s;
}

static int addr_text(struct rg_arena *arena, const struct rg_addr *addr, struct rg_str *type,
                     struct rg_str *text)
{
    char ip[RG_ADDR_IP_STRLEN];
    if (!addr || rg_addr_format_ip(addr, ip, sizeof(ip)) != RG_OK)
        return RG_EINVAL;
    *text = dup_cstr(arena, ip);
    *type = addr->family == RG_AF_INET6 ? RG_STR_LIT("IP6") : RG_STR_LIT("IP4");
    return text->p ? RG_OK : RG_ENOMEM;
}

static struct rg_str dup_u64(struct rg_arena *arena, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
    return rg_arena_str(arena, rg_str_make(tmp, (size_t)n));
}

int rg_sdp_set_origin(struct rg_sdp *sdp, struct rg_arena *arena, const char *username,
                      uint64_t sess_id, uint64_t sess_version, const struct rg_addr *addr)
{
    struct rg_sdp_origin o = { .nettype = RG_STR_LIT("IN") };
    if (!username || !rg_sdp__is_token(rg_str_from_cstr(username)) ||
        strchr(username, ' '))
        return RG_EINVAL;
    int rc = addr_text(arena, addr, &o.addrtype, &o.address);
    if (rc != RG_OK)
        return rc;
    o.username = dup_cstr(arena, username);
    o.sess_id = dup_u64(arena, sess_id);
    o.sess_version = dup_u64(arena, sess_version);
    if (!o.username.p || !o.sess_id.p || !o.sess_version.p)
        return RG_ENOMEM;
    sdp->origin = o;
    return RG_OK;
}

int rg_sdp_set_conn(struct rg_sdp *sdp, struct rg_sdp_media *m, struct rg_arena *arena,
                    const struct rg_addr *addr)
{
    struct rg_sdp_conn c = { .nettype = RG_STR_LIT("IN"), .addr = addr ? *addr : (struct rg_addr){ 0 } };
    int rc = addr_text(arena, addr, &c.addrtype, &c.address);
    if (rc != RG_OK)
        return rc;
    c.addr.port = 0;
    if (!m) {
        sdp->conn = c;
        sdp->has_conn = true;
        return RG_OK;
    }
    struct rg_sdp_conn *v = rg_arena_alloc(arena, sizeof(*v));
    if (!v)
        return RG_ENOMEM;
    *v = c;
    m->conns = v;
    m->n_conns = 1;
    return RG_OK;
}

static bool proto_ok(const char *p)
{
    if (!*p)
        return false;
    for (; *p; p++) {
        if (*p != '/' && !rg_sdp__is_token(rg_str_make(p, 1)))
            return false;
    }
    return true;
}

int rg_sdp_add_media(struct rg_sdp *sdp, struct rg_arena *arena, const char *media, uint16_t port,
                     const char *proto, const char *const *fmts, uint32_t n_fmts,
                     struct rg_sdp_media **out)
{
    struct rg_sdp_limits lim;
    rg_sdp_limits_default(&lim);
    if (!media || !rg_sdp__is_token(rg_str_from_cstr(media)) || !proto || !proto_ok(proto) ||
        n_fmts == 0 || !fmts)
        return RG_EINVAL;
    if (sdp->n_media >= lim.max_media || n_fmts > lim.max_list)
        return RG_ELIMIT;
    for (uint32_t i = 0; i < n_fmts; i++) {
        if (!fmts[i] || !rg_sdp__is_token(rg_str_from_cstr(fmts[i])))
            return RG_EINVAL;
    }
    struct rg_sdp_media m = { .port = port };
    m.media = dup_cstr(arena, media);
    m.proto = dup_cstr(arena, proto);
    m.fmts = rg_arena_alloc(arena, n_fmts * sizeof(*m.fmts));
    if (!m.media.p || !m.proto.p || !m.fmts)
        return RG_ENOMEM;
    for (; m.n_fmts < n_fmts; m.n_fmts++) {
        m.fmts[m.n_fmts] = dup_cstr(arena, fmts[m.n_fmts]);
        if (!m.fmts[m.n_fmts].p)
            return RG_ENOMEM;
    }
    if (sdp->n_media == sdp->cap_media) {
        uint32_t cap = sdp->cap_media ? sdp->cap_media * 2 : 4;
        struct rg_sdp_media *v = rg_arena_alloc(arena, cap * sizeof(*v));
        if (!v)
            return RG_ENOMEM;
        if (sdp->n_media)
            memcpy(v, sdp->media, sdp->n_media * sizeof(*v));
        sdp->media = v;
        sdp->cap_media = cap;
    }
    sdp->media[sdp->n_media] = m;
    if (out)
        *out = &sdp->media[sdp->n_media];
    sdp->n_media++;
    return RG_OK;
}

int rg_sdp_remove_media(struct rg_sdp *sdp, uint32_t idx)
{
    if (idx >= sdp->n_media)
        return RG_ENOTFOUND;
    memmove(&sdp->media[idx], &sdp->media[idx + 1], (sdp->n_media - idx - 1) * sizeof(*sdp->media));
    sdp->n_media--;
    return RG_OK;
}

int rg_sdp_attr_insert(struct rg_sdp_attrs *list, struct rg_arena *arena, uint32_t idx,
                       const char *name, struct rg_str value)
{
    struct rg_sdp_limits lim;
    rg_sdp_limits_default(&lim);
    struct rg_str n = rg_str_from_cstr(name);
    if (!name || idx > list->n || !rg_sdp__is_token(n) || (value.p && !rg_sdp__clean_text(value)))
        return RG_EBADMSG;
    if (n.len + value.len + 3 > lim.max_line_len) /* "a=" name ":" value */
        return RG_ELIMIT;
    int rc = rg_sdp__attrs_reserve(list, arena, lim.max_attrs);
    if (rc != RG_OK)
        return rc;
    struct rg_sdp_attr a = { .name = rg_arena_str(arena, n) };
    a.value = value.p ? rg_arena_str(arena, value) : RG_STR_NULL;
    if (!a.name.p || (value.p && !a.value.p))
        return RG_ENOMEM;
    const char *why = NULL;
    rc = rg_sdp__attr_decode(&a, arena, lim.max_list, &why);
    if (rc != RG_OK)
        return rc;
    memmove(&list->v[idx + 1], &list->v[idx], (list->n - idx) * sizeof(*list->v));
    list->v[idx] = a;
    list->n++;
    return RG_OK;
}

int rg_sdp_attr_add(struct rg_sdp_attrs *list, struct rg_arena *arena, const char *name,
                    struct rg_str value)
{
    return rg_sdp_attr_insert(list, arena, list->n, name, value);
}

int rg_sdp_attr_add_typed(struct rg_sdp_attrs *list, struct rg_arena *arena,
                          const struct rg_sdp_attr *a)
{
    const char *name = rg_sdp_attr_kind_name(a->kind);
    if (!name)
        return RG_EINVAL;
    struct rg_sdp_attr tmp = *a;
    tmp.name = rg_str_from_cstr(name);
    struct rg_buf b;
    rg_buf_init(&b, 4096);
    int rc = rg_sdp_attr_format_value(&tmp, &b);
    if (rc == RG_OK) {
        bool flag = rg_sdp__attr_is_flag(a->kind);
        /* rg_buf leaves data NULL when nothing was appended. */
        struct rg_str v = flag ? RG_STR_NULL : rg_str_make(b.data ? b.data : "", b.len);
        rc = rg_sdp_attr_add(list, arena, name, v);
    }
    rg_buf_deinit(&b);
    return rc;
}

int rg_sdp_attr_remove(struct rg_sdp_attrs *list, uint32_t idx)
{
    if (idx >= list->n)
        return RG_ENOTFOUND;
    memmove(&list->v[idx], &list->v[idx + 1], (list->n - idx - 1) * sizeof(*list->v));
    list->n--;
    return RG_OK;
}

uint32_t rg_sdp_attr_remove_kind(struct rg_sdp_attrs *list, enum rg_sdp_attr_kind kind)
{
    uint32_t w = 0, removed = 0;
    for (uint32_t r = 0; r < list->n; r++) {
        if (list->v[r].kind == kind && kind != RG_SDP_A_UNKNOWN)
            removed++;
        else
            list->v[w++] = list->v[r];
    }
    list->n = w;
    return removed;
}

int rg_sdp_set_dir(struct rg_sdp_attrs *list, struct rg_arena *arena, enum rg_sdp_dir dir)
{
    static const uint8_t kinds[] = { 0, RG_SDP_A_SENDRECV, RG_SDP_A_SENDONLY, RG_SDP_A_RECVONLY,
                                     RG_SDP_A_INACTIVE };
    if (dir < RG_SDP_DIR_SENDRECV || dir > RG_SDP_DIR_INACTIVE)
        return RG_EINVAL;
    const char *name = rg_sdp_attr_kind_name(kinds[dir]);
    for (uint32_t i = 0; i < list->n; i++) {
        uint8_t k = list->v[i].kind;
        if (k >= RG_SDP_A_SENDRECV && k <= RG_SDP_A_INACTIVE) {
            list->v[i].kind = kinds[dir];
            list->v[i].name = rg_str_from_cstr(name);
            list->v[i].value = RG_STR_NULL;
            return RG_OK;
        }
    }
    return rg_sdp_attr_add(list, arena, name, RG_STR_NULL);
}
