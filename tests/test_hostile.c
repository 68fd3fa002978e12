/*
 * test_hostile.c - narad against hostile clients, while honest ones sync.
 *
 * Each test starts a province and narad with its default limits, then
 * attacks it: forged signatures (an AUTH signed by another key, events with
 * broken or re-attributed signatures), a replayed challenge answer, events
 * for another region, oversized messages and declared sizes, deeply nested
 * messages, a flood of connection attempts, slowloris (a frame or a header
 * at one byte a second) and half-sent 1 MiB messages held open.  For each:
 *   - the attack is refused or cut off, and narad's log says why (asserted
 *     on its stderr lines);
 *   - an honest device syncs to completion during the attack;
 *   - narad's memory stays bounded: VmRSS before, VmHWM (peak) during and
 *     VmRSS after are read from /proc/<pid>/status and compared with a
 *     generous bound derived from the limits;
 *   - narad is still serving afterwards and stops cleanly (exit 0).
 * Attackers that need many sockets run in a forked child and connect from
 * 127.0.0.2 (still loopback, to 127.0.0.1), so that narad's per-address
 * limits (--max-per-ip, --conn-rate) tell them from the honest device on
 * 127.0.0.1.  Every test prints one line of what it measured.
 */
#define _DEFAULT_SOURCE /* MAP_ANON */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proc/proc.h"
#include "proc/wsclient.h"

#define ATTACKER "127.0.0.2"
#define HONEST_REGION "32.01"
#define OTHER_REGION "32.02"
#define MIB 1024L /* in KiB, as /proc reports */

/* ---- the world ------------------------------------------------------------------ */

typedef struct {
    pr_province_t p;
    pr_narad_t n;
    wc_client_t *honest;  /* regency 32.01, syncs during every attack */
    wc_client_t *victim;  /* secretariat, whose key attackers claim */
    wc_client_t *hostile; /* an enrolled regency 32.01 device gone bad */
    wc_client_t *other;   /* regency 32.02 */
    long rss0;            /* narad's VmRSS once warmed up, KiB */
    unsigned honest_syncs;
    uint64_t honest_max_ms;
} world_t;

static void append(wc_client_t *c, const char *stream, unsigned count)
{
    static unsigned serial;
    for (unsigned i = 0; i < count; i++) {
        uint8_t body[] = {0x81, 0xa1, 'n', (uint8_t)(serial++ & 0x7f)};
        assert_int_equal(nara_store_append(c->store, &c->kp, stream, "case.note", body, sizeof body,
                                           pr_now_ms(), NULL),
                         NARA_OK);
    }
}

static char *short_hex(const uint8_t pk[NARA_PUBLICKEY_BYTES], char out[17])
{
    nara_hex(pk, 8, out);
    return out;
}

/* The honest device records two events and syncs them; fails the test if
 * that does not complete, or narad did not acknowledge them. */
static void honest_sync(world_t *w)
{
    append(w->honest, HONEST_REGION, 2);
    uint64_t t0 = pr_now_ms();
    size_t before = w->honest->acked.n;
    if (!wc_sync(w->honest, w->n.port, PR_DEADLINE_MS)) {
        const char *text = "";
        nara_err_t err = nara_session_error(w->honest->session, &text);
        fail_msg("the honest device could not sync during the attack: %s %s (state %d, "
                 "connected %d, connection error %d, %llu ms)",
                 nara_err_name(err), text ? text : "", (int)nara_session_state(w->honest->session),
                 w->honest->connected, w->honest->conn_error,
                 (unsigned long long)(pr_now_ms() - t0));
    }
    uint64_t ms = pr_now_ms() - t0;
    assert_true(w->honest->acked.n >= before + 2);
    w->honest_syncs++;
    if (ms > w->honest_max_ms)
        w->honest_max_ms = ms;
}

static int setup(void **state)
{
    world_t *w = calloc(1, sizeof *w);
    assert_non_null(w);
    pr_province_make(&w->p, "hostile");
    w->honest = wc_client_new(NULL, w->p.server.pk, NULL);
    w->victim = wc_client_new(NULL, w->p.server.pk, NULL);
    w->hostile = wc_client_new(NULL, w->p.server.pk, NULL);
    w->other = wc_client_new(NULL, w->p.server.pk, NULL);
    pr_enrol(&w->p, w->honest->kp.pk, NARA_ROLE_REGENCY, HONEST_REGION);
    pr_enrol(&w->p, w->victim->kp.pk, NARA_ROLE_SECRETARIAT, NULL);
    pr_enrol(&w->p, w->hostile->kp.pk, NARA_ROLE_REGENCY, HONEST_REGION);
    pr_enrol(&w->p, w->other->kp.pk, NARA_ROLE_REGENCY, OTHER_REGION);
    pr_narad_start(&w->p, &w->n, NULL);
    append(w->other, OTHER_REGION, 2);
    assert_true(wc_sync(w->other, w->n.port, PR_DEADLINE_MS));
    honest_sync(w);
    w->honest_syncs = 0;
    w->honest_max_ms = 0;
    w->rss0 = pr_rss_kb(w->n.pid);
    assert_true(w->rss0 > 0);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world_t *w = *state;
    if (w->n.pid > 0) {
        honest_sync(w); /* still serving */
        assert_int_equal(pr_narad_stop(&w->n), 0);
    }
    wc_client_free(w->honest);
    wc_client_free(w->victim);
    wc_client_free(w->hostile);
    wc_client_free(w->other);
    pr_province_remove(&w->p);
    free(w);
    return 0;
}

