/*
 * validate.c — commit-time validation of a whole candidate (see validate.h).
 */
#include "ctl/validate.h"

#include <stdio.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "ctl/pki.h"

struct vctx {
    const struct rg_cfg *c;
    const struct rg_cfg_env *env;
    struct rg_buf *msgs;
    struct rg_buf *warn;
    int rc; /* first failure (RG_EPROTO or a resource error) */
};

/* Appends "<prefix>'<keypath of n>[ <leaf>]'<rest>\n". */
static void report_to(struct vctx *v, struct rg_buf *to, const char *prefix,
                      const struct rg_cfg_node *n, const char *leaf, const char *rest)
{
    struct rg_buf path;
    rg_buf_init(&path, 2048);
    int rc = rg_cfg_path(n, &path);
    if (rc == RG_OK)
        rc = rg_buf_appendf(to, "%s'%s%s%s'%s\n", prefix, path.data ? path.data : "",
                            leaf ? " " : "", leaf ? leaf : "", rest);
    rg_buf_deinit(&path);
    if (rc != RG_OK && v->rc == RG_OK)
        v->rc = rc;
}

static void report(struct vctx *v, const char *prefix, const struct rg_cfg_node *n,
                   const char *leaf, const char *rest)
{
    if (v->rc == RG_OK)
        report_to(v, v->msgs, prefix, n, leaf, rest);
}

static void abort_at(struct vctx *v, const struct rg_cfg_node *n, const char *leaf,
                     const char *reason)
{
    char rest[1024];
    if (v->rc != RG_OK)
        return;
    snprintf(rest, sizeof(rest), ": %s", reason);
    report(v, "Aborted: ", n, leaf, rest);
    if (v->rc == RG_OK)
        v->rc = RG_EPROTO;
}

static void warn_at(struct vctx *v, const struct rg_cfg_node *n, const char *reason)
{
    char rest[1024];
    snprintf(rest, sizeof(rest), ": %s", reason);
    report_to(v, v->warn, "Warning: ", n, NULL, rest);
}

/* Finds the entry called name of the list at ref ("a * b c" = any key). */
static const struct rg_cfg_node *find_ref(const struct rg_cfg_node *n, const char *ref,
                                          const char *name, int depth)
{
    while (*ref == ' ')
        ref++;
    const char *e = strchr(ref, ' ');
    size_t l = e ? (size_t)(e - ref) : strlen(ref);
    if (!n || l == 0 || depth > 16)
        return NULL;
    for (const struct rg_cfg_node *k = n->first; k; k = k->next) {
        if (strlen(k->sch->name) != l || memcmp(k->sch->name, ref, l) != 0)
            continue;
        const struct rg_cfg_node *hit = NULL;
        if (!e && k->key && strcmp(k->key, name) == 0)
            return k;
        if (e && k->sch->kind == RG_SCH_LIST && e[1] == '*')
            hit = find_ref(k, e + 2, name, depth + 1);
        else if (e && k->sch->kind == RG_SCH_CONTAINER)
            hit = find_ref(k, e + 1, name, depth + 1);
        if (hit)
            return hit;
    }
    return NULL;
}

static void check_regex(struct vctx *v, const struct rg_cfg_node *n)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)n->val, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
    if (re) {
        pcre2_code_free(re);
        return;
    }
    PCRE2_UCHAR msg[256];
    char reason[400];
    if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
        snprintf((char *)msg, sizeof(msg), "error %d", code);
    snprintf(reason, sizeof(reason), "invalid regular expression: %s at offset %zu",
             (const char *)msg, (size_t)off);
    abort_at(v, n, NULL, reason);
}

