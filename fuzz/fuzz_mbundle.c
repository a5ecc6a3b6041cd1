/*
 * fuzz_mbundle.c — routing of packets on a shared BUNDLE transport
 * (src/media/mcall_bundle.c rg_mbundle_demux, RFC 9143 §9.2): RTP header
 * extensions (MID, RFC 8285 one- and two-byte forms), SSRC tables and
 * compound RTCP walked from untrusted packets.
 *
 * Input: records of [flags byte][length byte][length bytes of packet].
 * flags bit 0-1: the stream whose transport the packet arrived on, bit 2:
 * the side (1 = the bundled WebRTC side), bit 3: RTCP.  The call has three
 * m= lines: 0 (audio, PT 0 8 101, mid "0") and 1 (video, PT 96 97, mid "1")
 * share stream 0's transport on side 1 (MID extension id 3); 2 (PT 111,
 * mid "2") has its own.  Records run in order, so the tables evolve.
 * Invariants: the result names a stream or "none"; a transport that is not
 * shared keeps its packets; the SSRC tables stay bounded and never map one
 * SSRC to two m= lines of a side.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/mcall_bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rg_mcall call;

static void setup(struct rg_mcall *c)
{
    static const uint8_t pts[3][3] = { { 0, 8, 101 }, { 96, 97 }, { 111 } };
    static const uint8_t n_pts[3] = { 3, 2, 1 };
    memset(c, 0, sizeof(*c));
    c->n_streams = 3;
    for (unsigned i = 0; i < 3; i++) {
        struct rg_mstream *st = &c->stream[i];
        st->mid[0] = (char)('0' + i);
        memcpy(st->pt, pts[i], n_pts[i]);
        st->n_pt = n_pts[i];
        st->transport_of[0] = (uint8_t)i;
        st->transport_of[1] = (uint8_t)(i == 1 ? 0 : i);
        st->mid_ext[1] = i < 2 ? 3 : 0;
    }
}

static void check_tables(const struct rg_mcall *c)
{
    for (int k = 0; k < 2; k++) {
        for (unsigned i = 0; i < c->n_streams; i++) {
            const struct rg_mstream *a = &c->stream[i];
            if (a->n_ssrc_in[k] > RG_MSTREAM_MAX_SSRC || a->n_ssrc_out[k] > RG_MSTREAM_MAX_SSRC)
                abort();
            for (unsigned j = i + 1; j < c->n_streams; j++)
                for (unsigned x = 0; x < a->n_ssrc_in[k]; x++)
                    for (unsigned y = 0; y < c->stream[j].n_ssrc_in[k]; y++)
                        if (a->ssrc_in[k][x] == c->stream[j].ssrc_in[k][y])
                            abort(); /* one SSRC, two m= lines */
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup(&call);
    size_t off = 0;
    while (off + 2 <= size) {
        uint8_t flags = data[off], len = data[off + 1];
        off += 2;
        if (len > size - off)
            len = (uint8_t)(size - off);
        unsigned owner = (flags & 3) % 3;
        int k = (flags >> 2) & 1;
        if (k == 1 && owner == 1)
            owner = 0; /* stream 1 has no transport of its own on side 1 */
        uint8_t pkt[256];
        memcpy(pkt, data + off, len);
        unsigned si = rg_mbundle_demux(&call, owner, k, pkt, len, (flags >> 3) & 1);
        bool shared = k == 1 && owner == 0;
        if (si > call.n_streams || (!shared && si != owner))
            abort();
        if (shared && si < call.n_streams && call.stream[si].transport_of[1] != 0)
            abort(); /* routed to an m= line outside the group */
        check_tables(&call);
        off += len;
    }
    return 0;
}
