/*
 * bench_paxlst: how fast the PAXLST reader turns UN/EDIFACT into canonical records, as a
 * ratio to merely reading the same bytes in the same run.
 *
 *   bench_paxlst [TRAVELLERS] [DIR]      default 1,000,000 travellers, DIR $TMPDIR or /tmp
 *
 * It writes a PAXLST file of TRAVELLERS travellers (messages of 300 passengers, one
 * interchange per 20 messages, one segment per line, CRLF every other line; names, dates
 * and documents from a fixed-seed generator, so every run reads the same bytes) into a
 * temporary directory, then times, each on one core and from the page cache:
 *
 *   read      read(2) of the file in 256 KiB chunks, touching every byte (the floor);
 *   tokenize  pw_edi over the file: segments, elements, components, release characters;
 *   parse     pw_reader_next over the file as PAXLST: records normalised and copied,
 *             findings computed and counted (the path `paxwatch screen` takes).
 *
 * Phases are timed in CPU time of the thread (CLOCK_THREAD_CPUTIME_ID), so a busy
 * machine does not skew the ratios; the read phase includes its system time. It prints
 * one line per phase and a machine-readable summary line:
 *   summary: travellers=N bytes=B read_mb_s=... tokenize_mb_s=... parse_mb_s=...
 *   travellers_per_s=... parse_vs_read=... peak_rss_mb=...
 * Each phase runs three times and reports the fastest. The file is removed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"
#include "ingest/edifact.h"
#include "ingest/ingest.h"

#define PAX_PER_MESSAGE 300
#define MESSAGES_PER_INTERCHANGE 20
#define RUNS 3

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

/* xorshift64*: a fixed sequence, so the file is the same on every run. */
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static const char *pick(const char *const *list, size_t n)
{
    return list[rng() % n];
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: the phases are timed with it, so that other processes on a
 * busy machine do not count (the reader runs on one core). */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Writes the benchmark file; returns its size in bytes, or -1. */
static long long generate(const char *path, long travellers)
{
    static const char *const surnames[] = {"SMITH",   "GARCIA",   "MULLER",  "ROSSI",  "NGUYEN",
                                           "O?'NEIL", "KOWALSKI", "TANAKA",  "SILVA",  "IVANOV",
                                           "DUBOIS",  "JOHNSON",  "KIM",     "HANSEN", "AL HASAN",
                                           "VAN DAM", "PETERSEN", "SCHMIDT", "LOPEZ",  "BROWN"};
    static const char *const given[] = {"JOHN", "MARIA", "AHMED", "LI",     "ANNA",  "JOSE",
                                        "YUKI", "OLGA",  "PETER", "FATIMA", "LUCAS", "EMMA"};
    static const char *const countries[] = {"USA", "GBR", "FRA", "DEU", "ESP", "ITA", "JPN",
                                            "BRA", "IND", "CAN", "NLD", "D",   "POL", "KOR"};
    static const char *const airports[] = {"JFK", "LHR", "CDG", "FRA", "MAD", "FCO",
                                           "NRT", "GRU", "DEL", "YYZ", "AMS", "WAW"};
    FILE *fp = fopen(path, "w");
    if (!fp)
        return -1;
    setvbuf(fp, NULL, _IOFBF, 1 << 20);
    long written = 0, message = 0;
    while (written < travellers) {
        long ic = message / MESSAGES_PER_INTERCHANGE;
        if (message % MESSAGES_PER_INTERCHANGE == 0)
            fprintf(fp, "UNA:+.? '\r\nUNB+UNOA:4+BENCHAIR:ZZ+BORDER:ZZ+240301:0900+IC%ld'\r\n", ic);
        long n = travellers - written < PAX_PER_MESSAGE ? travellers - written : PAX_PER_MESSAGE;
        const char *from = pick(airports, N_OF(airports)), *to = pick(airports, N_OF(airports));
        int flight = (int)(rng() % 9000) + 100;
        fprintf(fp,
                "UNH+M%ld+PAXLST:D:05B:UN:IATA'\nBGM+745'\nNAD+MS+++BENCH OPS'\n"
                "TDT+20+ZZ%d+++ZZ'\nLOC+125+%s'\nDTM+189:2403%02d1030:201'\nLOC+87+%s'\n"
                "DTM+232:2403%02d1545:201'\n",
                message, flight, from, (int)(message % 28) + 1, to, (int)(message % 28) + 1);
        for (long i = 0; i < n; i++) {
            const char *nat = pick(countries, N_OF(countries));
            fprintf(fp,
                    "NAD+FL+++%s:%s'\r\nATT+2++%c'\nDTM+329:%02d%02d%02d'\r\nLOC+178+%s'\n"
                    "LOC+179+%s'\r\nNAT+2+%s'\nRFF+AVF:%06llX'\r\nRFF+ABO:P%08ld'\n"
                    "DOC+P:110:111+%c%08llu'\r\nDTM+36:%02d%02d%02d'\nLOC+91+%s'\r\n",
                    pick(surnames, N_OF(surnames)), pick(given, N_OF(given)), rng() % 2 ? 'M' : 'F',
                    (int)(rng() % 100), (int)(rng() % 12) + 1, (int)(rng() % 28) + 1, from, to, nat,
                    (unsigned long long)(rng() % 0xFFFFFF), written + i, (char)('A' + rng() % 26),
                    (unsigned long long)(rng() % 100000000), (int)(rng() % 10) + 25,
                    (int)(rng() % 12) + 1, (int)(rng() % 28) + 1, nat);
        }
        /* 8 header segments + 11 per traveller + CNT + UNT */
        fprintf(fp, "CNT+42:%ld'\nUNT+%ld+M%ld'\n", n, 8 + 11 * n + 2, message);
        written += n;
        message++;
        if (message % MESSAGES_PER_INTERCHANGE == 0 || written >= travellers)
            fprintf(fp, "UNZ+%ld+IC%ld'\r\n",
                    message % MESSAGES_PER_INTERCHANGE ? message % MESSAGES_PER_INTERCHANGE
                                                       : MESSAGES_PER_INTERCHANGE,
                    ic);
    }
    long long size = ftell(fp);
    if (fclose(fp) != 0)
        return -1;
    return size;
}

/* Phase 1: read(2) in chunks, touching every byte. */
static double phase_read(const char *path, uint64_t *sum)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    static unsigned char buf[256 * 1024];
    double t0 = cpu();
    uint64_t s = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++)
            s += buf[i];
    double t = cpu() - t0;
    close(fd);
    *sum = s;
    return t;
}