static void check_leaves(struct vctx *v, const struct rg_cfg_node *n, int depth)
{
    for (const struct rg_cfg_node *k = n->first; k && v->rc == RG_OK; k = k->next) {
        if (k->sch->kind != RG_SCH_LEAF) {
            if (depth < 32)
                check_leaves(v, k, depth + 1);
            continue;
        }
        if (k->sch->type == RG_TY_LEAFREF && !find_ref(&v->c->root, k->sch->ref, k->val, 0)) {
            report(v, "Aborted: illegal reference ", k, NULL, "");
            if (v->rc == RG_OK)
                v->rc = RG_EPROTO;
        } else if (k->sch->type == RG_TY_REGEX) {
            check_regex(v, k);
        }
    }
}

/* Every leaf named in mandatory (space separated) must be set under n. */
static void check_mandatory(struct vctx *v, const struct rg_cfg_node *n, const char *const *names)
{
    for (; *names && v->rc == RG_OK; names++) {
        const struct rg_cfg_node *hit = NULL;
        for (const struct rg_cfg_node *k = n->first; k; k = k->next) {
            if (strcmp(k->sch->name, *names) == 0)
                hit = k;
        }
        if (!hit)
            abort_at(v, n, *names, "is not configured");
    }
}

static void check_certificate(struct vctx *v, const struct rg_cfg_node *cert)
{
    static const char *const need[] = { "fileName", NULL };
    const char *state = rg_cfg_get_at(cert, "state");
    if (!state || strcmp(state, "enabled") != 0)
        return;
    check_mandatory(v, cert, need);
    const char *file = rg_cfg_get_at(cert, "fileName");
    const char *enc = rg_cfg_get_at(cert, "passPhrase");
    if (v->rc != RG_OK || !v->env || !v->env->certs_dir || !v->env->sec || !file)
        return;
    char pass[RG_SECRET_MAX_PLAIN + 1] = "", path[4096], why[600];
    if (enc && rg_secret_decrypt(v->env->sec, rg_str_from_cstr(enc), pass, sizeof(pass)) != RG_OK) {
        abort_at(v, cert, "passPhrase", "cannot be decrypted with this system's key");
        return;
    }
    if (strchr(file, '/') || strcmp(file, "..") == 0) {
        abort_at(v, cert, "fileName", "must be a file name in the certs directory");
        return;
    }
    snprintf(path, sizeof(path), "%s/%s", v->env->certs_dir, file);
    int rc = rg_pki_check_p12(path, pass, why, sizeof(why));
    if (rc != RG_OK)
        abort_at(v, cert, rc == RG_EAUTH ? "passPhrase" : "fileName", why);
}

static bool is_ecdhe(const char *suite)
{
    return suite && strncmp(suite, "tls_ecdhe_", 10) == 0;
}

static void check_dtls_profile(struct vctx *v, const struct rg_cfg_node *p)
{
    const char *cert = rg_cfg_get_at(p, "CertName");
    const struct rg_cfg_node *c = cert ? find_ref(&v->c->root, "system security pki certificate",
                                                  cert, 0)
                                       : NULL;
    if (!c) {
        report(v, "Aborted: illegal reference ", p, "CertName", "");
        if (v->rc == RG_OK)
            v->rc = RG_EPROTO;
        return;
    }
    const char *state = rg_cfg_get_at(c, "state");
    if (!state || strcmp(state, "enabled") != 0) {
        char why[200];
        snprintf(why, sizeof(why), "certificate %s is not enabled", cert);
        abort_at(v, p, "CertName", why);
        return;
    }
    const char *v12 = rg_cfg_get_at(p, "v1_2");
    if (!v12 || strcmp(v12, "enabled") != 0)
        warn_at(v, p, "DTLS 1.2 is disabled: current browsers (Chrome, Firefox, Safari) offer only "
                      "DTLS 1.2 and will fail the handshake; set v1_2 enabled");
    if (!is_ecdhe(rg_cfg_get_at(p, "cipherSuite1")) && !is_ecdhe(rg_cfg_get_at(p, "cipherSuite2")) &&
        !is_ecdhe(rg_cfg_get_at(p, "cipherSuite3")))
        warn_at(v, p, "no ECDHE cipher suite: current browsers fail with \"no shared cipher\"; "
                      "add tls_ecdhe_ecdsa_with_aes_128_gcm_sha256");
}

