/*
 * fuzz_seeds.c - writes the seed corpora in tests/fuzz/corpus/ (checked in;
 * run again only when the format, the protocol or the fixed world change):
 *
 *   fuzz_seeds CORPUS_DIR EVENTS_TXT
 *
 *   fuzz_event/          every vector of tests/vectors/events.txt as binary
 *                        (the event, and its body on its own)
 *   fuzz_session_server/ what the client sent in real sessions of the fixed
 *   fuzz_session_client/ world (fuzz_world.c), in the harness input format:
 *                        the whole session (mode 0, handshake included), the
 *                        part after the handshake (mode FW_AUTH), and each
 *                        post-handshake message alone, for a few modes.
 *
 * Deterministic: the same sources write the same files.  Any failure exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_world.h"

static void die(const char *what)
{
    fprintf(stderr, "fuzz_seeds: %s\n", what);
    exit(1);
}

static void mkdir_p(const char *dir)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        die(dir);
}

static void write_file(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
        die(path);
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (hex[0] && hex[1] && hex[0] != '\n' && n < cap) {
        unsigned v;
        if (sscanf(hex, "%2x", &v) != 1)
            die("bad hex in vectors");
        out[n++] = (uint8_t)v;
        hex += 2;
    }
    return n;
}

static void event_seeds(const char *root, const char *vectors)
{
    static char line[300000];
    static uint8_t bin[140000];
    char dir[900], name[128] = "unnamed", file[200];
    FILE *f = fopen(vectors, "r");
    if (!f)
        die(vectors);
    snprintf(dir, sizeof dir, "%s/fuzz_event", root);
    mkdir_p(dir);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "name ", 5) == 0) {
            snprintf(name, sizeof name, "%s", line + 5);
            name[strcspn(name, "\n")] = '\0';
        } else if (strncmp(line, "event ", 6) == 0) {
            size_t n = unhex(line + 6, bin, sizeof bin);
            snprintf(file, sizeof file, "vector-%s", name);
            write_file(dir, file, bin, n);
        } else if (strncmp(line, "body ", 5) == 0) {
            size_t n = unhex(line + 5, bin, sizeof bin);
            snprintf(file, sizeof file, "body-%s", name);
            write_file(dir, file, bin, n);
        }
    }
    fclose(f);
}

/* Input for one side: mode byte, then the peer's messages [from, to). */
typedef struct {
    uint8_t *p;
    size_t len, cap;
} out_t;

static void put(out_t *o, const uint8_t *p, size_t n)
{
    if (o->len + n > o->cap) {
        o->cap = (o->len + n) * 2;
        o->p = realloc(o->p, o->cap);
        if (!o->p)
            die("realloc");
    }
    memcpy(o->p + o->len, p, n);
    o->len += n;
}

static void put_msg(out_t *o, const fw_msg_t *m)
{
    uint8_t hdr[2] = {(uint8_t)(m->len >> 8), (uint8_t)m->len};
    if (m->len > 0xffff)
        die("message too long for the 2-byte length prefix");
    put(o, hdr, 2);
    put(o, m->bytes, m->len);
}

static const char *type_name(const fw_msg_t *m)
{
    static const char *names[] = {"x",      "hello", "challenge", "auth",  "welcome",
                                  "events", "ack",   "synced",    "error", "bye"};
    unsigned t = m->len > 1 ? m->bytes[1] : 0;
    return t < 10 ? names[t] : "x";
}

static void session_seeds(const char *root, bool server, unsigned mode)
{
    fw_msg_t msgs[256];
    size_t n = fw_transcript(mode, msgs, 256), k = 0;
    char dir[900], name[128];
    out_t whole = {0}, after = {0};
    uint8_t m0 = (uint8_t)mode, m1 = (uint8_t)(mode | FW_AUTH);
    snprintf(dir, sizeof dir, "%s/fuzz_session_%s", root, server ? "server" : "client");
    mkdir_p(dir);
    put(&whole, &m0, 1);
    put(&after, &m1, 1);
    for (size_t i = 0; i < n; i++) {
        if (msgs[i].from_client != server)
            continue;
        put_msg(&whole, &msgs[i]);
        if (k++ < FW_HANDSHAKE_MSGS)
            continue;
        put_msg(&after, &msgs[i]);
        out_t one = {0};
        put(&one, &m1, 1);
        put_msg(&one, &msgs[i]);
        snprintf(name, sizeof name, "mode%02x-msg%02zu-%s", m1, k, type_name(&msgs[i]));
        write_file(dir, name, one.p, one.len);
        free(one.p);
    }
    snprintf(name, sizeof name, "mode%02x-session", m0);
    write_file(dir, name, whole.p, whole.len);
    snprintf(name, sizeof name, "mode%02x-after-handshake", m1);
    write_file(dir, name, after.p, after.len);
    free(whole.p);
    free(after.p);
    fw_transcript_free(msgs, n);
}

int main(int argc, char **argv)
{
    static const unsigned modes[] = {0, FW_CHAIN, FW_LIVE | FW_PIN};
    if (argc != 3) {
        fprintf(stderr, "usage: fuzz_seeds CORPUS_DIR EVENTS_TXT\n");
        return 2;
    }
    mkdir_p(argv[1]);
    event_seeds(argv[1], argv[2]);
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        session_seeds(argv[1], true, modes[i]);
        session_seeds(argv[1], false, modes[i]);
    }
    return 0;
}