/* After a failed test: no process of ours outlives it. */
static int teardown_failed(void **state)
{
    (void)state;
    pr_kill_all();
    return 0;
}

/* The log must hold a line with needle (and needle2, if not NULL) within
 * 5 s (narad logs a connection's end when it notices it); prints the log if
 * not. */
static void want_log2(world_t *w, const char *needle, const char *needle2)
{
    uint64_t deadline = pr_now_ms() + 5000;
    while (pr_log_count2(&w->p, needle, needle2) == 0 && pr_now_ms() < deadline)
        pr_sleep_ms(20);
    if (pr_log_count2(&w->p, needle, needle2) == 0) {
        pr_log_print(&w->p, NULL, 60);
        fail_msg("narad's log has no line with \"%s\"%s%s", needle, needle2 ? " and " : "",
                 needle2 ? needle2 : "");
    }
}

static void want_log(world_t *w, const char *needle)
{
    want_log2(w, needle, NULL);
}

/* narad's memory: peak during the attack and resident after, against the
 * resident size before; both must stay within bound_kib. */
static void check_memory(world_t *w, const char *attack, long bound_kib)
{
    long hwm = pr_hwm_kb(w->n.pid), rss = pr_rss_kb(w->n.pid);
    fprintf(stderr,
            "%s: narad VmRSS %ld KiB before, VmHWM %ld KiB, VmRSS %ld KiB after (bound +%ld "
            "KiB); honest syncs %u, slowest %llu ms\n",
            attack, w->rss0, hwm, rss, bound_kib, w->honest_syncs,
            (unsigned long long)w->honest_max_ms);
    assert_true(hwm > 0 && rss > 0);
    assert_true(hwm - w->rss0 <= bound_kib);
    assert_true(rss - w->rss0 <= bound_kib);
}

/* The hostile client and the honest one in one lws context, at once. */
static void attack_alongside_honest(world_t *w, wc_client_t *attacker)
{
    append(w->honest, HONEST_REGION, 2);
    struct lws_context *ctx = wc_context();
    wc_connect(ctx, attacker, w->n.port);
    wc_connect(ctx, w->honest, w->n.port);
    wc_client_t *both[] = {attacker, w->honest, NULL};
    assert_true(wc_service_until(ctx, wc_all_finished, both, 2 * PR_DEADLINE_MS));
    wc_context_free(ctx);
    if (!wc_session_ok(w->honest))
        fail_msg("the honest device could not sync alongside the attacker");
    w->honest_syncs++;
}

/* The session's error code, or the code of an ERROR the script received. */
static nara_err_t session_error(const wc_client_t *c)
{
    const char *text;
    return nara_session_error(c->session, &text);
}

/* ---- forged signatures and replay ------------------------------------------------- */

/* HELLO names the victim's key, but AUTH is signed with another key. */
static void auth_signed_with_another_key_is_refused(void **state)
{
    world_t *w = *state;
    nara_keypair_t forged;
    assert_int_equal(nara_keypair_generate(&forged), NARA_OK);
    memcpy(forged.pk, w->victim->kp.pk, NARA_PUBLICKEY_BYTES); /* sk stays the forger's */
    wc_client_t *a = wc_client_new(&forged, w->p.server.pk, NULL);
    attack_alongside_honest(w, a);
    assert_int_equal(session_error(a), NARA_AUTH);
    /* narad cannot name the key claimed: it is only known once it verified */
    want_log(w, "refused 127.0.0.1 device -: NARA_AUTH (device signature does not verify)");
    check_memory(w, "forged AUTH signature", 16 * MIB);
    wc_client_free(a);
}

typedef struct {
    const world_t *w;
    int step;
    uint64_t error_code;
} replay_t;

/* Replays the victim's recorded HELLO, then its recorded AUTH in answer to
 * the new CHALLENGE. */
static int replay_script(wc_client_t *c, const uint8_t *msg, size_t len)
{
    replay_t *r = c->user;
    const wc_client_t *v = r->w->victim;
    if (!msg) {
        wc_send(c, v->rec[0], v->rec_len[0]); /* HELLO */
        return 0;
    }
    wc_mp_t m = {msg, msg + len, false};
    size_t n = wc_mp_array(&m);
    uint64_t type = wc_mp_uint(&m);
    if (type == 2 && r->step++ == 0) {        /* CHALLENGE: a fresh server nonce */
        wc_send(c, v->rec[1], v->rec_len[1]); /* the old AUTH */
        return 0;
    }
    if (type == 8 && n == 4)
        r->error_code = wc_mp_uint(&m);
    return 1;
}

