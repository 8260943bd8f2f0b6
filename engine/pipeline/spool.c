/*
 * The spool directory: screens each file dropped into a directory, then moves it to
 * done/ or failed/.
 *
 * Taking files. Producers write a file under a name the spool ignores (starting with
 * '.', or ending in .tmp or .part) and rename it into place. The spool takes every
 * eligible file present when it starts, then the files renamed into the directory
 * (inotify IN_MOVED_TO), in the order they arrive; files present at start go oldest
 * first. A file created in place under its final name (cp, or mv from another file
 * system) could be half written when seen, so it is not taken: a warning says how to
 * deliver it, and the next start takes it. An inotify queue overflow rescans.
 *
 * Crash safety. A file is first claimed: renamed into DIR/.work/ (so a sender that
 * delivers another file under the same name meanwhile does not replace it), screened
 * from there, and moved only after pw_screen_files has committed its records, alerts
 * and dead letters and the alert streams are flushed: rename into done/ or failed/,
 * then fsync of both directories. A process killed mid-file leaves the file in .work/
 * and the next start screens it again before anything else; that duplicates nothing
 * because everything the pipeline stores is keyed by content (records, alerts and their
 * hits, findings; dead letters by content and source, and the source is the same
 * .work/ path). One process per spool: an exclusive flock on DIR/.paxwatch.lock. The
 * spool is named by its canonical path (realpath), in the journal (store spool_files)
 * and in sources, however it was given; journal rows a killed process left in
 * "screening" become "interrupted" at the next start.
 *
 * Failing. A file fails (failed/, with NAME.error beside it holding the reason, written
 * and synced before the move) when it cannot be read, or holds nothing that could be
 * screened: empty, or every record rejected (the rejects are in the dead-letter table).
 * An error writing the database or the alert streams, or running out of memory, is not
 * the file's fault: the spool stops with that error and leaves the file in .work/.
 */
#include "pipeline/pipeline.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_NAME_MAX 255

/* Names waiting to be screened, in order, without repeats. */
typedef struct pending {
    char **names;
    size_t n, cap;
} pending;

typedef struct spool {
    const pw_spool_options *opts;
    pw_spool_stats *stats;
    char dir[PATH_MAX]; /* the spool's canonical path */
    int dir_fd, work_fd, lock_fd, inotify_fd;
    pending queue;
} spool;

#define WORK_DIR ".work"

/* Whether the spool takes a file of this name: not hidden, not a temporary. */
static bool eligible_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || name[0] == '.' || len > SPOOL_NAME_MAX)
        return false;
    static const char *const temp_suffixes[] = {".tmp", ".part"};
    for (size_t i = 0; i < sizeof temp_suffixes / sizeof temp_suffixes[0]; i++) {
        size_t sl = strlen(temp_suffixes[i]);
        if (len > sl && strcmp(name + len - sl, temp_suffixes[i]) == 0)
            return false;
    }
    return true;
}

static int pending_push(pending *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->names[i], name) == 0)
            return 0;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        char **grown = realloc(p->names, cap * sizeof *grown);
        if (!grown)
            return PW_ENOMEM;
        p->names = grown;
        p->cap = cap;
    }
    if (!(p->names[p->n] = strdup(name)))
        return PW_ENOMEM;
    p->n++;
    return 0;
}

/* Removes and returns the first name (the caller frees it); NULL when empty. */
static char *pending_pop(pending *p)
{
    if (p->n == 0)
        return NULL;
    char *first = p->names[0];
    memmove(p->names, p->names + 1, (p->n - 1) * sizeof *p->names);
    p->n--;
    return first;
}

static void pending_free(pending *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->names[i]);
    free(p->names);
    *p = (pending){0};
}

typedef struct dir_file {
    char name[SPOOL_NAME_MAX + 1];
    struct timespec mtime;
} dir_file;

