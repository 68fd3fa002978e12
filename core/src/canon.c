/*
 * canon.c - the bounded canonical-msgpack reader and the body validator.
 *
 * Every byte of untrusted msgpack goes through nara__mp_next().  It reads one
 * header in this order, stopping at the first rule broken:
 *
 *   1. no byte left                                  NARA_TRUNCATED
 *   2. 0xc1 / float32, float64 / ext, fixext          NARA_TYPE / NARA_FLOAT / NARA_EXT
 *   3. the header's own value bytes missing           NARA_TRUNCATED
 *   4. value or length not in its shortest form       NARA_NONCANONICAL
 *   5. declared payload larger than what remains      NARA_TRUNCATED
 *      (str/bin: length > remaining; array: count > remaining;
 *       map: 2 * count > remaining, every pair needs at least two bytes)
 *
 * Step 5 is what makes amplification headers (DD FF FF FF FF) cheap: they are
 * refused before anything trusts the count.  Nothing here allocates, and
 * recursion is bounded by NARA_BODY_MAX_DEPTH.
 */
#include <assert.h>
#include <string.h>

#include "canon.h"
#include "nara_event.h"

static uint64_t load_be(const uint8_t *p, unsigned width)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < width; k++)
        v = (v << 8) | p[k];
    return v;
}

/* Fixed-width header: 1 type byte then `width` big-endian bytes, whose value
 * must be >= min (else a shorter form existed). */
static nara_err_t take_width(const uint8_t *p, size_t avail, unsigned width, uint64_t min,
                             uint64_t *v)
{
    if (avail - 1 < width)
        return NARA_TRUNCATED;
    *v = load_be(p + 1, width);
    return *v < min ? NARA_NONCANONICAL : NARA_OK;
}

/* int8..int64: canonical only for a negative value below the range of the
 * next shorter format (max is the largest value this width may carry). */
static nara_err_t take_signed(const uint8_t *p, size_t avail, unsigned width, int64_t max,
                              int64_t *v)
{
    uint64_t raw, sign = (uint64_t)1 << (8 * width - 1);

    if (avail - 1 < width)
        return NARA_TRUNCATED;
    raw = load_be(p + 1, width);
    if (raw & sign)
        raw |= ~((sign << 1) - 1); /* sign-extend; no-op at width 8 */
    memcpy(v, &raw, sizeof *v);    /* int64_t is two's complement */
    return *v > max ? NARA_NONCANONICAL : NARA_OK;
}

/* The one-byte forms: fixints, fixmap, fixarray, fixstr, nil, booleans. */
static bool read_one_byte(uint8_t b, nara__mp_item_t *it)
{
    static const struct {
        uint8_t lo, hi, kind, mask;
    } forms[] = {
        {0x00, 0x7f, NARA__MP_UINT, 0x7f},  {0x80, 0x8f, NARA__MP_MAP, 0x0f},
        {0x90, 0x9f, NARA__MP_ARRAY, 0x0f}, {0xa0, 0xbf, NARA__MP_STR, 0x1f},
        {0xc0, 0xc0, NARA__MP_NIL, 0x00},   {0xc2, 0xc3, NARA__MP_BOOL, 0x01},
    };

    if (b >= 0xe0) {
        it->kind = NARA__MP_NEG;
        it->i = (int64_t)b - 256;
        return true;
    }
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
        if (b >= forms[k].lo && b <= forms[k].hi) {
            it->kind = forms[k].kind;
            it->u = b & forms[k].mask;
            return true;
        }
    }
    return false;
}

/* 0xc1, floats and ext types are refused on their first byte. */
static nara_err_t forbidden(uint8_t b)
{
    if (b == 0xc1)
        return NARA_TYPE;
    if (b == 0xca || b == 0xcb)
        return NARA_FLOAT;
    if ((b >= 0xc7 && b <= 0xc9) || (b >= 0xd4 && b <= 0xd8))
        return NARA_EXT;
    return NARA_OK;
}

/* The type byte decides the kind and where the value comes from.  Fills *it
 * and *hdr (header size) without checking the payload against what remains. */
static nara_err_t read_header(const uint8_t *p, size_t avail, nara__mp_item_t *it, size_t *hdr)
{
    uint8_t b = p[0];
    nara_err_t rc;

    *hdr = 1;
    if (read_one_byte(b, it))
        return NARA_OK;
    rc = forbidden(b);
    if (rc != NARA_OK)
        return rc;

    static const struct {
        uint8_t byte, kind, width;
        uint64_t min;
    } fixed[] = {
        {0xc4, NARA__MP_BIN, 1, 0},
        {0xc5, NARA__MP_BIN, 2, 0x100},
        {0xc6, NARA__MP_BIN, 4, 0x10000},
        {0xcc, NARA__MP_UINT, 1, 0x80},
        {0xcd, NARA__MP_UINT, 2, 0x100},
        {0xce, NARA__MP_UINT, 4, 0x10000},
        {0xcf, NARA__MP_UINT, 8, 0x100000000u},
        {0xd9, NARA__MP_STR, 1, 32},
        {0xda, NARA__MP_STR, 2, 0x100},
        {0xdb, NARA__MP_STR, 4, 0x10000},
        {0xdc, NARA__MP_ARRAY, 2, 16},
        {0xdd, NARA__MP_ARRAY, 4, 0x10000},
        {0xde, NARA__MP_MAP, 2, 16},
        {0xdf, NARA__MP_MAP, 4, 0x10000},
    };
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++) {
        if (fixed[k].byte != b)
            continue;
        it->kind = fixed[k].kind;
        *hdr = 1u + fixed[k].width;
        return take_width(p, avail, fixed[k].width, fixed[k].min, &it->u);
    }

    /* Only 0xd0..0xd3 are left: int8, int16, int32, int64. */
    static const int64_t neg_max[4] = {-33, -129, -32769, -2147483649LL};
    unsigned n = (unsigned)(b - 0xd0);
    assert(n < 4);
    it->kind = NARA__MP_NEG;
    *hdr = 1u + (1u << n);
    return take_signed(p, avail, 1u << n, neg_max[n], &it->i);
}