static void replayed_challenge_answer_is_refused(void **state)
{
    world_t *w = *state;
    w->victim->record = true;
    assert_true(wc_sync(w->victim, w->n.port, PR_DEADLINE_MS)); /* the recording */
    assert_true(w->victim->n_rec >= 2 && w->victim->rec[1][1] == 0x03);
    wc_client_t *a = wc_client_new(NULL, w->p.server.pk, NULL);
    replay_t r = {w, 0, 0};
    a->script = replay_script;
    a->user = &r;
    attack_alongside_honest(w, a);
    assert_int_equal(r.error_code, NARA_AUTH);
    want_log(w, "refused 127.0.0.1 device -: NARA_AUTH (device signature does not verify)");
    check_memory(w, "replayed AUTH", 16 * MIB);
    wc_client_free(a);
}

/* Positions of the events of an EVENTS message (at most 8). */
static size_t event_offsets(const uint8_t *msg, size_t len, size_t off[8], size_t elen[8])
{
    wc_mp_t r = {msg, msg + len, false};
    if (len < 2 || msg[1] != 0x05 || wc_mp_array(&r) != 3)
        return 0;
    (void)wc_mp_uint(&r);
    (void)wc_mp_uint(&r);
    size_t n = wc_mp_array(&r), k = 0;
    for (size_t i = 0; i < n && k < 8 && !r.bad; i++) {
        const uint8_t *e = wc_mp_bin(&r, &elen[k]);
        if (e)
            off[k++] = (size_t)(e - msg);
    }
    return k;
}

/* Event 0: its signature's last bit flipped.  Events 1 and 2: re-attributed
 * to the province root and to the victim (author bytes replaced). */
static size_t forge_events(wc_client_t *c, uint8_t *msg, size_t len, size_t cap)
{
    const world_t *w = c->user;
    size_t off[8], elen[8];
    size_t n = event_offsets(msg, len, off, elen);
    (void)cap;
    for (size_t i = 0; i < n; i++) {
        uint8_t *e = msg + off[i];
        assert_true(e[0] == 0x99 && e[2] == 0xc4 &&
                    e[3] == 0x20); /* [version, author bin32, ...] */
        if (i % 3 == 0)
            e[elen[i] - 1] ^= 1;
        else
            memcpy(e + 4, i % 3 == 1 ? w->p.root.pk : w->victim->kp.pk, NARA_PUBLICKEY_BYTES);
    }
    return len;
}

static void forged_event_signatures_are_refused_and_do_not_block_the_genuine(void **state)
{
    world_t *w = *state;
    long before = pr_healthz_events(w->n.port);
    append(w->hostile, HONEST_REGION, 3);
    w->hostile->tamper = forge_events;
    w->hostile->user = w;
    attack_alongside_honest(w, w->hostile);
    assert_int_equal(w->hostile->acked.n, 0);
    assert_int_equal(w->hostile->acked_refused, 3);
    assert_int_equal(pr_healthz_events(w->n.port), before + 2); /* the honest pair only */
    /* It may end with BYE ("closed") or hang up while narad still pushes it
     * the honest device's events ("dropped while ..."). */
    char dev[17], needle[64];
    snprintf(needle, sizeof needle, "device %s: ", short_hex(w->hostile->kp.pk, dev));
    want_log2(w, needle, "(received 3, added 0, refused 3,");
    /* The forged copies hold no position: the genuine events still go in. */
    w->hostile->tamper = NULL;
    assert_true(wc_sync(w->hostile, w->n.port, PR_DEADLINE_MS));
    assert_int_equal(w->hostile->acked.n, 3);
    assert_int_equal(pr_healthz_events(w->n.port), before + 2 + 3);
    check_memory(w, "forged event signatures", 16 * MIB);
}

/* ---- scope ------------------------------------------------------------------------ */

/* The other region's device's own feed only (its replica also holds the
 * province's events). */
static bool only_feed(void *ctx, const uint8_t author[NARA_PUBLICKEY_BYTES], const char *stream)
{
    const wc_client_t *c = ctx;
    return memcmp(author, c->kp.pk, NARA_PUBLICKEY_BYTES) == 0 && strcmp(stream, OTHER_REGION) == 0;
}

