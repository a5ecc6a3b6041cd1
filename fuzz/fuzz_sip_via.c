/*
 * fuzz_sip_via.c — received=/rport= stamping of the top Via (io/sip_via)
 * on any request the SIP codec accepts.
 * Input: byte 0 picks the source (bit 0: IPv6, bits 1-7 the port's low
 * bits); the rest is a SIP message.
 * Invariants: a stamped request still indexes with the same number of Via
 * values and the same branch; after stamping, the top Via has received=
 * with the source address whenever sent-by is not that address or rport
 * was present, and an rport that was empty holds the source port; every
 * header other than the first Via is unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "io/sip_via.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct rg_addr src;
    bool v6 = data[0] & 1;
    if (rg_addr_parse_ip(v6 ? RG_STR_LIT("2001:db8::7") : RG_STR_LIT("192.0.2.7"), &src) != RG_OK)
        abort();
    src.port = (uint16_t)(5000 + (data[0] >> 1));
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 22);
    struct rg_sip_msg *m = NULL;
    struct rg_sip_error err;
    if (rg_sip_parse((const char *)data + 1, size - 1, NULL, &a, &m, &err) != RG_OK ||
        !m->is_request) {
        rg_arena_deinit(&a);
        return 0;
    }
    size_t nv = m->n_vias, nh = m->n_hdrs;
    struct rg_str branch = m->vias[0].branch;
    int32_t rport = m->vias[0].rport;
    struct rg_sip_hdr *before = rg_arena_alloc(&a, nh * sizeof(*before));
    if (!before)
        abort();
    memcpy(before, m->hdrs, nh * sizeof(*before));
    bool changed = false;
    int rc = rg_sip_via_stamp(m, &a, &src, &changed);
    if (rc == RG_ELIMIT) {
        rg_arena_deinit(&a);
        return 0;
    }
    if (rc != RG_OK || m->n_vias != nv || m->n_hdrs != nh)
        abort();
    if ((branch.p != NULL) != (m->vias[0].branch.p != NULL) ||
        (branch.p && !rg_str_eq(branch, m->vias[0].branch)))
        abort();
    if (rport == 0 && m->vias[0].rport != (int32_t)src.port)
        abort();
    if (rport > 0 && m->vias[0].rport != rport)
        abort();
    struct rg_str h = m->vias[0].host;
    if (h.len >= 2 && h.p[0] == '[' && h.p[h.len - 1] == ']')
        h = rg_str_make(h.p + 1, h.len - 2);
    struct rg_addr hv;
    bool same = rg_addr_parse_ip(h, &hv) == RG_OK && rg_addr_ip_eq(&hv, &src);
    bool want_received = rport >= 0 || !same;
    if (changed != (want_received || rport == 0))
        abort();
    char ip[RG_ADDR_IP_STRLEN];
    if (rg_addr_format_ip(&src, ip, sizeof(ip)) != RG_OK)
        abort();
    if (want_received && !rg_str_eq_cstr(m->vias[0].received, ip))
        abort();
    bool first = true;
    for (size_t i = 0; i < nh; i++) {
        if (first && m->hdrs[i].id == RG_SIP_H_VIA) {
            first = false;
            continue;
        }
        if (!rg_str_eq(before[i].value, m->hdrs[i].value))
            abort();
    }
    rg_arena_deinit(&a);
    return 0;
}
