/*
 * guard.c - per-address connection limits, applied when a TCP connection is
 * accepted, before narad reads a byte of it.
 *
 *   --max-per-ip N   at most N connections open at once from one address
 *   --conn-rate N    at most N new connections a second from one address
 *                    (token bucket holding N tokens, refilled N a second)
 *
 * An IPv4 address counts on its own; an IPv6 address by its /64 prefix (one
 * host usually holds a whole /64).  Without these limits one address could
 * hold every socket narad may open (--max-connections + 64) with idle TCP
 * connections, and honest devices would wait for lws's 10 s timeout to free
 * them, again and again.
 *
 * Hooks, all on the lws service thread (serve.c's protocol callbacks):
 *   FILTER_NETWORK_CONNECTION (accept fd)   narad__guard_accept: admit or refuse
 *   SERVER_NEW_CLIENT_INSTANTIATED (wsi)    narad__guard_bind: count it, tag the wsi
 *   HTTP, FILTER_PROTOCOL_CONNECTION        narad__guard_requested: it sent a request
 *   WSI_DESTROY                             narad__guard_release: uncount
 *
 * Invariants:
 *  1. slot.conns equals the number of live wsi whose tag names that slot.
 *  2. At most NARAD_GUARD_SLOTS(max_connections) slots; a slot with no open
 *     connection may be reused for another address (the least recently used
 *     first).  Open sockets never exceed the lws fd limit, which is below
 *     the slot count, so a reusable slot always exists.
 *  3. Refusals are logged at most once a second per address, with the count
 *     of those not logged; a connection cut off before it sent any request
 *     (lws's 10 s timeout) is logged once.
 * What it does not do: limit what a connection sends after its request
 * (sync.c bounds messages, timeouts and the send queue).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "narad.h"

enum { GUARD_PER_IP = 1, GUARD_RATE = 2 }; /* why a connection was refused */

/* Milliseconds on the monotonic clock: buckets and ages survive wall-clock
 * steps. */
static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* One wsi's tag (lws opaque user data). */
typedef struct {
    uint32_t slot;
    bool requested;
    uint64_t started_ms;
} guard_tag_t;

/* The address key (IPv4, or the IPv6 /64) and its printable form. */
static bool address_of(int fd, uint8_t key[16], char *text, size_t cap)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    memset(key, 0, 16);
    if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
        return false;
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
        memcpy(key + 12, &a->sin_addr, 4);
        inet_ntop(AF_INET, &a->sin_addr, text, (socklen_t)cap);
        return true;
    }
    if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
        const uint8_t *b = a->sin6_addr.s6_addr;
        static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(b, v4mapped, 12) == 0) {
            memcpy(key + 12, b + 12, 4);
        } else {
            memcpy(key, b, 8); /* the /64 */
            key[8] = 6;        /* never equal to an IPv4 key */
        }
        inet_ntop(AF_INET6, &a->sin6_addr, text, (socklen_t)cap);
        return true;
    }
    return false;
}

/* The slot for key, created (or recycled) if needed; NULL if none is free,
 * which invariant 2 rules out. */
static narad_guard_slot_t *slot_for(narad_guard_t *g, const uint8_t key[16], uint64_t now)
{
    narad_guard_slot_t *lru = NULL;
    for (size_t i = 0; i < g->n; i++) {
        narad_guard_slot_t *s = &g->slots[i];
        if (memcmp(s->key, key, 16) == 0)
            return s;
        if (s->conns == 0 && (!lru || s->last_ms < lru->last_ms))
            lru = s;
    }
    if (g->n < g->cap)
        lru = &g->slots[g->n++];
    if (!lru)
        return NULL;
    memset(lru, 0, sizeof *lru);
    memcpy(lru->key, key, 16);
    lru->last_ms = now; /* refill_ms 0: a full bucket */
    return lru;
}

int narad__guard_init(narad_guard_t *g, unsigned max_connections)
{
    memset(g, 0, sizeof *g);
    g->cap = NARAD_GUARD_SLOTS(max_connections);
    g->slots = calloc(g->cap, sizeof *g->slots);
    return g->slots ? 0 : -1;
}

void narad__guard_free(narad_guard_t *g)
{
    free(g->slots);
    memset(g, 0, sizeof *g);
}

/* Refill the bucket (in thousandths of a token) and take a token if there
 * is one.  A new slot (refill_ms 0) starts full. */
static bool take_token(narad_guard_slot_t *s, unsigned rate, uint64_t now)
{
    if (!rate)
        return true;
    uint64_t cap = (uint64_t)rate * 1000u;
    if (!s->refill_ms)
        s->mtokens = cap;
    else if (now > s->refill_ms)
        s->mtokens += (now - s->refill_ms) * rate;
    if (s->mtokens > cap)
        s->mtokens = cap;
    s->refill_ms = now;
    if (s->mtokens < 1000u)
        return false;
    s->mtokens -= 1000u;
    return true;
}