/* ingressIpPrefix <ip> <prefixLength>: the length is needed and fits the
 * address family (32 bits for IPv4, 128 for IPv6). */
static void check_ingress_prefixes(struct vctx *v, const struct rg_cfg_node *tg)
{
    for (const struct rg_cfg_node *p = tg->first; p && v->rc == RG_OK; p = p->next) {
        if (strcmp(p->sch->name, "ingressIpPrefix") != 0 || !p->key)
            continue;
        int64_t len = -1;
        if (rg_cfg_get_int(p, "prefixLength", &len) != RG_OK) {
            abort_at(v, p, "prefixLength", "is mandatory (ingressIpPrefix <ip> <prefixLength>)");
            return;
        }
        if (!strchr(p->key, ':') && len > 32)
            abort_at(v, p, "prefixLength", "must be 0-32 for an IPv4 prefix");
    }
}

static void check_trunk_group(struct vctx *v, const struct rg_cfg_node *tg)
{
    check_ingress_prefixes(v, tg);
    if (v->rc != RG_OK)
        return;
    /* The effective profile, the schema default (DEFAULT) included. */
    const char *psp = rg_cfg_get_at(tg, "policy media packetServiceProfile");
    if (psp && !find_ref(&v->c->root, "profiles media packetServiceProfile", psp, 0)) {
        report(v, "Aborted: illegal reference ", tg, "policy media packetServiceProfile", "");
        if (v->rc == RG_OK)
            v->rc = RG_EPROTO;
        return;
    }
    const char *ice = rg_cfg_get_at(tg, "services natTraversal iceSupport");
    const char *nat = rg_cfg_get_at(tg, "services natTraversal mediaNat");
    bool ice_on = ice && strcmp(ice, "none") != 0;
    if (ice_on && nat && strcmp(nat, "enabled") == 0) {
        abort_at(v, tg, "services natTraversal mediaNat",
                 "must be disabled when iceSupport is not none (STUN handling for media NAT and "
                 "ICE are mutually exclusive)");
        return;
    }
    int64_t smnp = 0;
    if (ice_on && rg_cfg_get_int(tg, "services natTraversal secureMediaNatPrefix", &smnp) ==
                      RG_OK && smnp != 0)
        warn_at(v, tg, "secureMediaNatPrefix is ignored while ICE is enabled");
    const char *addr_type = rg_cfg_get_at(tg, "media mediaAddrType");
    bool prefs = false;
    for (const struct rg_cfg_node *k = tg->first; k; k = k->next) {
        for (const struct rg_cfg_node *m = k->first; strcmp(k->sch->name, "media") == 0 && m;
             m = m->next)
            prefs = prefs || (strcmp(m->sch->name, "ice") == 0 && m->first);
    }
    if (prefs && (!ice_on || !addr_type || strcmp(addr_type, "iPv4andiPv6") != 0))
        abort_at(v, tg, "media ice",
                 "needs media mediaAddrType iPv4andiPv6 and services natTraversal iceSupport "
                 "other than none (SDP method ICE)");
}

typedef void check_fn(struct vctx *v, const struct rg_cfg_node *n);

/* Calls fn on every entry of the list at path (with `*` for any key). */
static void each(struct vctx *v, const struct rg_cfg_node *n, const char *path, check_fn *fn,
                 int depth)
{
    while (*path == ' ')
        path++;
    const char *e = strchr(path, ' ');
    size_t l = e ? (size_t)(e - path) : strlen(path);
    for (const struct rg_cfg_node *k = n->first; k && v->rc == RG_OK && depth < 16; k = k->next) {
        if (strlen(k->sch->name) != l || memcmp(k->sch->name, path, l) != 0)
            continue;
        if (!e && k->key)
            fn(v, k);
        else if (e && k->key && e[1] == '*')
            each(v, k, e + 2, fn, depth + 1);
        else if (e && !k->key)
            each(v, k, e + 1, fn, depth + 1);
    }
}

