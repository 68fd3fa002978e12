/*
 * nara_run.c - process and output helpers for the CLI and end-to-end tests
 * (see nara_run.h).
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nara_run.h"

void nr_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void nr_tmpdir(char *out, size_t cap)
{
    const char *base = getenv("TMPDIR");
    snprintf(out, cap, "%s/nara-cli-XXXXXX", base && base[0] ? base : "/tmp");
    assert_non_null(mkdtemp(out));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void nr_rmdir(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Read a whole file (truncated to cap - 1) into buf. */
static void slurp(const char *path, char *buf, size_t cap)
{
    size_t n = 0;
    FILE *f = fopen(path, "rb");
    buf[0] = '\0';
    if (f == NULL)
        return;
    n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static int decode_status(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

static void redirect(const char *path, int fd)
{
    int f = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    if (f >= 0) {
        dup2(f, fd);
        close(f);
    }
}

int nr_run(nr_result_t *r, const char *const *argv)
{
    char dir[256], out[300], err[300];
    int st = 0;
    nr_tmpdir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(err, sizeof err, "%s/err", dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        redirect(out, STDOUT_FILENO);
        redirect(err, STDERR_FILENO);
        alarm(NR_TIMEOUT_S); /* survives exec: a hung command is killed */
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    slurp(out, r->out, sizeof r->out);
    slurp(err, r->err, sizeof r->err);
    nr_rmdir(dir);
    r->status = decode_status(st);
    return r->status;
}

#define NR_ARGS_MAX 64

int nr_nara(nr_result_t *r, const char *nara, const char *db, ...)
{
    const char *argv[NR_ARGS_MAX];
    size_t n = 0;
    va_list ap;
    argv[n++] = nara;
    if (db) {
        argv[n++] = "--db";
        argv[n++] = db;
    }
    va_start(ap, db);
    for (const char *a = va_arg(ap, const char *); a; a = va_arg(ap, const char *)) {
        assert_true(n < NR_ARGS_MAX - 1);
        argv[n++] = a;
    }
    va_end(ap);
    argv[n] = NULL;
    return nr_run(r, argv);
}

pid_t nr_spawn(const char *const *argv, const char *log)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        const char *sink = log ? log : "/dev/null";
        redirect(sink, STDOUT_FILENO);
        redirect(sink, STDERR_FILENO);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

int nr_stop(pid_t pid, int sig, int timeout_ms)
{
    int st = 0;
    kill(pid, sig);
    for (int waited = 0; waited < timeout_ms; waited += 10) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            return decode_status(st);
        nr_sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return decode_status(st);
}

int nr_wait_port(const char *path, int timeout_ms)
{
    char buf[32];
    for (int waited = 0; waited < timeout_ms; waited += 20) {
        slurp(path, buf, sizeof buf);
        int port = atoi(buf);
        if (port > 0)
            return port;
        nr_sleep_ms(20);
    }
    return -1;
}

/* Position just after "key": in json, or NULL. */
static const char *after_key(const char *json, const char *key)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    return p ? p + strlen(pat) : NULL;
}

bool nr_json_str(const char *json, const char *key, char *out, size_t cap)
{
    const char *p = after_key(json, key);
    size_t n = 0;
    out[0] = '\0';
    if (p == NULL || *p != '"')
        return false;
    for (p++; *p && *p != '"' && n + 1 < cap; p++) {
        if (*p == '\\' && p[1])
            p++;
        out[n++] = *p;
    }
    out[n] = '\0';
    return true;
}

long long nr_json_int(const char *json, const char *key)
{
    const char *p = after_key(json, key);
    if (p == NULL || *p < '0' || *p > '9')
        return -1;
    return strtoll(p, NULL, 10);
}

size_t nr_count(const char *text, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    for (const char *p = strstr(text, needle); p; p = strstr(p + len, needle))
        n++;
    return n;
}
