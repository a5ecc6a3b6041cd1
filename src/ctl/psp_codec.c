/*
 * psp_codec.c — packet service profile codec entries → codec request
 * (see psp_codec.h).
 */
#include "ctl/psp_codec.h"

#include <stdio.h>
#include <string.h>

#include "ctl/cfg_access.h"
#include "media/dtmf.h"

/* The codecs one codecEntry stands for (G711 by its law). */
static int entry_codecs(const struct rg_cfg_node *ce, const struct rg_codec **out, size_t max)
{
    const char *name = rg_cfg_get_at(ce, "codec");
    const char *law = rg_cfg_get_at(ce, "law");
    if (!name)
        return RG_ENOTFOUND;
    char key[16];
    bool g711 = strcmp(name, "G711") == 0 || strcmp(name, "G711SS") == 0;
    if (g711 && law && strcmp(law, "muLaw") == 0)
        (void)snprintf(key, sizeof(key), "g711u");
    else if (g711 && law && strcmp(law, "aLaw") == 0)
        (void)snprintf(key, sizeof(key), "g711a");
    else
        (void)snprintf(key, sizeof(key), "%s", name);
    return rg_codec_cfg_lookup(rg_str_from_cstr(key), out, max, NULL);
}

static int add_entry(struct rg_mcodec_req *r, const struct rg_cfg_node *ce, bool first)
{
    const struct rg_codec *cs[2];
    int n = entry_codecs(ce, cs, 2);
    if (n <= 0)
        return n == 0 ? RG_ENOTFOUND : n;
    int64_t ptime = 20, pt = 128; /* schema defaults */
    if (rg_cfg_get_int(ce, "packetSize", &ptime) != RG_OK)
        ptime = 20;
    if (rg_cfg_get_int(ce, "preferredRtpPayloadType", &pt) != RG_OK)
        pt = 128;
    ptime = ptime < 10 ? 10 : ptime > 60 ? 60 : ptime;
    for (int i = 0; i < n; i++) {
        if (rg_mcodec_req_find(r, RG_MCODEC_TRANSCODE, cs[i]->id))
            continue;
        if (r->n >= RG_MCODEC_MAX)
            return RG_ELIMIT;
        /* A preferred PT applies to the entry's first codec only (G711
         * deriveFromOtherLeg names two). */
        r->item[r->n++] = (struct rg_mcodec_item){
            .op = RG_MCODEC_TRANSCODE, .codec = (uint8_t)cs[i]->id,
            .has_pt = i == 0 && pt >= 0 && pt < 128, .pt = (uint8_t)(pt & 0x7f),
            .ptime_ms = (uint8_t)ptime };
    }
    enum rg_dtmf_mode mode;
    const char *relay = rg_cfg_get_at(ce, "dtmf relay");
    if (first && relay && rg_dtmf_mode_parse(rg_str_from_cstr(relay), &mode) == RG_OK) {
        r->dtmf_set = true;
        r->dtmf_mode = (uint8_t)mode;
    }
    if (first)
        r->ptime_ms = (uint8_t)ptime;
    return RG_OK;
}

int rg_psp_codec_req(const struct rg_cfg *c, const char *psp, struct rg_mcodec_req *out,
                     unsigned *skipped)
{
    const struct rg_cfg_node *ces[RG_PSP_MAX_CODECS];
    int n = rg_cfg_psp_codecs(c, psp, ces);
    if (n < 0)
        return n;
    struct rg_mcodec_req r;
    memset(&r, 0, sizeof(r));
    unsigned skip = 0;
    bool first = true;
    for (int i = 0; i < n; i++) {
        int rc = add_entry(&r, ces[i], first);
        if (rc == RG_ENOTFOUND) {
            skip++;
            continue;
        }
        if (rc != RG_OK)
            return rc;
        first = false;
    }
    if (r.n) {
        char path[160];
        (void)snprintf(path, sizeof(path), "profiles media packetServiceProfile %s", psp);
        const char *hrp = rg_cfg_get_at(rg_cfg_lookup(c, path), "honorRemotePrecedence");
        r.mask_all = true;
        r.ours_first = !hrp || strcmp(hrp, "enabled") != 0;
    }
    *out = r;
    if (skipped)
        *skipped = skip;
    return r.n;
}
