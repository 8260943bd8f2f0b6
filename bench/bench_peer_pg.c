/*
 * bench_peer_pg: the peer a government IT team would reach for, timed. Screens
 * travellers against a PostgreSQL table of watchlist names with pg_trgm (a GIN
 * trigram index and a similarity threshold) and fuzzystrmatch (dmetaphone).
 *
 * Design. bench/peer_postgres.sh starts a throwaway cluster, loads the list into
 *
 *     names(entry_id text, name text, dm text)
 *
 * (name normalised by pw_norm(): unaccent, upper case, every run of non-alphanumeric
 * characters one space; dm the Double Metaphone code of the surname token, that is
 * the last token of the marked surname, else of the whole name, by pw_dm()), with a
 * GIN gin_trgm_ops index on name and a btree index on dm, and writes the travellers
 * as a tab-separated file of record_id, name and surname (the surname field, else the
 * name). This program screens them and is what is timed.
 *
 * The peer is given its best chance, as a careful team would tune it:
 *   - one connection per core (--connections), each in its own thread with its own
 *     prepared statement; the travellers are handed out through one atomic counter
 *     so that no connection idles while another has work;
 *   - optional libpq pipeline mode (--pipeline DEPTH > 1: that many queries in
 *     flight per connection, one Sync each, so a query's latency counts from its
 *     send to its result);
 *   - the normalisation runs on the server inside the statement, once per query
 *     (pw_norm and pw_dm are STABLE SQL functions, so they are inlined, and the
 *     MATERIALIZED CTE evaluates them once rather than per candidate row);
 *   - a name holding no ASCII letter or digit and no non-ASCII byte normalises to
 *     nothing and is not sent (it counts as screened, without a hit, in no time);
 *   - per session: pg_trgm.similarity_threshold = --threshold, and
 *     enable_seqscan = off (on the 4,000-name UN list the planner would otherwise
 *     choose a sequential scan over similarity(), ten times slower than the index).
 *
 * The query, per traveller: the candidates are the names with name % query (the GIN
 * index) UNION ALL the names whose surname code equals the query's; an entry's score
 * is its best name's similarity(name, query), plus --phonetic-bonus when that name's
 * surname code agrees; the peer's decision is a hit for every entry scoring at or
 * above --threshold, the ten best returned in order. With a bonus of 0 the phonetic
 * branch cannot change a decision; with a bonus b it lets a phonetically agreeing
 * name alert from threshold - b.
 *
 * Output: --out gets one line per hit, "record_id TAB entry_id TAB score", for the
 * evaluator (bench/peer_eval.py); standard output gets one machine-readable line:
 *
 *     peer: travellers=N sent=N hits=N seconds=S travellers_per_s=R p50_us=X
 *           p99_us=Y connections=C pipeline=D threshold=T phonetic_bonus=B
 *
 * The clock covers only the screening: connections are open and statements prepared
 * (and each connection has run one warm-up query) before it starts.
 *
 * Usage: bench_peer_pg --conninfo STR --queries TSV [--out FILE] [--connections N]
 *                      [--threshold T] [--phonetic-bonus B] [--pipeline DEPTH]
 */
#include <getopt.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_HITS 10
#define MAX_PIPELINE 256

/* One traveller: the three fields point into the loaded file. */
typedef struct {
    const char *record_id;
    const char *name;
    const char *surname;
} query;

/* What one query found: up to MAX_HITS (entry, score), and how long it took. */
typedef struct {
    int n_hits;
    char *entries[MAX_HITS];
    double scores[MAX_HITS];
    double latency_us;
    bool sent;
} answer;

typedef struct {
    const char *conninfo;
    const char *sql;
    double threshold;
    int pipeline;
    const query *queries;
    answer *answers;
    size_t n;
    atomic_size_t next;
    atomic_bool failed;
} shared;

typedef struct {
    shared *sh;
    PGconn *conn;
    pthread_t thread;
    pthread_barrier_t *ready;
} worker;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* True when the name has something pg_trgm could make trigrams of: an ASCII letter or
 * digit, or a non-ASCII byte (letters of other scripts). */
