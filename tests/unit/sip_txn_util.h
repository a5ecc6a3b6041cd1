/* Helpers shared by the SIP transaction and dialog tests: parsing text
 * messages and collecting a transaction layer's output. */
#ifndef RG_TESTS_SIP_TXN_UTIL_H
#define RG_TESTS_SIP_TXN_UTIL_H

#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "proto/sip/sip_build.h"
#include "proto/sip/sip_msg.h"
#include "proto/sip/sip_txn.h"

/* Parses text (LF line ends are turned into CRLF) into arena memory. */
static inline struct rg_sip_msg *tu_parse(struct rg_arena *a, const char *text)
{
    size_t n = strlen(text), k = 0;
    char *buf = rg_arena_alloc(a, 2 * n + 1);
    if (!buf)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
            buf[k++] = '\r';
        buf[k++] = text[i];
    }
    struct rg_sip_msg *m = NULL;
    struct rg_sip_error e;
    if (rg_sip_parse(buf, k, NULL, a, &m, &e) != RG_OK)
        return NULL;
    return m;
}

/* Parses a transmit's bytes into arena memory. */
static inline struct rg_sip_msg *tu_parse_tx(struct rg_arena *a, const struct rg_sip_transmit *tx)
{
    char *buf = rg_arena_alloc(a, tx->len + 1);
    if (!buf)
        return NULL;
    memcpy(buf, tx->data, tx->len);
    struct rg_sip_msg *m = NULL;
    struct rg_sip_error e;
    if (rg_sip_parse(buf, tx->len, NULL, a, &m, &e) != RG_OK)
        return NULL;
    return m;
}

/* Drains transmits; returns how many, keeps a parsed copy of the last. */
static inline int tu_drain_tx(struct rg_sip_txl *x, struct rg_arena *a, struct rg_sip_msg **last)
{
    struct rg_sip_transmit tx;
    int n = 0;
    while (rg_sip_txl_poll_transmit(x, &tx) == RG_OK) {
        n++;
        if (last)
            *last = tu_parse_tx(a, &tx);
    }
    return n;
}

#endif
