/* Unit tests for src/core/base64.c: RFC 4648 §10 vectors and strictness. */
#include "harness.h"

#include "core/base64.h"

static void rfc4648_vectors(struct rg_t *t)
{
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const enc[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                      "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char out[16];
        uint8_t dec[16];
        size_t n = strlen(plain[i]);
        CHECK_EQ_INT(t, rg_base64_encode((const uint8_t *)plain[i], n, out, sizeof(out)),
                     (int)strlen(enc[i]));
        CHECK(t, strcmp(out, enc[i]) == 0);
        CHECK_EQ_INT(t, rg_base64_decode(rg_str_from_cstr(enc[i]), dec, sizeof(dec)), (int)n);
        CHECK_MEM(t, dec, n, plain[i], n);
    }
}

static void strict_decode(struct rg_t *t)
{
    uint8_t out[32];
    memset(out, 0x55, sizeof(out));
    static const char *const bad[] = {
        "Zg=", "Zh==", "Zm9=", "Z===", "====", "Zg==Zg==", "Zm 9", "Zm9v\n", "Zm-v", "Zm9_"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (rg_base64_decode(rg_str_from_cstr(bad[i]), out, sizeof(out)) != RG_EBADMSG) {
            fprintf(stderr, "    accepted \"%s\"\n", bad[i]);
            t->failures++;
        }
    }
    CHECK(t, out[0] == 0x55); /* untouched on failure */
    CHECK_EQ_INT(t, rg_base64_decode(RG_STR_LIT("Zm9vYmFy"), out, 5), RG_ELIMIT);
    CHECK(t, out[0] == 0x55);
    char small[9];
    CHECK_EQ_INT(t, rg_base64_encode((const uint8_t *)"foobar", 6, small, 8), RG_ELIMIT);
    CHECK_EQ_INT(t, rg_base64_encode((const uint8_t *)"foobar", 6, small, 9), 8);
    /* All 256 byte values round-trip. */
    uint8_t all[256], back[256];
    char txt[RG_BASE64_ENC_LEN(256) + 1];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    CHECK_EQ_INT(t, rg_base64_encode(all, 256, txt, sizeof(txt)), RG_BASE64_ENC_LEN(256));
    CHECK_EQ_INT(t, rg_base64_decode(rg_str_from_cstr(txt), back, sizeof(back)), 256);
    CHECK_MEM(t, back, 256, all, 256);
}

static const struct rg_test_case cases[] = {
    {"rfc4648_vectors", rfc4648_vectors},
    {"strict_decode", strict_decode},
};

RG_TEST_MAIN(cases)