static bool worth_sending(const char *name)
{
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if ((*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') || *p >= 0x80)
            return true;
    return false;
}

/* Reads the whole file into *buf and splits it into queries (record_id TAB name TAB
 * surname per line). Returns the number of queries, or -1. */
static long load_queries(const char *path, char **buf, query **out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "%s: cannot read\n", path);
        fclose(f);
        free(text);
        return -1;
    }
    fclose(f);
    text[size] = '\0';
    long lines = 0;
    for (long i = 0; i < size; i++)
        lines += text[i] == '\n';
    query *q = calloc((size_t)lines + 1, sizeof *q);
    long n = 0;
    for (char *line = text; line && *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2) {
            fprintf(stderr, "%s: line %ld is not record_id TAB name TAB surname\n", path, n + 1);
            free(q);
            free(text);
            return -1;
        }
        *t1 = *t2 = '\0';
        q[n++] = (query){line, t1 + 1, t2 + 1};
        line = end ? end + 1 : NULL;
    }
    *buf = text;
    *out = q;
    return n;
}

/* Copies a result's rows into the answer. Returns false on a failed result. */
static bool take_result(PGresult *res, answer *a)
{
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "peer: query failed: %s", PQresultErrorMessage(res));
        return false;
    }
    int rows = PQntuples(res);
    a->n_hits = rows < MAX_HITS ? rows : MAX_HITS;
    for (int r = 0; r < a->n_hits; r++) {
        a->entries[r] = strdup(PQgetvalue(res, r, 0));
        a->scores[r] = strtod(PQgetvalue(res, r, 1), NULL);
    }
    return true;
}

/* The next query this connection should send, skipping those not worth sending;
 * SIZE_MAX when there are none left. */
static size_t next_query(shared *sh)
{
    for (;;) {
        size_t i = atomic_fetch_add(&sh->next, 1);
        if (i >= sh->n)
            return SIZE_MAX;
        if (worth_sending(sh->queries[i].name))
            return i;
    }
}

/* One query at a time: PQexecPrepared and wait. */
static bool run_plain(worker *w)
{
    shared *sh = w->sh;
    for (size_t i; (i = next_query(sh)) != SIZE_MAX;) {
        const char *params[2] = {sh->queries[i].name, sh->queries[i].surname};
        double t0 = now_us();
        PGresult *res = PQexecPrepared(w->conn, "screen", 2, params, NULL, NULL, 0);
        double t1 = now_us();
        bool ok = take_result(res, &sh->answers[i]);
        PQclear(res);
        if (!ok)
            return false;
        sh->answers[i].latency_us = t1 - t0;
        sh->answers[i].sent = true;
    }
    return true;
}

/* Pipeline mode: up to sh->pipeline queries in flight, each followed by a Sync, their
 * results read back in order. */
static bool run_pipelined(worker *w)
{
    shared *sh = w->sh;
    size_t ring[MAX_PIPELINE];
    double sent_at[MAX_PIPELINE];
    int head = 0, inflight = 0;
    bool more = true;
    if (!PQenterPipelineMode(w->conn)) {
        fprintf(stderr, "peer: cannot enter pipeline mode: %s", PQerrorMessage(w->conn));
        return false;
    }
    while (more || inflight > 0) {
        while (more && inflight < sh->pipeline) {
            size_t i = next_query(sh);
            if (i == SIZE_MAX) {
                more = false;
                break;
            }
            const char *params[2] = {sh->queries[i].name, sh->queries[i].surname};
            int slot = (head + inflight) % sh->pipeline;
            ring[slot] = i;
            sent_at[slot] = now_us();
            if (!PQsendQueryPrepared(w->conn, "screen", 2, params, NULL, NULL, 0) ||
                !PQpipelineSync(w->conn)) {
                fprintf(stderr, "peer: send failed: %s", PQerrorMessage(w->conn));
                return false;
            }
            inflight++;
        }
        if (inflight == 0)
            break;
        PGresult *res = PQgetResult(w->conn);
        if (!res) {
            fprintf(stderr, "peer: no result: %s", PQerrorMessage(w->conn));
            return false;
        }
        size_t i = ring[head];
        double t1 = now_us();
        bool ok = take_result(res, &sh->answers[i]);
        PQclear(res);
        /* The NULL that ends the query's results, then the Sync's own result. */
        while ((res = PQgetResult(w->conn)) != NULL)
            PQclear(res);
        res = PQgetResult(w->conn);
        if (!res || PQresultStatus(res) != PGRES_PIPELINE_SYNC)
            ok = false;
        PQclear(res);
        if (!ok)
            return false;
        sh->answers[i].latency_us = t1 - sent_at[head];
        sh->answers[i].sent = true;
        head = (head + 1) % sh->pipeline;
        inflight--;
    }
    return PQexitPipelineMode(w->conn) == 1;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    pthread_barrier_wait(w->ready);
    if (!atomic_load(&w->sh->failed)) {
        bool ok = w->sh->pipeline > 1 ? run_pipelined(w) : run_plain(w);
        if (!ok)
            atomic_store(&w->sh->failed, true);
    }
    return NULL;
}

