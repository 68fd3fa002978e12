/*
 * testutil.c - see testutil.h.  Everything here is deterministic given its
 * arguments except tu_temp_path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

void tu_keypair(uint64_t seed, nara_keypair_t *kp)
{
    uint8_t s[NARA_SEED_BYTES] = {0};
    for (int i = 0; i < 8; i++)
        s[i] = (uint8_t)(seed >> (8 * i));
    assert_int_equal(nara_keypair_from_seed(s, kp), NARA_OK);
}

size_t tu_body(uint8_t *buf, size_t cap, uint64_t n, size_t pad)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, pad > 0 ? 2 : 1);
    msgpack_pack_str(&pk, 1);
    msgpack_pack_str_body(&pk, "n", 1);
    msgpack_pack_uint64(&pk, n);
    if (pad > 0) {
        char *p = malloc(pad);
        assert_non_null(p);
        memset(p, 'x', pad);
        msgpack_pack_str(&pk, 1);
        msgpack_pack_str_body(&pk, "p", 1);
        msgpack_pack_str(&pk, pad);
        msgpack_pack_str_body(&pk, p, pad);
        free(p);
    }
    assert_true(sb.size <= cap);
    memcpy(buf, sb.data, sb.size);
    size_t len = sb.size;
    msgpack_sbuffer_destroy(&sb);
    return len;
}

void tu_rng_seed(tu_rng_t *r, uint64_t seed)
{
    r->state = seed;
}

uint64_t tu_rand(tu_rng_t *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

size_t tu_below(tu_rng_t *r, size_t n)
{
    return (size_t)(tu_rand(r) % n);
}

void tu_shuffle(tu_rng_t *r, size_t *v, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = tu_below(r, i), t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

void tu_list_push(tu_list_t *l, const uint8_t *bytes, size_t len)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        assert_non_null(l->v);
    }
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, bytes, len);
    l->v[l->n].bytes = copy;
    l->v[l->n].len = len;
    l->n++;
}

void tu_list_free(tu_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free((void *)l->v[i].bytes);
    free(l->v);
    memset(l, 0, sizeof *l);
}

void tu_feed_init(tu_feed_t *f, uint64_t key_seed, const char *stream)
{
    memset(f, 0, sizeof *f);
    tu_keypair(key_seed, &f->kp);
    assert_true(strlen(stream) <= NARA_STREAM_MAX);
    strcpy(f->stream, stream);
}

size_t tu_seal(const nara_keypair_t *kp, const char *stream, uint64_t seq, const uint8_t *prev,
               uint64_t hlc, uint64_t n, size_t pad, uint8_t *buf, size_t cap, nara_event_t *ev)
{
    uint8_t *body = malloc(pad + 64);
    size_t len = 0;
    assert_non_null(body);
    memset(ev, 0, sizeof *ev);
    strcpy(ev->stream, stream);
    strcpy(ev->kind, "test.note");
    ev->seq = seq;
    ev->has_prev = prev != NULL;
    if (prev)
        memcpy(ev->prev, prev, NARA_HASH_BYTES);
    ev->hlc = hlc;
    ev->body = body;
    ev->body_len = tu_body(body, pad + 64, n, pad);
    assert_int_equal(nara_event_seal(ev, kp, buf, cap, &len), NARA_OK);
    ev->body = NULL;
    free(body);
    return len;
}

void tu_feed_next(tu_feed_t *f, uint64_t hlc, uint64_t n, size_t pad, tu_list_t *out)
{
    uint8_t *buf = malloc(NARA_EVENT_MAX_BYTES);
    nara_event_t ev;
    assert_non_null(buf);
    size_t len = tu_seal(&f->kp, f->stream, f->seq + 1, f->seq ? f->link : NULL, hlc, n, pad, buf,
                         NARA_EVENT_MAX_BYTES, &ev);
    nara_event_link(&ev, f->link);
    f->seq++;
    tu_list_push(out, buf, len);
    free(buf);
}

void tu_feed_break_head_sig(tu_feed_t *f, tu_list_t *out, uint8_t id[NARA_ID_BYTES])
{
    nara_event_t ev;
    assert_true(out->n > 0 && f->seq > 0);
    nara_bytes_t *b = &out->v[out->n - 1];
    ((uint8_t *)b->bytes)[b->len - 1] ^= 0x01;
    assert_int_equal(nara_event_decode(b->bytes, b->len, &ev), NARA_OK);
    assert_int_equal(ev.seq, f->seq);
    assert_int_equal(nara_event_verify(&ev), NARA_SIGNATURE);
    nara_event_link(&ev, f->link);
    if (id)
        memcpy(id, ev.id, NARA_ID_BYTES);
}

void tu_collect(nara_store_t *s, const nara_vv_t *remote, tu_list_t *out)
{
    nara_iter_t *it = NULL;
    nara_bytes_t b;
    bool has = true;
    assert_int_equal(nara_store_iter_missing(s, remote, NULL, NULL, &it), NARA_OK);
    for (;;) {
        assert_int_equal(nara_iter_next(it, &b, &has), NARA_OK);
        if (!has)
            break;
        tu_list_push(out, b.bytes, b.len);
    }
    nara_iter_free(it);
}

nara_merge_stats_t tu_merge_range(nara_store_t *s, const tu_list_t *l, size_t from, size_t count,
                                  nara_outcome_t *outcomes)
{
    nara_merge_stats_t st;
    nara_outcome_t *out = outcomes ? outcomes : calloc(count ? count : 1, sizeof *out);
    assert_non_null(out);
    assert_true(from + count <= l->n);
    nara_err_t err = nara_store_merge(s, l->v + from, count, 1000, out, &st);
    if (err != NARA_OK)
        fail_msg("merge: %s (%s)", nara_err_name(err), nara_store_errmsg(s));
    if (!outcomes)
        free(out);
    return st;
}

nara_merge_stats_t tu_merge(nara_store_t *s, const tu_list_t *l, nara_outcome_t *outcomes)
{
    return tu_merge_range(s, l, 0, l->n, outcomes);
}

void tu_get_event(nara_store_t *s, const uint8_t id[NARA_ID_BYTES], nara_event_t *ev)
{
    uint8_t *buf = malloc(NARA_EVENT_MAX_BYTES);
    size_t len = 0;
    assert_non_null(buf);
    assert_int_equal(nara_store_get(s, id, buf, NARA_EVENT_MAX_BYTES, &len), NARA_OK);
    assert_int_equal(nara_event_decode(buf, len, ev), NARA_OK);
    ev->body = NULL;
    free(buf);
}

void tu_temp_path(char *buf, size_t cap)
{
    assert_true(cap >= 32);
    snprintf(buf, cap, "/tmp/nara-test-XXXXXX");
    int fd = mkstemp(buf);
    assert_true(fd >= 0);
    close(fd);
}

void tu_remove_db(const char *path)
{
    char p[256];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}