static void events_for_another_region_are_refused(void **state)
{
    world_t *w = *state;
    long before = pr_healthz_events(w->n.port);
    /* Two events of its own in a region outside its scope, and two genuine
     * events of the other region's device, relayed. */
    append(w->hostile, OTHER_REGION, 2);
    nara_iter_t *it;
    nara_bytes_t ev[2];
    uint8_t copy[2][512];
    bool has;
    nara_outcome_t out[2];
    assert_int_equal(nara_store_iter_missing(w->other->store, NULL, only_feed, w->other, &it),
                     NARA_OK);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(nara_iter_next(it, &ev[i], &has), NARA_OK);
        assert_true(has && ev[i].len <= sizeof copy[i]);
        memcpy(copy[i], ev[i].bytes, ev[i].len);
        ev[i].bytes = copy[i];
    }
    nara_iter_free(it);
    assert_int_equal(nara_store_merge(w->hostile->store, ev, 2, pr_now_ms(), out, NULL), NARA_OK);
    attack_alongside_honest(w, w->hostile);
    assert_int_equal(w->hostile->acked_refused, 4);
    assert_int_equal(w->hostile->acked.n, 0);
    assert_int_equal(session_error(w->hostile), NARA_OK); /* refused events, not a failure */
    assert_int_equal(pr_healthz_events(w->n.port), before + 2);
    char dev[17], needle[64];
    snprintf(needle, sizeof needle, "device %s: ", short_hex(w->hostile->kp.pk, dev));
    want_log2(w, needle, "(received 4, added 0, refused 4,");
    check_memory(w, "events for another region", 16 * MIB);
}

/* ---- oversized and nested messages --------------------------------------------------- */

typedef struct {
    const uint8_t *bytes;
    size_t len;
    size_t repeat_byte_len; /* > 0: then this many copies of repeat_byte */
    uint8_t repeat_byte;
    uint64_t error_code;
} junk_t;

/* Sends one prepared message on connecting; keeps the ERROR's code. */
static int junk_script(wc_client_t *c, const uint8_t *msg, size_t len)
{
    junk_t *j = c->user;
    if (!msg) {
        size_t total = j->len + j->repeat_byte_len;
        uint8_t *m = malloc(total);
        assert_non_null(m);
        if (j->len)
            memcpy(m, j->bytes, j->len);
        memset(m + j->len, j->repeat_byte, j->repeat_byte_len);
        wc_send(c, m, total);
        free(m);
        return 0;
    }
    wc_mp_t r = {msg, msg + len, false};
    if (wc_mp_array(&r) == 4 && wc_mp_uint(&r) == 8)
        j->error_code = wc_mp_uint(&r);
    return 1;
}

static void run_junk(world_t *w, junk_t *j, size_t fragment, int *close_status)
{
    wc_client_t *a = wc_client_new(NULL, w->p.server.pk, NULL);
    a->script = junk_script;
    a->user = j;
    a->fragment = fragment;
    attack_alongside_honest(w, a);
    *close_status = a->close_status;
    wc_client_free(a);
}

/* What the hostile (authenticated) device sends instead of its first
 * EVENTS message. */
static junk_t *g_replacement;

static size_t replace_events(wc_client_t *c, uint8_t *msg, size_t len, size_t cap)
{
    (void)c;
    junk_t *j = g_replacement;
    if (len < 2 || msg[0] != 0x93 || msg[1] != 0x05 || !j)
        return len;
    assert_true(j->len + j->repeat_byte_len <= cap);
    memcpy(msg, j->bytes, j->len);
    memset(msg + j->len, j->repeat_byte, j->repeat_byte_len);
    g_replacement = NULL; /* once */
    return j->len + j->repeat_byte_len;
}

/* The hostile device starts over with one new event, so that its batch
 * holds exactly one event whatever it sent before. */
static void run_replaced_events(world_t *w, junk_t *j)
{
    nara_store_close(w->hostile->store);
    assert_int_equal(nara_store_open(":memory:", &w->hostile->store), NARA_OK);
    append(w->hostile, HONEST_REGION, 1);
    g_replacement = j;
    w->hostile->tamper = replace_events;
    attack_alongside_honest(w, w->hostile);
    w->hostile->tamper = NULL;
}