/* The address a slot stands for, as text (an IPv6 key as its /64). */
static void key_text(const uint8_t key[16], char *out, size_t cap)
{
    static const uint8_t zero12[12];
    if (memcmp(key, zero12, 12) == 0) {
        inet_ntop(AF_INET, key + 12, out, (socklen_t)cap);
    } else {
        uint8_t a[16] = {0};
        memcpy(a, key, 8);
        inet_ntop(AF_INET6, a, out, (socklen_t)cap);
        strncat(out, "/64", cap - strlen(out) - 1);
    }
}

static const char *why_text(uint8_t why)
{
    return why == GUARD_PER_IP
               ? "too many connections open from this address (--max-per-ip)"
               : "too many new connections a second from this address (--conn-rate)";
}

/* Invariant 3: the first refusal of a second is logged, the rest counted
 * and reported by narad__guard_tick. */
static void log_refusal(narad_guard_slot_t *s, const char *addr, uint8_t why, uint64_t now)
{
    s->why = why;
    if (s->last_log_ms && now - s->last_log_ms < 1000u) {
        s->unlogged++;
        return;
    }
    narad__log("refused %s: %s", addr, why_text(why));
    s->last_log_ms = now;
}

void narad__guard_tick(narad_t *srv)
{
    narad_guard_t *g = &srv->guard;
    uint64_t now = mono_ms();
    for (size_t i = 0; i < g->n; i++) {
        narad_guard_slot_t *s = &g->slots[i];
        if (!s->unlogged || now - s->last_log_ms < 1000u)
            continue;
        char addr[INET6_ADDRSTRLEN + 4];
        key_text(s->key, addr, sizeof addr);
        narad__log("refused %s: %u more connections in the last %.1f s (%s)", addr, s->unlogged,
                   (double)(now - s->last_log_ms) / 1000.0, why_text(s->why));
        s->unlogged = 0;
        s->last_log_ms = now;
    }
}

int narad__guard_accept(narad_t *srv, int fd)
{
    narad_guard_t *g = &srv->guard;
    uint8_t key[16];
    char addr[INET6_ADDRSTRLEN] = "?";
    uint64_t now = mono_ms();
    if (!address_of(fd, key, addr, sizeof addr))
        return 0; /* not IP (cannot happen on a TCP listener): no limit */
    narad_guard_slot_t *s = slot_for(g, key, now);
    if (!s) {
        narad__log("refused %s: address table full", addr);
        srv->m.refused_connections++;
        return 1;
    }
    s->last_ms = now;
    uint8_t why = 0;
    if (srv->cfg.max_per_ip && s->conns >= srv->cfg.max_per_ip)
        why = GUARD_PER_IP;
    else if (!take_token(s, srv->cfg.conn_rate, now))
        why = GUARD_RATE;
    if (!why)
        return 0;
    srv->m.refused_connections++;
    log_refusal(s, addr, why, now);
    return 1;
}

void narad__guard_bind(narad_t *srv, struct lws *wsi)
{
    narad_guard_t *g = &srv->guard;
    uint8_t key[16];
    char addr[INET6_ADDRSTRLEN] = "?";
    uint64_t now = mono_ms();
    if (lws_get_opaque_user_data(wsi) ||
        !address_of(lws_get_socket_fd(wsi), key, addr, sizeof addr))
        return;
    narad_guard_slot_t *s = slot_for(g, key, now);
    guard_tag_t *t = s ? malloc(sizeof *t) : NULL;
    if (!t)
        return; /* uncounted: only the limit is looser */
    t->slot = (uint32_t)(s - g->slots);
    t->requested = false;
    t->started_ms = now;
    s->conns++;
    s->last_ms = now;
    lws_set_opaque_user_data(wsi, t);
}

void narad__guard_requested(struct lws *wsi)
{
    guard_tag_t *t = lws_get_opaque_user_data(wsi);
    if (t)
        t->requested = true;
}

void narad__guard_release(narad_t *srv, struct lws *wsi)
{
    guard_tag_t *t = lws_get_opaque_user_data(wsi);
    if (!t)
        return;
    lws_set_opaque_user_data(wsi, NULL);
    narad_guard_slot_t *s = &srv->guard.slots[t->slot];
    if (s->conns)
        s->conns--;
    uint64_t now = mono_ms();
    s->last_ms = now;
    if (!t->requested && now - t->started_ms + 250u >= NARAD_HANDSHAKE_TIMEOUT_S * 1000u) {
        char addr[INET6_ADDRSTRLEN + 4];
        key_text(s->key, addr, sizeof addr);
        narad__log("closed %s: no request within %d s (%.1f s)", addr, NARAD_HANDSHAKE_TIMEOUT_S,
                   (double)(now - t->started_ms) / 1000.0);
    }
    free(t);
}
