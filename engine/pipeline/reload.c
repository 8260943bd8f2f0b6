/*
 * The reloader: one thread that waits with poll() on an inotify descriptor (the
 * rules path), a signalfd (SIGHUP) and an eventfd (stop), waking every poll_ms to
 * compare the store's current list versions with the ones the running snapshot was
 * built from. Any change builds a complete new snapshot on this thread, off the hot
 * path, and publishes it; a build that fails keeps the running snapshot and reports
 * every error (positions and reasons only: no personal data).
 */
#include "pipeline/pipeline.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

struct pw_reloader {
    pw_reloader_options opts;
    pw_store *store; /* the reloader's own connection, opened by pw_reloader_start */
    pthread_t thread;
    int inotify_fd, signal_fd, stop_fd;
    char rules_name[4096]; /* when the rules path is a file: its name in the watched dir */
    char versions[4096];  /* list versions the running snapshot was built from */
    atomic_long published;
};

/* "UN:3;OFAC:7;" for the store's current versions; "" on error. */
static void list_versions(pw_store *store, char *out, size_t cap)
{
    pw_watchlist_info *lists = NULL;
    size_t n = 0;
    out[0] = '\0';
    if (pw_store_watchlists(store, &lists, &n, NULL))
        return;
    size_t used = 0;
    for (size_t i = 0; i < n && used < cap; i++) {
        int w = snprintf(out + used, cap - used, "%s:%d;", lists[i].name, lists[i].version);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    free(lists);
}

/* Builds and publishes a new snapshot; reports why when it cannot. */
static void rebuild(pw_reloader *r, pw_store *store, const char *why)
{
    pw_error err = {0};
    pw_errlist errs = {0};
    pw_config cfg = {0};
    int rc = 0;
    if (r->opts.config_path)
        rc = pw_config_load(r->opts.config_path, &cfg, &err);
    const pw_config *use = r->opts.config_path ? &cfg : &pw_snapshot_peek(r->opts.cell)->config;
    char versions[sizeof r->versions];
    list_versions(store, versions, sizeof versions);
    pw_snapshot *snap = NULL;
    if (rc == 0)
        rc = pw_snapshot_build(store, r->opts.rules_path, use, &snap, &errs, &err);
    if (rc) {
        fprintf(stderr, "paxwatch: reload (%s) failed; the running rules and lists stay:\n", why);
        pw_errlist_print(&errs, stderr);
        fputs("paxwatch: ", stderr);
        pw_error_print(&err, stderr);
    } else {
        uint64_t gen = pw_snapshot_publish(r->opts.cell, snap);
        memcpy(r->versions, versions, sizeof versions);
        atomic_fetch_add(&r->published, 1);
        fprintf(stderr, "paxwatch: reloaded (%s): snapshot %llu, %zu entries, %zu rules\n", why,
                (unsigned long long)gen, pw_index_entry_count(snap->index),
                pw_ruleset_count(snap->rules));
    }
    pw_errlist_free(&errs);
    pw_config_free(&cfg);
}

/* True when the inotify events read concern the rules. */
static bool rules_changed(pw_reloader *r)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool changed = false;
    ssize_t n;
    while ((n = read(r->inotify_fd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (!r->rules_name[0] || (ev->len && strcmp(ev->name, r->rules_name) == 0))
                changed = true;
            p += sizeof *ev + ev->len;
        }
    }
    return changed;
}

static void *reloader_main(void *arg)
{
    pw_reloader *r = arg;
    pw_store *store = r->store;
    int poll_ms = r->opts.poll_ms > 0 ? r->opts.poll_ms : 1000;
    struct pollfd fds[3] = {{.fd = r->stop_fd, .events = POLLIN},
                            {.fd = r->signal_fd, .events = POLLIN},
                            {.fd = r->inotify_fd, .events = POLLIN}};
    for (;;) {
        int ready = poll(fds, r->inotify_fd >= 0 ? 3 : 2, poll_ms);
        if (ready < 0 && errno != EINTR)
            break;
        if (fds[0].revents)
            break;
        const char *why = NULL;
        if (ready > 0 && fds[1].revents) {
            struct signalfd_siginfo si;
            while (read(r->signal_fd, &si, sizeof si) == (ssize_t)sizeof si)
                why = "SIGHUP";
        }
        if (ready > 0 && r->inotify_fd >= 0 && fds[2].revents) {
            usleep(100 * 1000); /* let an editor finish writing: one reload per save */
            if (rules_changed(r) && !why)
                why = "rules changed";
        }
        if (!why) {
            char now[sizeof r->versions];
            list_versions(store, now, sizeof now);
            if (now[0] && strcmp(now, r->versions) != 0)
                why = "watchlist re-imported";
        }
        if (why)
            rebuild(r, store, why);
    }
    return NULL;
}

/* Watches the rules directory (or the directory holding the rules file). */
static void watch_rules(pw_reloader *r)
{
    struct stat st;
    const char *path = r->opts.rules_path;
    if (stat(path, &st) != 0)
        return;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    if (!S_ISDIR(st.st_mode)) {
        char *slash = strrchr(dir, '/');
        snprintf(r->rules_name, sizeof r->rules_name, "%s", slash ? slash + 1 : dir);
        if (slash)
            *slash = '\0';
        else
            snprintf(dir, sizeof dir, ".");
    }
    r->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (r->inotify_fd >= 0 &&
        inotify_add_watch(r->inotify_fd, dir,
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM) <
            0) {
        close(r->inotify_fd);
        r->inotify_fd = -1;
    }
}

int pw_reloader_start(const pw_reloader_options *opts, pw_reloader **out, pw_error *err)
{
    pw_reloader *r = calloc(1, sizeof *r);
    if (!r)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    r->opts = *opts;
    r->inotify_fd = -1;
    /* The list versions the running snapshot was built from are read now, before
     * start returns: a re-import right after it is then a change, never a baseline. */
    int rc = pw_store_open(opts->db_path, &r->store, err);
    if (rc) {
        free(r);
        return rc;
    }
    list_versions(r->store, r->versions, sizeof r->versions);
    sigset_t hup;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &hup, NULL);
    r->signal_fd = signalfd(-1, &hup, SFD_NONBLOCK | SFD_CLOEXEC);
    r->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    watch_rules(r);
    if (r->signal_fd < 0 || r->stop_fd < 0 ||
        pthread_create(&r->thread, NULL, reloader_main, r) != 0) {
        int e = errno;
        if (r->signal_fd >= 0)
            close(r->signal_fd);
        if (r->stop_fd >= 0)
            close(r->stop_fd);
        if (r->inotify_fd >= 0)
            close(r->inotify_fd);
        pw_store_close(r->store);
        free(r);
        return pw_error_set(err, PW_EIO, NULL, 0, 0, "cannot start the reloader: %s",
                            strerror(e));
    }
    *out = r;
    return 0;
}

long pw_reloader_stop(pw_reloader *r)
{
    if (!r)
        return 0;
    uint64_t one = 1;
    if (write(r->stop_fd, &one, sizeof one) != (ssize_t)sizeof one)
        fputs("paxwatch: cannot signal the reloader to stop\n", stderr);
    pthread_join(r->thread, NULL);
    close(r->stop_fd);
    close(r->signal_fd);
    if (r->inotify_fd >= 0)
        close(r->inotify_fd);
    long n = atomic_load(&r->published);
    pw_store_close(r->store);
    free(r);
    return n;
}

long pw_reloader_published(pw_reloader *r) { return atomic_load(&r->published); }