/* Runs one command on a connection, reporting a failure. */
static bool exec_ok(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "peer: %s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
    return ok;
}

/* Opens and prepares one connection, and runs one warm-up query on it. */
static PGconn *open_connection(const shared *sh)
{
    PGconn *conn = PQconnectdb(sh->conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "peer: cannot connect: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    char set[128];
    snprintf(set, sizeof set, "SET pg_trgm.similarity_threshold = %.4f", sh->threshold);
    if (!exec_ok(conn, set) || !exec_ok(conn, "SET enable_seqscan = off")) {
        PQfinish(conn);
        return NULL;
    }
    /* Both parameters are text (25, TEXTOID), also when the statement leaves $2 unused. */
    static const Oid types[2] = {25, 25};
    PGresult *res = PQprepare(conn, "screen", sh->sql, 2, types);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "peer: prepare failed: %s", PQresultErrorMessage(res));
    PQclear(res);
    if (ok) {
        const char *params[2] = {"WARM UP", "UP"};
        res = PQexecPrepared(conn, "screen", 2, params, NULL, NULL, 0);
        ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        if (!ok)
            fprintf(stderr, "peer: warm-up failed: %s", PQresultErrorMessage(res));
        PQclear(res);
    }
    if (!ok) {
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static const char usage[] =
    "usage: bench_peer_pg --conninfo STR --queries TSV [--out FILE] [--connections N]\n"
    "                     [--threshold T] [--phonetic-bonus B] [--pipeline DEPTH]\n";

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"conninfo", required_argument, NULL, 'c'},
                                         {"queries", required_argument, NULL, 'q'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"connections", required_argument, NULL, 'n'},
                                         {"threshold", required_argument, NULL, 't'},
                                         {"phonetic-bonus", required_argument, NULL, 'b'},
                                         {"pipeline", required_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *conninfo = NULL, *queries_path = NULL, *out_path = NULL;
    int connections = 2, pipeline = 1;
    double threshold = 0.5, bonus = 0.0;
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        switch (c) {
        case 'c':
            conninfo = optarg;
            break;
        case 'q':
            queries_path = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'n':
            connections = atoi(optarg);
            break;
        case 't':
            threshold = strtod(optarg, NULL);
            break;
        case 'b':
            bonus = strtod(optarg, NULL);
            break;
        case 'p':
            pipeline = atoi(optarg);
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (!conninfo || !queries_path || connections < 1 || connections > 64 || pipeline < 1 ||
        pipeline > MAX_PIPELINE || threshold <= 0 || threshold > 1 || bonus < 0 || bonus > 1) {
        fputs(usage, stderr);
        return 2;
    }

    char *text = NULL;
    query *queries = NULL;
    long n = load_queries(queries_path, &text, &queries);
    if (n < 0)
        return 1;

    /* With no bonus the phonetic branch cannot change a decision (its names would need
     * similarity >= threshold, so % finds them anyway): it is left out, which is
     * cheaper and decides the same. */
    char sql[1024];
    if (bonus > 0)
        snprintf(sql, sizeof sql,
                 "WITH q AS MATERIALIZED (SELECT pw_norm($1) AS n, pw_dm($2) AS d)\n"
                 "SELECT c.entry_id, max(similarity(c.name, q.n) + CASE WHEN c.dm = q.d THEN "
                 "%.4f ELSE 0 END) AS score\n"
                 "FROM q, LATERAL (SELECT entry_id, name, dm FROM names WHERE name %% q.n\n"
                 "                 UNION ALL\n"
                 "                 SELECT entry_id, name, dm FROM names WHERE dm = q.d) c\n"
                 "GROUP BY c.entry_id\n"
                 "HAVING max(similarity(c.name, q.n) + CASE WHEN c.dm = q.d THEN %.4f ELSE 0 "
                 "END) >= %.4f\n"
                 "ORDER BY score DESC LIMIT %d",
                 bonus, bonus, threshold, MAX_HITS);
    else
        snprintf(sql, sizeof sql,
                 "WITH q AS MATERIALIZED (SELECT pw_norm($1) AS n)\n"
                 "SELECT c.entry_id, max(similarity(c.name, q.n)) AS score\n"
                 "FROM q, LATERAL (SELECT entry_id, name FROM names WHERE name %% q.n) c\n"
                 "GROUP BY c.entry_id\n"
                 "ORDER BY score DESC LIMIT %d",
                 MAX_HITS);

    shared sh = {.conninfo = conninfo,
                 .sql = sql,
                 .threshold = threshold,
                 .pipeline = pipeline,
                 .queries = queries,
                 .answers = calloc((size_t)n + 1, sizeof(answer)),
                 .n = (size_t)n};
    atomic_init(&sh.next, 0);
    atomic_init(&sh.failed, false);

    worker *workers = calloc((size_t)connections, sizeof *workers);
    pthread_barrier_t ready;
    pthread_barrier_init(&ready, NULL, (unsigned)connections + 1);
    int rc = 0;
    for (int k = 0; k < connections; k++) {
        workers[k] = (worker){.sh = &sh, .ready = &ready};
        if (!(workers[k].conn = open_connection(&sh)))
            atomic_store(&sh.failed, true);
    }
    for (int k = 0; k < connections; k++)
        pthread_create(&workers[k].thread, NULL, worker_main, &workers[k]);
    pthread_barrier_wait(&ready);
    double t0 = now_us();
    for (int k = 0; k < connections; k++)
        pthread_join(workers[k].thread, NULL);
    double seconds = (now_us() - t0) / 1e6;
    for (int k = 0; k < connections; k++)
        PQfinish(workers[k].conn);
    if (atomic_load(&sh.failed)) {
        rc = 1;
        goto done;
    }

    double *lat = malloc(((size_t)n + 1) * sizeof *lat);
    size_t sent = 0, hits = 0;
    FILE *out = out_path ? fopen(out_path, "w") : NULL;
    if (out_path && !out) {
        perror(out_path);
        rc = 1;
    }
    for (long i = 0; i < n; i++) {
        answer *a = &sh.answers[i];
        if (a->sent)
            lat[sent++] = a->latency_us;
        hits += a->n_hits > 0;
        for (int r = 0; r < a->n_hits; r++) {
            if (out)
                fprintf(out, "%s\t%s\t%.4f\n", queries[i].record_id, a->entries[r], a->scores[r]);
            free(a->entries[r]);
        }
    }
    if (out)
        fclose(out);
    qsort(lat, sent, sizeof *lat, cmp_double);
    double p50 = sent ? lat[(sent - 1) / 2] : 0, p99 = sent ? lat[(sent - 1) * 99 / 100] : 0;
    printf("peer: travellers=%ld sent=%zu hits=%zu seconds=%.3f travellers_per_s=%.0f "
           "p50_us=%.1f p99_us=%.1f connections=%d pipeline=%d threshold=%.2f "
           "phonetic_bonus=%.2f\n",
           n, sent, hits, seconds, seconds > 0 ? (double)n / seconds : 0, p50, p99, connections,
           pipeline, threshold, bonus);
    free(lat);
done:
    pthread_barrier_destroy(&ready);
    free(workers);
    free(sh.answers);
    free(queries);
    free(text);
    return rc;
}
