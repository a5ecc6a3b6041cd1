/* Ingress trunk group selection by listener zone and source address
 * (Sonus/Ribbon `sipTrunkGroup <tg> ingressIpPrefix <ip> <prefixLength>`):
 * the longest matching prefix of the zone's trunk groups wins, else the
 * first trunk group without prefixes; and the configuration checks of the
 * new list (CLI shorthand, prefixLength mandatory and within the family). */
#include <string.h>

#include "harness.h"

#include "b2bua/b2bua_cfg.h"
#include "core/addr.h"
#include "core/rng.h"
#include "ctl/ctl.h"
#include "ctl/validate.h"

#define TG "set addressContext default zone Z sipTrunkGroup "

static const char k_cfg[] =
    "set profiles media codecEntry C codec G711 law muLaw\n"
    "set profiles media packetServiceProfile DEFAULT codec codecEntry1 C\n"
    "set addressContext default zone Z sipSigPort 1 ipAddressV4 127.0.0.1 state enabled\n"
    TG "TG_OFF state disabled ingressIpPrefix 10.1.2.0 24\n"
    TG "TG_ANY state enabled\n"
    TG "TG_NET10 ingressIpPrefix 10.0.0.0 8\n"
    TG "TG_NET10 ingressIpPrefix 192.0.2.7 32\n"
    TG "TG_LAN ingressIpPrefix 10.1.0.0 prefixLength 16\n"
    TG "TG_V6 ingressIpPrefix 2001:db8:: 32\n"
    "set addressContext default zone Y sipTrunkGroup TG_ONLY ingressIpPrefix 198.51.100.0 24\n";

struct tc {
    struct rg_rng_seeded st;
    struct rg_rng rng;
    struct rg_secret sec;
    struct rg_ctl ctl;
    struct rg_cfg *cfg;
};

static int tc_init(struct tc *c, const char *text)
{
    memset(c, 0, sizeof(*c));
    rg_rng_seeded_init(&c->st, 3, &c->rng);
    c->sec.rng = &c->rng;
    int rc = rg_ctl_init(&c->ctl, &c->sec, NULL, 0);
    struct rg_buf msgs;
    rg_buf_init(&msgs, 4096);
    if (rc == RG_OK)
        rc = rg_ctl_parse_text(&c->ctl, rg_str_from_cstr(text), &c->cfg, &msgs);
    rg_buf_deinit(&msgs);
    return rc;
}

static void tc_deinit(struct tc *c)
{
    rg_cfg_free(c->cfg);
    rg_ctl_deinit(&c->ctl);
}

/* The ingress trunk group name for a request from ip on zone's listener. */
static const char *ingress(const struct tc *c, const char *zone, const char *ip, char *out)
{
    struct b2b_tgname n;
    struct rg_addr a;
    memset(&n, 0, sizeof(n));
    if (rg_addr_parse_ip(rg_str_from_cstr(ip), &a) != RG_OK)
        return "bad test address";
    a.port = 5060;
    rg__b2b_zone_tg(c->cfg, zone, &a, &n);
    memcpy(out, n.tg, sizeof(n.tg));
    return out;
}

static void longest_prefix_wins(struct rg_t *t)
{
    struct tc c;
    char b[B2B_NAME_MAX];
    CHECK_OK(t, tc_init(&c, k_cfg));
    CHECK(t, strcmp(ingress(&c, "Z", "10.1.2.3", b), "TG_LAN") == 0);    /* /16 beats /8 */
    CHECK(t, strcmp(ingress(&c, "Z", "10.200.0.1", b), "TG_NET10") == 0); /* only the /8 */
    CHECK(t, strcmp(ingress(&c, "Z", "192.0.2.7", b), "TG_NET10") == 0);  /* second prefix, /32 */
    CHECK(t, strcmp(ingress(&c, "Z", "2001:db8::5", b), "TG_V6") == 0);
    tc_deinit(&c);
}

static void no_match_takes_first_without_prefix(struct rg_t *t)
{
    struct tc c;
    char b[B2B_NAME_MAX];
    CHECK_OK(t, tc_init(&c, k_cfg));
    /* TG_OFF (disabled, its /24 would match) is skipped; TG_ANY has none. */
    CHECK(t, strcmp(ingress(&c, "Z", "192.0.2.8", b), "TG_ANY") == 0);
    CHECK(t, strcmp(ingress(&c, "Z", "2001:db9::1", b), "TG_ANY") == 0);
    CHECK(t, strcmp(ingress(&c, "Z", "11.1.2.3", b), "TG_ANY") == 0);
    /* Unknown source: today's rule, the first enabled without prefixes. */
    struct b2b_tgname n;
    memset(&n, 0, sizeof(n));
    rg__b2b_zone_tg(c.cfg, "Z", NULL, &n);
    CHECK(t, strcmp(n.tg, "TG_ANY") == 0 && strcmp(n.zone, "Z") == 0 &&
                 strcmp(n.ac, "default") == 0);
    /* A zone whose only trunk group has prefixes: none for other sources. */
    CHECK(t, strcmp(ingress(&c, "Y", "198.51.100.9", b), "TG_ONLY") == 0);
    CHECK(t, strcmp(ingress(&c, "Y", "203.0.113.1", b), "") == 0);
    CHECK(t, strcmp(ingress(&c, "NOZONE", "10.1.2.3", b), "") == 0);
    tc_deinit(&c);
}

/* Validation result of k_cfg plus extra. */
static int validate_with(const char *extra, struct rg_buf *msgs)
{
    char text[2048];
    struct tc c;
    snprintf(text, sizeof(text), "%s%s", k_cfg, extra);
    int rc = tc_init(&c, text);
    if (rc == RG_OK)
        rc = rg_cfg_validate(c.cfg, NULL, msgs);
    tc_deinit(&c);
    return rc;
}

static void prefix_config_checked(struct rg_t *t)
{
    struct rg_buf m;
    rg_buf_init(&m, 4096);
    CHECK_OK(t, validate_with("", &m));
    CHECK_EQ_INT(t, validate_with(TG "TG_ANY ingressIpPrefix 10.9.0.0 33\n", &m), RG_EPROTO);
    CHECK(t, m.data && strstr(m.data, "ingressIpPrefix 10.9.0.0 prefixLength") &&
                 strstr(m.data, "0-32"));
    m.len = 0;
    CHECK_EQ_INT(t, validate_with(TG "TG_ANY ingressIpPrefix 10.9.0.0\n", &m), RG_EPROTO);
    CHECK(t, m.data && strstr(m.data, "mandatory"));
    CHECK_OK(t, validate_with(TG "TG_ANY ingressIpPrefix 2001:db8:1:: 48\n", &m));
    /* Not an address, a length out of the schema range. */
    struct tc c;
    CHECK_EQ_INT(t, tc_init(&c, TG "T ingressIpPrefix 10.0.0 8\n"), RG_EBADMSG);
    tc_deinit(&c);
    CHECK_EQ_INT(t, tc_init(&c, TG "T ingressIpPrefix 10.0.0.0 129\n"), RG_EBADMSG);
    tc_deinit(&c);
    rg_buf_deinit(&m);
}

static const struct rg_test_case cases[] = {
    {"longest_prefix_wins", longest_prefix_wins},
    {"no_match_takes_first_without_prefix", no_match_takes_first_without_prefix},
    {"prefix_config_checked", prefix_config_checked},
};

RG_TEST_MAIN(cases)
