/*
 * mcodec.c — codec requests (see mcodec.h).
 */
#include "media/mcodec.h"

bool rg_mcodec_req_any(const struct rg_mcodec_req *r)
{
    return r->n || r->strip_all || r->mask_all || r->ptime_ms;
}

const struct rg_codec *rg_mcodec_parse_name(struct rg_str name)
{
    /* "opus/48000/2": the encoding name decides; a clock, when given, must
     * be the codec's RTP clock (RFC 4566 §6 rtpmap). */
    long slash = rg_str_find_char(name, '/');
    struct rg_str enc = slash >= 0 ? rg_str_head(name, (size_t)slash) : name;
    uint32_t clock = 0;
    if (slash >= 0) {
        struct rg_str rest = rg_str_from(name, (size_t)slash + 1);
        long s2 = rg_str_find_char(rest, '/');
        if (s2 >= 0)
            rest = rg_str_head(rest, (size_t)s2);
        if (rg_str_to_u32(rest, 1000000, &clock) != RG_OK)
            return NULL;
    }
    for (size_t i = 0; i < rg_codec_count(); i++) {
        const struct rg_codec *c = rg_codec_at(i);
        if ((c->flags & RG_CODEC_F_AUDIO) && c->ops && rg_str_caseeq_cstr(enc, c->name) &&
            (!clock || clock == c->clock_hz))
            return c;
    }
    return NULL;
}

const struct rg_mcodec_item *rg_mcodec_req_find(const struct rg_mcodec_req *r,
                                                enum rg_mcodec_op op, enum rg_codec_id codec)
{
    for (unsigned i = 0; i < r->n && i < RG_MCODEC_MAX; i++)
        if (r->item[i].op == op && r->item[i].codec == codec)
            return &r->item[i];
    return NULL;
}

int rg_mcodec_req_add(struct rg_mcodec_req *r, enum rg_mcodec_op op, struct rg_str name)
{
    if (op < RG_MCODEC_STRIP || op > RG_MCODEC_ACCEPT)
        return RG_EINVAL;
    if (rg_str_caseeq_cstr(name, "all")) {
        if (op == RG_MCODEC_STRIP)
            r->strip_all = true;
        else if (op == RG_MCODEC_MASK)
            r->mask_all = true;
        else
            return RG_EINVAL;
        return RG_OK;
    }
    const struct rg_codec *c = rg_mcodec_parse_name(name);
    if (!c)
        return RG_ENOTFOUND;
    if (rg_mcodec_req_find(r, op, c->id))
        return RG_OK;
    if (r->n >= RG_MCODEC_MAX)
        return RG_ELIMIT;
    r->item[r->n++] = (struct rg_mcodec_item){ .op = (uint8_t)op, .codec = (uint8_t)c->id };
    return RG_OK;
}