static void oversized_messages_are_refused(void **state)
{
    world_t *w = *state;
    char dev[17], needle[128];
    int status = 0;

    /* A first message of 4 KiB (a HELLO is 71 bytes): closed with 1009 at
     * once, while the honest device syncs. */
    static const uint8_t hello_start[] = {0x94, 0x01, 0x01};
    junk_t first = {hello_start, sizeof hello_start, 4096, 0xc1, 0};
    run_junk(w, &first, 0, &status);
    assert_int_equal(status, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
    want_log(w, "refused 127.0.0.1 device -: first message over 256 bytes");

    /* Authenticated: a message over 1 MiB, in 256 KiB fragments: 1009 too. */
    static const uint8_t events_start[] = {0x93, 0x05, 0x01};
    junk_t big = {events_start, sizeof events_start, NARA_MAX_MESSAGE_BYTES, 0xc1, 0};
    w->hostile->fragment = 256 * 1024;
    run_replaced_events(w, &big);
    w->hostile->fragment = 0;
    snprintf(needle, sizeof needle, "refused 127.0.0.1 device %s: message over 1048576 bytes",
             short_hex(w->hostile->kp.pk, dev));
    want_log(w, needle);
    /* narad closes while the rest of the last fragment is still on its way;
     * a socket closed with unread bytes sends a TCP reset, which can reach
     * the device before the close frame does.  So the device sees 1009 or
     * nothing, never another status. */
    assert_true(w->hostile->close_status == LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE ||
                w->hostile->close_status == 0);

    /* A 9-byte HELLO declaring a 4 GiB key. */
    static const uint8_t huge_bin[] = {0x94, 0x01, 0x01, 0xc6, 0xff, 0xff, 0xff, 0xff, 0x00};
    junk_t decl = {huge_bin, sizeof huge_bin, 0, 0, 0};
    run_junk(w, &decl, 0, &status);
    assert_int_equal(decl.error_code, NARA_MALFORMED);
    want_log(w, "session failed with 127.0.0.1 device -: NARA_MALFORMED");

    /* Authenticated: EVENTS declaring 2100 events (the batch limit is 2048). */
    static const uint8_t many[] = {0x93, 0x05, 0x01, 0xdc, 0x08, 0x34};
    junk_t list = {many, sizeof many, 2100 * 3, 0xc0, 0};
    run_replaced_events(w, &list);
    /* docs/protocol.md section 8 says NARA_TOO_LARGE; a decoder that first
     * finds the elements malformed says NARA_MALFORMED.  Either refuses. */
    /* narad's log is the authority on why it cut the session: on a loaded
     * machine the hostile client may see the close before the ERROR. */
    nara_err_t err = session_error(w->hostile);
    if (err != NARA_TOO_LARGE && err != NARA_MALFORMED) {
        fprintf(stderr, "hostile client saw %s; reading narad's log instead\n",
                nara_err_name(err));
        snprintf(needle, sizeof needle, "session failed with 127.0.0.1 device %s: NARA_TOO",
                 short_hex(w->hostile->kp.pk, dev));
        err = pr_log_count2(&w->p, needle, NULL) > 0 ? NARA_TOO_LARGE : NARA_MALFORMED;
    }
    snprintf(needle, sizeof needle, "session failed with 127.0.0.1 device %s: %s",
             short_hex(w->hostile->kp.pk, dev), nara_err_name(err));
    want_log(w, needle);

    /* Authenticated: one event of 1 MiB - 64 B, over the 64 KiB event limit. */
    static uint8_t one_big[] = {0x93, 0x05, 0x01, 0x91, 0xc6, 0x00, 0x0f, 0xff, 0xb0};
    junk_t ev = {one_big, sizeof one_big, 0x000fffb0, 0x00, 0};
    long before = pr_healthz_events(w->n.port);
    run_replaced_events(w, &ev);
    assert_int_equal(pr_healthz_events(w->n.port), before + 2); /* the honest pair only */
    assert_true(w->hostile->acked_refused >= 1);
    check_memory(w, "oversized messages", 32 * MIB);
}

static void deeply_nested_messages_are_refused(void **state)
{
    world_t *w = *state;
    int status;
    char dev[17], needle[128];
    /* Before authentication: 200 000 nested one-element arrays are over the
     * first message's 256 bytes; 250 within them are malformed. */
    junk_t pre = {NULL, 0, 200000, 0x91, 0};
    run_junk(w, &pre, 0, &status);
    assert_int_equal(status, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
    want_log(w, "refused 127.0.0.1 device -: first message over 256 bytes");
    junk_t small = {NULL, 0, 250, 0x91, 0};
    run_junk(w, &small, 0, &status);
    assert_int_equal(small.error_code, NARA_MALFORMED);
    want_log(w, "session failed with 127.0.0.1 device -: NARA_MALFORMED");
    /* After: EVENTS whose list nests 200 000 levels deep. */
    static const uint8_t head[] = {0x93, 0x05, 0x01};
    junk_t post = {head, sizeof head, 200000, 0x91, 0};
    run_replaced_events(w, &post);
    assert_int_equal(session_error(w->hostile), NARA_MALFORMED);
    snprintf(needle, sizeof needle, "session failed with 127.0.0.1 device %s: NARA_MALFORMED",
             short_hex(w->hostile->kp.pk, dev));
    want_log(w, needle);
    /* An event whose body nests 100 000 levels deep (the limit is 8). */
    static uint8_t ev[100200];
    size_t k = 0;
    static const uint8_t msg_head[] = {0x93, 0x05, 0x01, 0x91, 0xc6};
    memcpy(ev + k, msg_head, sizeof msg_head);
    k += sizeof msg_head + 4; /* the bin length, filled in below */
    size_t start = k;
    ev[k++] = 0x99; /* [version, author, stream, seq, prev, hlc, kind, body, sig] */
    ev[k++] = 0x01;
    ev[k++] = 0xc4;
    ev[k++] = 0x20;
    memcpy(ev + k, w->hostile->kp.pk, NARA_PUBLICKEY_BYTES);
    k += NARA_PUBLICKEY_BYTES;
    static const uint8_t mid[] = {0xa5, '3',  '2',  '.',  '0',  '1',  0x01, 0xc0, 0xcf, 0x01,
                                  0x8b, 0xcf, 0xe5, 0x68, 0x00, 0x00, 0x00, 0xa9, 'c',  'a',
                                  's',  'e',  '.',  'n',  'o',  't',  'e',  0x81, 0xa1, 'n'};
    memcpy(ev + k, mid, sizeof mid);
    k += sizeof mid;
    memset(ev + k, 0x91, 100000);
    k += 100000;
    ev[k++] = 0x90;
    ev[k++] = 0xc4;
    ev[k++] = 0x40;
    k += 64; /* a zero signature */
    size_t elen = k - start;
    for (int i = 0; i < 4; i++)
        ev[sizeof msg_head + (size_t)i] = (uint8_t)(elen >> (24 - 8 * i));
    junk_t body = {ev, k, 0, 0, 0};
    long before = pr_healthz_events(w->n.port);
    run_replaced_events(w, &body);
    assert_int_equal(session_error(w->hostile), NARA_OK); /* an ACK refusing it */
    assert_int_equal(w->hostile->acked.n, 0);
    assert_int_equal(pr_healthz_events(w->n.port), before + 2); /* the honest pair only */
    snprintf(needle, sizeof needle, "device %s: ", short_hex(w->hostile->kp.pk, dev));
    want_log2(w, needle, "(received 1, added 0, refused 1,");
    check_memory(w, "deeply nested messages", 16 * MIB);
}

/* ---- attackers in a child process, from 127.0.0.2 ------------------------------------ */

typedef struct {
    int port;
    unsigned seconds;
    unsigned conns; /* slowloris and hog: connections to hold */
    volatile uint64_t attempts, connected, connected2, cut, max_held_ms;
    volatile int phase; /* memory hog: 1 first round, 2 second, 3 holding */
} attack_t;

static attack_t *attack_new(int port, unsigned seconds, unsigned conns)
{
    attack_t *a = mmap(NULL, sizeof *a, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANON, -1, 0);
    assert_true(a != MAP_FAILED);
    memset((void *)a, 0, sizeof *a);
    a->port = port;
    a->seconds = seconds;
    a->conns = conns;
    return a;
}

static void attack_free(attack_t *a)
{
    munmap((void *)a, sizeof *a);
}

/* Honest syncs, one after another, while the child attacks. */
static void sync_during(world_t *w, pid_t child, unsigned seconds)
{
    uint64_t end = pr_now_ms() + seconds * 1000u;
    pr_sleep_ms(300); /* let the attack start */
    while (pr_now_ms() < end) {
        honest_sync(w);
        pr_sleep_ms(200);
    }
    pr_child_stop(child);
    assert_true(w->honest_syncs >= 2);
}

#define FLOOD_HOLD 12000
#define FLOOD_PER_MS 2 /* attempts a millisecond: 8 000 in 4 s, all held open */

/* Connect as fast as allowed and keep every socket: the admitted ones pile
 * up against --max-per-ip, the rest against --conn-rate. */
static void flood(void *arg)
{
    attack_t *a = arg;
    uint64_t start = pr_now_ms(), end = start + a->seconds * 1000u;
    while (pr_now_ms() < end && a->attempts < FLOOD_HOLD) {
        if (a->attempts >= (pr_now_ms() - start) * FLOOD_PER_MS) {
            pr_sleep_ms(1);
            continue;
        }
        int fd = pr_tcp_connect(ATTACKER, a->port, true);
        a->attempts++;
        if (fd >= 0)
            a->connected++;
    }
    while (pr_now_ms() < end)
        pr_sleep_ms(50);
    /* exit closes them all */
}

static void connection_flood_is_limited_per_address(void **state)
{
    world_t *w = *state;
    attack_t *a = attack_new(w->n.port, 4, 0);
    pid_t child = pr_child(flood, (void *)a);
    sync_during(w, child, 4);
    want_log(w, "refused " ATTACKER ": too many new connections a second from this address");
    want_log(w, "refused " ATTACKER ": too many connections open from this address");
    fprintf(stderr, "connection flood: %llu attempts from " ATTACKER " in 4 s\n",
            (unsigned long long)a->attempts);
    check_memory(w, "connection flood", 48 * MIB);
    attack_free(a);
}

/* Write one byte a second on each connection: half of them the HTTP
 * upgrade, half a sync frame after a complete upgrade. */
static const char upgrade[] =
    "GET /sync HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: nara-sync.v1\r\n\r\n";

/* Read until the end of the 101 response (or give up). */
static bool read_upgrade(int fd)
{
    char buf[1024];
    size_t got = 0;
    uint64_t end = pr_now_ms() + 3000;
    while (got < sizeof buf - 1 && pr_now_ms() < end) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t r = read(fd, buf + got, sizeof buf - 1 - got);
        if (r <= 0)
            return false;
        got += (size_t)r;
        buf[got] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            return strncmp(buf, "HTTP/1.1 101", 12) == 0;
    }
    return false;
}

typedef struct {
    int fd;
    bool ws;
    size_t sent;
    uint64_t opened_ms;
    bool dead;
} slow_t;

static void slowloris(void *arg)
{
    attack_t *a = arg;
    static slow_t s[64];
    static const uint8_t frame[] = {0x82, 0x80 | 71, 0, 0, 0, 0}; /* + 71 bytes: a HELLO's size */
    unsigned n = a->conns < 64 ? a->conns : 64;
    for (unsigned i = 0; i < n; i++) {
        s[i].fd = pr_tcp_connect(ATTACKER, a->port, false);
        s[i].ws = i % 2;
        s[i].opened_ms = pr_now_ms();
        a->attempts++;
        if (s[i].fd >= 0 && s[i].ws) {
            if (write(s[i].fd, upgrade, sizeof upgrade - 1) != (ssize_t)(sizeof upgrade - 1) ||
                !read_upgrade(s[i].fd))
                s[i].dead = true;
        }
        if (s[i].fd < 0)
            s[i].dead = true;
        else
            a->connected++;
        pr_sleep_ms(60); /* within --conn-rate */
    }
    uint64_t end = pr_now_ms() + a->seconds * 1000u;
    while (pr_now_ms() < end) {
        for (unsigned i = 0; i < n; i++) {
            if (s[i].dead)
                continue;
            uint8_t b = s[i].ws ? (s[i].sent < sizeof frame ? frame[s[i].sent] : 0)
                                : (uint8_t)upgrade[s[i].sent % (sizeof upgrade - 1)];
            struct pollfd p = {s[i].fd, POLLIN, 0};
            bool closed = poll(&p, 1, 0) > 0; /* narad closed it (EOF or RST) */
            if (closed || send(s[i].fd, &b, 1, MSG_NOSIGNAL) != 1) {
                s[i].dead = true;
                a->cut++;
                uint64_t held = pr_now_ms() - s[i].opened_ms;
                if (held > a->max_held_ms)
                    a->max_held_ms = held;
                continue;
            }
            s[i].sent++;
        }
        pr_sleep_ms(1000);
    }
}

static void slowloris_is_cut_off_by_the_handshake_timeout(void **state)
{
    world_t *w = *state;
    attack_t *a = attack_new(w->n.port, 14, 40);
    pid_t child = pr_child(slowloris, (void *)a);
    sync_during(w, child, 16);
    fprintf(stderr,
            "slowloris: %llu connections at 1 byte/s from " ATTACKER ", %llu cut off, the "
            "longest held %.1f s\n",
            (unsigned long long)a->connected, (unsigned long long)a->cut,
            (double)a->max_held_ms / 1000.0);
    assert_int_equal(a->cut, a->connected);
    assert_true(a->max_held_ms <= 13000);
    want_log(w, "closed " ATTACKER ": no request within 10 s");
    want_log(w, ATTACKER " device -: handshake timeout");
    /* Each held connection: its session and buffers (~230 KiB), and what the
     * allocator cannot give back while the honest sessions' 1 MiB batch
     * buffers come and go around them: 1.5 MiB each, and 16 MiB for the rest. */
    check_memory(w, "slowloris", 40 * 3 * MIB / 2 + 16 * MIB);
    attack_free(a);
}

/* Upgrade, send a HELLO (a first message may not be larger), then 1 MiB -
 * 576 B of a frame declaring 1 MiB - 64 B (an AUTH may not be larger than
 * the province's vector needs: narad cuts it there), and hold; a->conns
 * connections (as many as narad admits).  Returns how many. */
static unsigned hog_round(attack_t *a, int *fds)
{
    static uint8_t junk[NARA_MAX_MESSAGE_BYTES];
    /* masked with a zero key; device key and nonce: any 32 bytes */
    static uint8_t hello[6 + 71] = {0x82, 0x80 | 71, 0, 0, 0, 0, 0x94, 0x01, 0x01, 0xc4, 0x20};
    hello[6 + 37] = 0xc4;
    hello[6 + 38] = 0x20;
    const uint64_t declared = NARA_MAX_MESSAGE_BYTES - 64;
    uint8_t hdr[14] = {0x82, 0x80 | 127}; /* + 8 bytes of length, 4 of mask (zero) */
    for (int i = 0; i < 8; i++)
        hdr[2 + i] = (uint8_t)(declared >> (56 - 8 * i));
    unsigned got = 0;
    for (unsigned i = 0; i < a->conns; i++) {
        fds[i] = pr_tcp_connect(ATTACKER, a->port, false);
        a->attempts++;
        if (fds[i] < 0)
            continue;
        if (write(fds[i], upgrade, sizeof upgrade - 1) != (ssize_t)(sizeof upgrade - 1) ||
            !read_upgrade(fds[i]) ||
            write(fds[i], hello, sizeof hello) != (ssize_t)sizeof hello ||
            write(fds[i], hdr, sizeof hdr) != (ssize_t)sizeof hdr) {
            close(fds[i]);
            fds[i] = -1;
            pr_sleep_ms(50);
            continue;
        }
        size_t left = (size_t)declared - 512, off = 0;
        while (left) {
            ssize_t r = send(fds[i], junk + off, left, MSG_NOSIGNAL);
            if (r <= 0)
                break;
            left -= (size_t)r;
            off += (size_t)r;
        }
        got++;
        pr_sleep_ms(50); /* within --conn-rate */
    }
    return got;
}

/* Wait until narad closed every socket of fds (or the deadline); what it
 * sends before (the CHALLENGE) is read and dropped. */
static void hog_wait_cut(attack_t *a, int *fds, uint64_t deadline)
{
    char buf[512];
    for (unsigned i = 0; i < a->conns; i++) {
        ssize_t r = 1;
        while (fds[i] >= 0 && r > 0) {
            uint64_t now = pr_now_ms();
            struct pollfd p = {fds[i], POLLIN, 0};
            if (now >= deadline || poll(&p, 1, (int)(deadline - now)) <= 0)
                break;
            r = read(fds[i], buf, sizeof buf);
        }
        if (r > 0)
            continue;
        a->cut++;
        close(fds[i]);
        fds[i] = -1;
    }
}

/* Two rounds (or NARA_HOG_ROUNDS): the later ones must reuse the memory
 * the first was given. */
static void memory_hog(void *arg)
{
    attack_t *a = arg;
    static int fds[128];
    a->phase = 1;
    a->connected = hog_round(a, fds);
    hog_wait_cut(a, fds, pr_now_ms() + 13000);
    for (uint64_t k = pr_env_u64("NARA_HOG_ROUNDS", 2); k > 2; k--) {
        a->phase = 2; /* extra rounds: the memory must level off */
        hog_round(a, fds);
        hog_wait_cut(a, fds, pr_now_ms() + 13000);
    }
    a->phase = 2;
    a->connected2 = hog_round(a, fds);
    a->phase = 3;
    uint64_t end = pr_now_ms() + a->seconds * 1000u;
    while (pr_now_ms() < end)
        pr_sleep_ms(100);
}

static void half_sent_big_messages_hold_bounded_memory(void **state)
{
    world_t *w = *state;
    attack_t *a = attack_new(w->n.port, 30, 100);
    pid_t child = pr_child(memory_hog, (void *)a);
    long peak1 = 0, peak2 = 0;
    pr_sleep_ms(300);
    while (a->phase < 3) {
        honest_sync(w);
        long rss = pr_rss_kb(w->n.pid);
        long *peak = a->phase == 1 ? &peak1 : &peak2;
        if (rss > *peak)
            *peak = rss;
        pr_sleep_ms(100);
    }
    long rss = pr_rss_kb(w->n.pid);
    if (rss > peak2)
        peak2 = rss;
    pr_child_stop(child);
    fprintf(stderr,
            "memory hog: %llu then %llu connections from " ATTACKER " each sending 1 MiB - 576 B "
            "of an unfinished AUTH (%llu attempts); %llu of the first cut by narad; narad "
            "VmRSS peak %ld KiB in the first round, %ld KiB in the second\n",
            (unsigned long long)a->connected, (unsigned long long)a->connected2,
            (unsigned long long)a->attempts, (unsigned long long)a->cut, peak1, peak2);
    /* narad cuts each one as soon as its AUTH outgrows the province's vector
     * (NARAD_AUTH_BASE, a few tens of KiB here), so the connections do not
     * pile up to --max-per-ip: at most the attempts, each cut. */
    assert_true(a->connected >= 40 && a->connected <= a->conns);
    assert_int_equal(a->cut, a->connected);
    assert_true(a->connected2 >= 40 && a->connected2 <= a->conns);
    /* The second round may find the heap fragmented by the first, not more. */
    assert_true(peak2 - w->rss0 <= 2 * (peak1 - w->rss0) + 4 * MIB);
    want_log(w, ATTACKER " device -: unauthenticated message over");
    /* Each connection holds at most a few tens of KiB and the session (about
     * 42 KiB) until it is cut: the honest syncs' buffers and the allocator's
     * slack dominate. */
    check_memory(w, "half-sent 1 MiB messages", 48 * MIB);
    attack_free(a);
}

int main(void)
{
    /* Under AddressSanitizer, keep freed memory from counting as resident. */
    const char *asan = getenv("ASAN_OPTIONS");
    char opts[512];
    snprintf(opts, sizeof opts, "%s%squarantine_size_mb=8", asan ? asan : "",
             asan && *asan ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(auth_signed_with_another_key_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(replayed_challenge_answer_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(
            forged_event_signatures_are_refused_and_do_not_block_the_genuine, setup, teardown),
        cmocka_unit_test_setup_teardown(events_for_another_region_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(oversized_messages_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(deeply_nested_messages_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(connection_flood_is_limited_per_address, setup, teardown),
        cmocka_unit_test_setup_teardown(slowloris_is_cut_off_by_the_handshake_timeout, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(half_sent_big_messages_hold_bounded_memory, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_failed);
}