nara_err_t nara__mp_next(nara__mp_reader_t *r, nara__mp_item_t *it)
{
    size_t avail = (size_t)(r->end - r->p), hdr, rest;
    nara_err_t rc;

    memset(it, 0, sizeof *it);
    if (avail == 0)
        return NARA_TRUNCATED;
    rc = read_header(r->p, avail, it, &hdr);
    if (rc != NARA_OK)
        goto fail;

    rest = avail - hdr;
    switch (it->kind) {
    case NARA__MP_STR:
    case NARA__MP_BIN:
        if (it->u > rest) {
            rc = NARA_TRUNCATED;
            goto fail;
        }
        it->data = r->p + hdr;
        r->p += hdr + (size_t)it->u;
        return NARA_OK;
    case NARA__MP_ARRAY:
        if (it->u > rest) {
            rc = NARA_TRUNCATED;
            goto fail;
        }
        break;
    case NARA__MP_MAP:
        if (it->u > rest / 2) {
            rc = NARA_TRUNCATED;
            goto fail;
        }
        break;
    default:
        break;
    }
    r->p += hdr;
    return NARA_OK;

fail:
    memset(it, 0, sizeof *it);
    return rc;
}

/* Are the eight bytes at p all ASCII? */
static bool ascii8(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return (w & 0x8080808080808080u) == 0;
}

bool nara__utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t c = s[i];
        size_t need;
        uint32_t cp, min;

        if (c < 0x80) {
            i++;
            while (n - i >= 8 && ascii8(s + i)) /* text is mostly ASCII */
                i += 8;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1fu;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0fu;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07u;
            min = 0x10000;
        } else
            return false; /* continuation byte, 0xc0/0xc1 or 0xf5.. */

        if (n - i - 1 < need)
            return false;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += need + 1;
    }
    return true;
}

static nara_err_t scan_value(nara__mp_reader_t *r, unsigned depth)
{
    nara__mp_item_t it;
    nara_err_t rc = nara__mp_next(r, &it);

    if (rc != NARA_OK)
        return rc;
    if (it.kind == NARA__MP_STR && !nara__utf8_valid(it.data, (size_t)it.u))
        return NARA_UTF8;
    if (it.kind == NARA__MP_ARRAY || it.kind == NARA__MP_MAP)
        return nara__mp_scan_children(r, &it, depth + 1);
    return NARA_OK;
}

/* One map key: a str (else KEY_ORDER), at most NARA_BODY_MAX_KEY bytes,
 * valid UTF-8, and bytewise greater than the previous key (if any). */
static nara_err_t scan_key(nara__mp_reader_t *r, nara__mp_item_t *key, const nara__mp_item_t *prev)
{
    nara_err_t rc = nara__mp_next(r, key);
    size_t n;
    int cmp;

    if (rc != NARA_OK)
        return rc;
    if (key->kind != NARA__MP_STR)
        return NARA_KEY_ORDER;
    if (key->u > NARA_BODY_MAX_KEY)
        return NARA_TOO_LARGE;
    if (!nara__utf8_valid(key->data, (size_t)key->u))
        return NARA_UTF8;
    if (prev == NULL)
        return NARA_OK;

    n = (size_t)(key->u < prev->u ? key->u : prev->u);
    cmp = n ? memcmp(prev->data, key->data, n) : 0;
    if (cmp > 0 || (cmp == 0 && prev->u >= key->u))
        return NARA_KEY_ORDER;
    return NARA_OK;
}

nara_err_t nara__mp_scan_children(nara__mp_reader_t *r, const nara__mp_item_t *c, unsigned depth)
{
    nara__mp_item_t key[2];
    nara_err_t rc;

    if (depth > NARA_BODY_MAX_DEPTH)
        return NARA_TOO_DEEP;
    if (c->u > NARA_BODY_MAX_ENTRIES)
        return NARA_TOO_LARGE;
    for (uint64_t k = 0; k < c->u; k++) {
        if (c->kind == NARA__MP_MAP) {
            rc = scan_key(r, &key[k & 1], k ? &key[(k - 1) & 1] : NULL);
            if (rc != NARA_OK)
                return rc;
        }
        rc = scan_value(r, depth);
        if (rc != NARA_OK)
            return rc;
    }
    return NARA_OK;
}

nara_err_t nara_body_validate(const uint8_t *body, size_t len)
{
    nara__mp_reader_t r;
    nara__mp_item_t it;
    nara_err_t rc;

    if (body == NULL)
        return NARA_INVAL;
    if (len > NARA_EVENT_MAX_BYTES)
        return NARA_TOO_LARGE;
    r.p = body;
    r.end = body + len;
    rc = nara__mp_next(&r, &it);
    if (rc != NARA_OK)
        return rc;
    if (it.kind != NARA__MP_MAP)
        return NARA_TYPE;
    rc = nara__mp_scan_children(&r, &it, 1);
    if (rc != NARA_OK)
        return rc;
    return r.p == r.end ? NARA_OK : NARA_TRAILING;
}

int nara__fixed_write(void *data, const char *bytes, size_t n)
{
    nara__fixed_out_t *o = data;

    if (n > o->cap - o->len)
        return -1;
    memcpy(o->buf + o->len, bytes, n);
    o->len += n;
    return 0;
}