static void check_codec(struct vctx *v, const struct rg_cfg_node *n)
{
    static const char *const need[] = { "codec", NULL };
    check_mandatory(v, n, need);
}

static void check_route(struct vctx *v, const struct rg_cfg_node *n)
{
    static const char *const need[] = { "trunkGroup", "destinationAddress", NULL };
    check_mandatory(v, n, need);
}

static void check_sig_port(struct vctx *v, const struct rg_cfg_node *n)
{
    const char *state = rg_cfg_get_at(n, "state");
    if (state && strcmp(state, "enabled") == 0 && !rg_cfg_get_at(n, "ipAddressV4") &&
        !rg_cfg_get_at(n, "ipAddressV6"))
        abort_at(v, n, "ipAddressV4", "is not configured (an enabled sipSigPort needs an address)");
}

/* The registrar settings must make sense together (cfg_registrar.h). */
static void check_registrar(struct vctx *v)
{
    const struct rg_cfg_node *r = rg_cfg_lookup(v->c, "global registrar");
    int64_t lo = 0, hi = 0;
    if (!r || rg_cfg_get_int(r, "minExpires", &lo) != RG_OK ||
        rg_cfg_get_int(r, "maxExpires", &hi) != RG_OK)
        return;
    if (lo > hi) {
        abort_at(v, r, "minExpires", "must not be above maxExpires");
        return;
    }
    /* realm and user names go into quoted-strings of WWW-Authenticate. */
    const char *realm = rg_cfg_get_at(r, "realm");
    if (realm && strpbrk(realm, "\"\\")) {
        abort_at(v, r, "realm", "must not contain '\"' or '\\'");
        return;
    }
    const char *auth = rg_cfg_get_at(r, "authentication");
    bool any = false;
    for (const struct rg_cfg_node *k = r->first; k; k = k->next) {
        if (strcmp(k->sch->name, "user") != 0)
            continue;
        if (strpbrk(k->key, "\"\\")) {
            abort_at(v, k, NULL, "a user name must not contain '\"' or '\\'");
            return;
        }
        any |= rg_cfg_get_at(k, "password") != NULL;
    }
    if (auth && strcmp(auth, "enabled") == 0 && !any)
        abort_at(v, r, "authentication", "is enabled but no user has a password");
}

static void check_media(struct vctx *v)
{
    int64_t lo = 0, hi = 0;
    const struct rg_cfg_node *m = rg_cfg_lookup(v->c, "system media mediaPortRange");
    if (!m || rg_cfg_get_int(m, "min", &lo) != RG_OK || rg_cfg_get_int(m, "max", &hi) != RG_OK)
        return;
    if (lo >= hi)
        abort_at(v, m, NULL, "min must be lower than max");
}

int rg_cfg_validate(const struct rg_cfg *c, const struct rg_cfg_env *env, struct rg_buf *msgs)
{
    struct rg_buf warn;
    rg_buf_init(&warn, 64 * 1024);
    struct vctx v = { c, env, msgs, &warn, RG_OK };
    check_leaves(&v, &c->root, 0);
    each(&v, &c->root, "system security pki certificate", check_certificate, 0);
    each(&v, &c->root, "profiles security dtlsProfile", check_dtls_profile, 0);
    each(&v, &c->root, "profiles media codecEntry", check_codec, 0);
    each(&v, &c->root, "addressContext * zone * sipTrunkGroup", check_trunk_group, 0);
    each(&v, &c->root, "addressContext * zone * sipSigPort", check_sig_port, 0);
    each(&v, &c->root, "global staticRoute", check_route, 0);
    if (v.rc == RG_OK)
        check_media(&v);
    if (v.rc == RG_OK)
        check_registrar(&v);
    if (v.rc == RG_OK && warn.len)
        v.rc = rg_buf_append_str(msgs, rg_buf_str(&warn));
    rg_buf_deinit(&warn);
    return v.rc;
}