static int older_first(const void *a, const void *b)
{
    const dir_file *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Queues every eligible regular file of the directory dir_fd to q, oldest first. */
static int scan(spool *sp, int dir_fd, pending *q, pw_error *err)
{
    int fd = dup(dir_fd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return pw_error_set(err, PW_EIO, sp->dir, 0, 0, "cannot list the spool: %s",
                            strerror(errno));
    }
    rewinddir(d);
    dir_file *files = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        if (!eligible_name(de->d_name) || fstatat(dir_fd, de->d_name, &st, 0) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            dir_file *grown = realloc(files, ncap * sizeof *grown);
            if (!grown) {
                rc = pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            files = grown;
            cap = ncap;
        }
        snprintf(files[n].name, sizeof files[n].name, "%s", de->d_name);
        files[n].mtime = st.st_mtim;
        n++;
    }
    closedir(d);
    if (rc == 0 && n > 1)
        qsort(files, n, sizeof *files, older_first);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (pending_push(q, files[i].name))
            rc = pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    free(files);
    return rc;
}

/* Reads the inotify events waiting: queues files renamed in, warns about files written
 * in place, rescans after an overflow. */
static int drain_events(spool *sp, pw_error *err)
{
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t len = read(sp->inotify_fd, buf, sizeof buf);
        if (len < 0 && errno == EINTR)
            continue;
        if (len <= 0)
            return 0; /* EAGAIN: nothing more */
        for (char *p = buf; p < buf + len;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            p += sizeof *ev + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                int rc = scan(sp, sp->dir_fd, &sp->queue, err);
                if (rc)
                    return rc;
                continue;
            }
            if (ev->len == 0 || (ev->mask & IN_ISDIR) || !eligible_name(ev->name))
                continue;
            if (ev->mask & IN_MOVED_TO) {
                if (pending_push(&sp->queue, ev->name))
                    return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
            } else if ((ev->mask & IN_CLOSE_WRITE) && sp->opts->log) {
                fprintf(sp->opts->log,
                        "spool: %s was written in place, not renamed into the spool; it is "
                        "not taken now (it could be incomplete): write it as .%s or %s.tmp "
                        "and rename it, or restart to take it as it is\n",
                        ev->name, ev->name, ev->name);
            }
        }
    }
}

/* fsync of a directory, so that a rename in it survives a crash. */
static int sync_dir(int fd, const char *path, pw_error *err)
{
    if (fsync(fd) != 0)
        return pw_error_set(err, PW_EIO, path, 0, 0, "cannot sync the directory: %s",
                            strerror(errno));
    return 0;
}

/* Moves NAME from .work/ to SUB/NAME, or SUB/NAME.2, .3, ... when a file of that name
 * is there already (a sender re-using a file name); out gets "SUB/NAME[.k]". A reason,
 * when given, is written to SUB/NAME[.k].error and synced first, so a failed file is
 * never there without it. */