/* Phase 2: the tokenizer alone. */
static double phase_tokenize(const char *path, long *segments)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    pw_edi *e = pw_edi_new(fp);
    pw_edi_segment s;
    pw_error err;
    long n = 0;
    size_t chars = 0;
    double t0 = cpu();
    int ev;
    while ((ev = pw_edi_next(e, &s, NULL, NULL, &err)) > 0) {
        n++;
        chars += strlen(pw_edi_value(&s, 1, 1));
    }
    double t = cpu() - t0;
    pw_edi_free(e);
    fclose(fp);
    *segments = ev == 0 && chars > 0 ? n : -1;
    return t;
}

static void count_finding(void *ctx, const pw_finding *f)
{
    (void)f;
    (*(long *)ctx)++;
}

static void count_reject(void *ctx, const pw_reject *r)
{
    (void)r;
    (*(long *)ctx)++;
}

/* Phase 3: the reader, records and findings. */
static double phase_parse(const char *path, long *records, long *findings, long *rejects)
{
    pw_reader *r;
    pw_error err;
    if (pw_reader_open(path, PW_INPUT_PAXLST, &r, &err))
        return -1;
    *findings = *rejects = 0;
    pw_reader_set_findings(r, count_finding, findings);
    pw_arena *a = pw_arena_new(0);
    pw_record rec;
    long n = 0;
    double t0 = cpu();
    int rc;
    while ((rc = pw_reader_next(r, a, &rec, count_reject, rejects, &err)) == 1) {
        n++;
        pw_arena_reset(a);
    }
    double t = cpu() - t0;
    pw_arena_free(a);
    pw_reader_close(r);
    *records = rc == 0 ? n : -1;
    return t;
}

int main(int argc, char **argv)
{
    long travellers = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    const char *dir = argc > 2 ? argv[2] : getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    if (travellers < 1) {
        fprintf(stderr, "usage: bench_paxlst [TRAVELLERS] [DIR]\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/bench_paxlst.XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) {
        fprintf(stderr, "bench_paxlst: cannot create a file in %s: %s\n", dir, strerror(errno));
        return 1;
    }
    close(fd);
    double tg = now();
    long long bytes = generate(path, travellers);
    if (bytes < 0) {
        fprintf(stderr, "bench_paxlst: cannot write %s\n", path);
        unlink(path);
        return 1;
    }
    printf("generated %ld travellers, %.1f MB in %.1f s (%s)\n", travellers, (double)bytes / 1e6,
           now() - tg, path);

    double best_read = 1e30, best_tok = 1e30, best_parse = 1e30;
    uint64_t sum = 0;
    long segments = 0, records = 0, findings = 0, rejects = 0;
    for (int i = 0; i < RUNS; i++) {
        double t = phase_read(path, &sum);
        if (t > 0 && t < best_read)
            best_read = t;
        t = phase_tokenize(path, &segments);
        if (t > 0 && t < best_tok)
            best_tok = t;
        t = phase_parse(path, &records, &findings, &rejects);
        if (t > 0 && t < best_parse)
            best_parse = t;
    }
    unlink(path);
    if (segments < 0 || records != travellers) {
        fprintf(stderr, "bench_paxlst: expected %ld records, read %ld (segments %ld)\n", travellers,
                records, segments);
        return 1;
    }
    double mb = (double)bytes / 1e6;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("read      %7.3f s  %8.1f MB/s                      (checksum %llu)\n", best_read,
           mb / best_read, (unsigned long long)(sum & 0xFFFF));
    printf("tokenize  %7.3f s  %8.1f MB/s  %10.0f segments/s  (%.0f travellers/s)\n", best_tok,
           mb / best_tok, (double)segments / best_tok, (double)records / best_tok);
    printf("parse     %7.3f s  %8.1f MB/s  %10.0f travellers/s  (%ld findings, %ld rejects)\n",
           best_parse, mb / best_parse, (double)records / best_parse, findings, rejects);
    printf("summary: travellers=%ld bytes=%lld read_mb_s=%.1f tokenize_mb_s=%.1f "
           "parse_mb_s=%.1f travellers_per_s=%.0f tokenize_travellers_per_s=%.0f "
           "parse_vs_read=%.3f tokenize_vs_read=%.3f peak_rss_mb=%.1f\n",
           records, bytes, mb / best_read, mb / best_tok, mb / best_parse,
           (double)records / best_parse, (double)records / best_tok, best_read / best_parse,
           best_read / best_tok, (double)ru.ru_maxrss / 1024.0);
    return 0;
}