static int move_to(spool *sp, const char *sub, const char *name, const char *reason, char *out,
                   size_t cap, pw_error *err)
{
    int sub_fd = openat(sp->dir_fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sub_fd < 0)
        return pw_error_set(err, PW_EIO, sp->dir, 0, 0, "cannot open %s/: %s", sub,
                            strerror(errno));
    char target[SPOOL_NAME_MAX + 16], error_name[SPOOL_NAME_MAX + 32];
    int rc = 0;
    for (int k = 1;; k++) {
        if (k == 1)
            snprintf(target, sizeof target, "%s", name);
        else
            snprintf(target, sizeof target, "%s.%d", name, k);
        struct stat st;
        if (fstatat(sub_fd, target, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
            break;
        if (k == 100000) {
            rc = pw_error_set(err, PW_EIO, sp->dir, 0, 0, "no free name for %s in %s/", name,
                              sub);
            break;
        }
    }
    if (rc == 0 && reason) {
        snprintf(error_name, sizeof error_name, "%s.error", target);
        int fd = openat(sub_fd, error_name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        size_t len = strlen(reason);
        if (fd < 0 || write(fd, reason, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
            fsync(fd) != 0)
            rc = pw_error_set(err, PW_EIO, sp->dir, 0, 0, "cannot write %s/%s: %s", sub,
                              error_name, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    if (rc == 0 && renameat(sp->work_fd, name, sub_fd, target) != 0)
        rc = pw_error_set(err, PW_EIO, sp->dir, 0, 0, "cannot move %s to %s/: %s", name, sub,
                          strerror(errno));
    if (rc == 0 && (rc = sync_dir(sub_fd, sub, err)) == 0)
        rc = sync_dir(sp->work_fd, WORK_DIR, err);
    close(sub_fd);
    if (rc == 0)
        snprintf(out, cap, "%s/%s", sub, target);
    return rc;
}

/* Errors that are not the file's fault (with pw_screen_stats.output_failed: any error
 * writing the database or the alert streams): the spool stops and leaves the file. */
static bool fatal_error(int code)
{
    return code == PW_EDB || code == PW_ENOMEM || code == PW_EINTERNAL;
}

/* Screens one file of the spool and moves it; claimed: it is in .work/ already (left
 * there by a process that stopped), else it is claimed from the spool first. */
static int screen_one(spool *sp, const char *name, bool claimed, pw_error *err)
{
    const pw_spool_options *o = sp->opts;
    if (!claimed && renameat2(sp->dir_fd, name, sp->work_fd, name, RENAME_NOREPLACE) != 0) {
        if (errno == ENOENT)
            return 0; /* gone (taken by hand): nothing to do */
        return pw_error_set(err, PW_EIO, sp->dir, 0, 0, "cannot claim %s into %s/: %s", name,
                            WORK_DIR, strerror(errno));
    }
    struct stat st;
    if (fstatat(sp->work_fd, name, &st, 0) != 0 || !S_ISREG(st.st_mode))
        return pw_error_set(err, PW_EIO, sp->dir, 0, 0, "%s/%s is not a readable file",
                            WORK_DIR, name);
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s/%s", sp->dir, WORK_DIR, name) >= (int)sizeof path)
        return pw_error_set(err, PW_EIO, sp->dir, 0, 0, "path too long for %s", name);
    pw_store *store = o->screen->store;
    long long journal_id = 0;
    int rc = pw_store_spool_begin(store, sp->dir, name, (long long)st.st_size, &journal_id, err);
    if (rc)
        return rc;

    pw_screen_stats ss;
    pw_error file_err = {0};
    const char *input = path;
    rc = pw_screen_files(&input, 1, o->screen, &ss, &file_err);
    if (rc && (fatal_error(rc) || ss.output_failed)) {
        *err = file_err;
        return rc;
    }
    char reason[1200] = "";
    if (rc)
        snprintf(reason, sizeof reason, "%s", file_err.msg);
    else if (ss.records == 0 && ss.rejected > 0)
        snprintf(reason, sizeof reason,
                 "every record was rejected (%ld; see the dead-letter table)", ss.rejected);
    else if (ss.records == 0)
        snprintf(reason, sizeof reason, "no records in the file");
    bool failed = reason[0] != '\0';
    if ((rc = pw_alert_queue_flush(o->screen->queue, err)) != 0)
        return rc;

    char moved_to[SPOOL_NAME_MAX + 32];
    if ((rc = move_to(sp, failed ? "failed" : "done", name, failed ? reason : NULL, moved_to,
                      sizeof moved_to, err)))
        return rc;
    pw_spool_file outcome = {.failed = failed,
                             .records = ss.records,
                             .rejected = ss.rejected,
                             .alerts = ss.alerts,
                             .new_alerts = ss.new_alerts,
                             .moved_to = moved_to,
                             .reason = failed ? reason : NULL};
    if ((rc = pw_store_spool_finish(store, journal_id, &outcome, err)))
        return rc;

    pw_spool_stats *t = sp->stats;
    if (failed)
        t->files_failed++;
    else
        t->files_done++;
    t->records += ss.records;
    t->rejected += ss.rejected;
    t->alerts += ss.alerts;
    t->new_alerts += ss.new_alerts;
    if (o->log) {
        fprintf(o->log, "spool: %s: %ld records, %ld rejected, %ld alerts (%ld new) -> %s", name,
                ss.records, ss.rejected, ss.alerts, ss.new_alerts, moved_to);
        if (failed)
            fprintf(o->log, " (%s)", reason);
        fputc('\n', o->log);
        fflush(o->log);
    }
    return 0;
}

/* Whether fd is readable now (timeout 0) or within timeout_ms. */
static bool readable(int fd, int timeout_ms)
{
    if (fd < 0)
        return false;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, timeout_ms) > 0 && (p.revents & POLLIN);
}

/* Opens the spool: its directory, done/, failed/ and .work/ (created when absent), the
 * lock, the inotify watch; marks journal rows a killed process left behind. */
static int spool_open(spool *sp, pw_error *err)
{
    if (!realpath(sp->opts->dir, sp->dir))
        return pw_error_set(err, PW_EIO, sp->opts->dir, 0, 0,
                            "cannot open the spool directory: %s", strerror(errno));
    const char *dir = sp->dir;
    sp->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sp->dir_fd < 0)
        return pw_error_set(err, PW_EIO, dir, 0, 0, "cannot open the spool directory: %s",
                            strerror(errno));
    static const char *const subdirs[] = {"done", "failed", WORK_DIR};
    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++)
        if (mkdirat(sp->dir_fd, subdirs[i], 0750) != 0 && errno != EEXIST)
            return pw_error_set(err, PW_EIO, dir, 0, 0, "cannot create %s/: %s", subdirs[i],
                                strerror(errno));
    sp->work_fd = openat(sp->dir_fd, WORK_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sp->work_fd < 0)
        return pw_error_set(err, PW_EIO, dir, 0, 0, "cannot open %s/: %s", WORK_DIR,
                            strerror(errno));
    sp->lock_fd = openat(sp->dir_fd, ".paxwatch.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (sp->lock_fd < 0)
        return pw_error_set(err, PW_EIO, dir, 0, 0, "cannot create the lock file: %s",
                            strerror(errno));
    if (flock(sp->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return pw_error_set(err, PW_EIO, dir, 0, 0,
                            errno == EWOULDBLOCK
                                ? "another paxwatch process is working on this spool"
                                : "cannot lock the spool: %s",
                            strerror(errno));
    if (!sp->opts->once) {
        sp->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (sp->inotify_fd < 0 ||
            inotify_add_watch(sp->inotify_fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
            return pw_error_set(err, PW_EIO, dir, 0, 0, "cannot watch the spool: %s",
                                strerror(errno));
    }
    long interrupted = 0;
    int rc = pw_store_spool_interrupted(sp->opts->screen->store, dir, &interrupted, err);
    if (rc == 0 && interrupted > 0 && sp->opts->log)
        fprintf(sp->opts->log,
                "spool: %ld file%s interrupted by the last stop; screening again what is "
                "still in %s/\n",
                interrupted, interrupted == 1 ? " was" : "s were", WORK_DIR);
    return rc;
}

static void spool_close(spool *sp)
{
    if (sp->inotify_fd >= 0)
        close(sp->inotify_fd);
    if (sp->lock_fd >= 0)
        close(sp->lock_fd); /* releases the flock */
    if (sp->work_fd >= 0)
        close(sp->work_fd);
    if (sp->dir_fd >= 0)
        close(sp->dir_fd);
    pending_free(&sp->queue);
}

int pw_spool_run(const pw_spool_options *opts, pw_spool_stats *stats, pw_error *err)
{
    memset(stats, 0, sizeof *stats);
    spool sp = {.opts = opts,
                .stats = stats,
                .dir_fd = -1,
                .work_fd = -1,
                .lock_fd = -1,
                .inotify_fd = -1};
    pending resumed = {0};
    int rc = spool_open(&sp, err);
    /* First what a stopped process had claimed, then what waits in the spool. */
    if (rc == 0)
        rc = scan(&sp, sp.work_fd, &resumed, err);
    char *name;
    while (rc == 0 && !readable(opts->stop_fd, 0) && (name = pending_pop(&resumed))) {
        rc = screen_one(&sp, name, true, err);
        free(name);
    }
    pending_free(&resumed);
    if (rc == 0)
        rc = scan(&sp, sp.dir_fd, &sp.queue, err);
    while (rc == 0 && !readable(opts->stop_fd, 0)) {
        while (rc == 0 && !readable(opts->stop_fd, 0) && (name = pending_pop(&sp.queue))) {
            rc = screen_one(&sp, name, false, err);
            free(name);
            if (rc == 0 && sp.inotify_fd >= 0)
                rc = drain_events(&sp, err);
        }
        if (rc || opts->once || readable(opts->stop_fd, 0))
            break;
        struct pollfd fds[2] = {{.fd = sp.inotify_fd, .events = POLLIN},
                                {.fd = opts->stop_fd, .events = POLLIN}};
        if (poll(fds, opts->stop_fd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR) {
            rc = pw_error_set(err, PW_EIO, sp.dir, 0, 0, "cannot wait for files: %s",
                              strerror(errno));
            break;
        }
        if (fds[0].revents & POLLIN)
            rc = drain_events(&sp, err);
    }
    spool_close(&sp);
    return rc;
}
