/*
 * Watchlist import: the format names, the dispatch of pw_import_list to the
 * per-format importers, and the helpers those importers share (import_internal.h).
 *
 * One pw_import_list call imports the files of one list release. Entry ids must be
 * unique across the whole release, so the call owns one id set that every file's
 * importer consults: a second entry with an id already seen is rejected (with the
 * line of the first) rather than silently shadowing it in the store.
 *
 * Statistics: each importer fills the pw_import_stats it is given from zero;
 * pw_import_list sums the per-file figures.
 *
 * An entry is built with pw_imp_entry in an arena that the importer resets after the
 * entry callback, so the memory of an import does not grow with the list (only the id
 * set does, by one string per entry).
 */
#include "ingest/import_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- formats and dispatch ---------------------------------------------------- */

int pw_list_format_parse(const char *s, enum pw_list_format *out)
{
    if (!s || !out)
        return PW_EINVAL;
    if (strcasecmp(s, "csv") == 0)
        *out = PW_LIST_CSV;
    else if (strcasecmp(s, "ofac-sdn") == 0)
        *out = PW_LIST_OFAC_SDN;
    else if (strcasecmp(s, "un-xml") == 0)
        *out = PW_LIST_UN_XML;
    else
        return PW_EINVAL;
    return 0;
}

static void stats_add(pw_import_stats *sum, const pw_import_stats *part)
{
    sum->rows += part->rows;
    sum->imported += part->imported;
    sum->skipped += part->skipped;
    for (size_t i = 0; i < sizeof sum->by_type / sizeof sum->by_type[0]; i++)
        sum->by_type[i] += part->by_type[i];
}

/* Which OFAC file a path names by its file name: 0 sdn, 1 alt, 2 add, -1 unknown.
 * "alt" and "add" are tested first so that "sdn_alt.csv" is the alias file. */
static int ofac_role(const char *path)
{
    const char *base = pw_imp_basename(path);
    if (strcasestr(base, "alt"))
        return 1;
    if (strcasestr(base, "add"))
        return 2;
    if (strcasestr(base, "sdn"))
        return 0;
    return -1;
}

/*
 * OFAC: sdn.csv, alt.csv and add.csv are recognised by their names; paths whose names
 * say nothing fill the free roles in the order sdn, alt, add.
 */
static int import_ofac_paths(const char *const *paths, size_t n_paths,
                             const pw_import_callbacks *cb, pw_import_stats *stats, pw_error *err)
{
    const char *role[3] = {NULL, NULL, NULL};
    if (n_paths == 0 || n_paths > 3)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0,
                            "ofac-sdn takes sdn.csv and optionally alt.csv and add.csv "
                            "(%zu files given)",
                            n_paths);
    bool placed[3] = {false, false, false};
    for (size_t i = 0; i < n_paths; i++) {
        int r = ofac_role(paths[i]);
        if (r < 0)
            continue;
        if (role[r])
            return pw_error_set(err, PW_EINVAL, paths[i], 0, 0,
                                "two files given for the same OFAC role (also %s)", role[r]);
        role[r] = paths[i];
        placed[i] = true;
    }
    for (size_t i = 0; i < n_paths; i++) {
        if (placed[i])
            continue;
        int r = 0;
        while (r < 3 && role[r])
            r++;
        if (r == 3)
            return pw_error_set(err, PW_EINVAL, paths[i], 0, 0, "no OFAC role left for file");
        role[r] = paths[i];
    }
    if (!role[0])
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "ofac-sdn needs sdn.csv");
    return pw_import_ofac_sdn(role[0], role[1], role[2], cb, stats, err);
}

int pw_import_list(enum pw_list_format format, const char *const *paths, size_t n_paths,
                   const pw_import_callbacks *cb, pw_import_stats *stats, pw_error *err)
{
    pw_import_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!cb || !cb->entry || (n_paths && !paths))
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "pw_import_list: missing callbacks");
    if (n_paths == 0)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "no watchlist file given");

    switch (format) {
    case PW_LIST_OFAC_SDN:
        return import_ofac_paths(paths, n_paths, cb, stats, err);
    case PW_LIST_CSV:
    case PW_LIST_UN_XML:
        break;
    default:
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "unknown watchlist format %d", (int)format);
    }

    pw_imp_idset *ids = pw_imp_idset_new();
    if (!ids)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, NULL);
    int rc = 0;
    for (size_t i = 0; i < n_paths && rc == 0; i++) {
        pw_import_stats part;
        memset(&part, 0, sizeof part);
        if (format == PW_LIST_CSV)
            rc = pw_imp_csv_file(paths[i], ids, cb, &part, err);
        else
            rc = pw_imp_un_file(paths[i], ids, cb, &part, err);
        stats_add(stats, &part);
    }
    pw_imp_idset_free(ids);
    return rc;
}

int pw_import_csv(const char *path, const pw_import_callbacks *cb, pw_import_stats *stats,
                  pw_error *err)
{
    pw_import_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!path || !cb || !cb->entry)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "pw_import_csv: missing argument");
    pw_imp_idset *ids = pw_imp_idset_new();
    if (!ids)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, NULL);
    int rc = pw_imp_csv_file(path, ids, cb, stats, err);
    pw_imp_idset_free(ids);
    return rc;
}

int pw_import_un_xml(const char *path, const pw_import_callbacks *cb, pw_import_stats *stats,
                     pw_error *err)
{
    pw_import_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!path || !cb || !cb->entry)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "pw_import_un_xml: missing argument");
    pw_imp_idset *ids = pw_imp_idset_new();
    if (!ids)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, NULL);
    int rc = pw_imp_un_file(path, ids, cb, stats, err);
    pw_imp_idset_free(ids);
    return rc;
}

/* ---- entry builder ---------------------------------------------------------- */

void pw_imp_entry_init(pw_imp_entry *b, pw_arena *arena)
{
    memset(b, 0, sizeof *b);
    b->arena = arena;
    b->e.type = PW_ENTRY_INDIVIDUAL;
    b->e.severity = PW_SEV_NONE;
}

/*
 * Makes room for one more element of size elem in *arr (n used, *cap allocated):
 * doubles into a fresh arena slice and copies; the old slice is simply abandoned
 * (the arena is reset per entry, and doubling bounds the waste to the final size).
 */
static int grow(pw_arena *a, void **arr, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 4;
    void *na = pw_arena_alloc(a, ncap * elem);
    if (!na)
        return PW_ENOMEM;
    if (n)
        memcpy(na, *arr, n * elem);
    *arr = na;
    *cap = ncap;
    return 0;
}

int pw_imp_add_name(pw_imp_entry *b, enum pw_name_kind kind, enum pw_alias_quality quality,
                    const char *full, bool split)
{
    if (!full || !*full)
        return 0;
    for (size_t i = 0; i < b->e.n_names; i++)
        if (b->e.names[i].kind == kind && strcmp(b->e.names[i].full, full) == 0)
            return 0;
    void *arr = b->e.names;
    if (grow(b->arena, &arr, b->e.n_names, &b->cap_names, sizeof(pw_entry_name)))
        return PW_ENOMEM;
    b->e.names = arr;
    pw_entry_name *n = &b->e.names[b->e.n_names];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->quality = quality;
    n->full = full;
    if (split) {
        const char *comma = strchr(full, ',');
        if (comma) {
            bool oom = false;
            char *sur = pw_imp_clean(b->arena, full, (size_t)(comma - full), &oom);
            char *giv = pw_imp_clean(b->arena, comma + 1, strlen(comma + 1), &oom);
            if (oom)
                return PW_ENOMEM;
            if (sur && giv) {
                n->surname = sur;
                n->given = giv;
            }
        }
    }
    b->e.n_names++;
    return 0;
}

static bool dob_equal(const pw_dob *a, const pw_dob *b)
{
    return a->kind == b->kind && a->from.year == b->from.year && a->from.month == b->from.month &&
           a->from.day == b->from.day && a->to.year == b->to.year && a->to.month == b->to.month &&
           a->to.day == b->to.day;
}

int pw_imp_add_dob(pw_imp_entry *b, pw_dob dob)
{
    for (size_t i = 0; i < b->e.n_dobs; i++)
        if (dob_equal(&b->e.dobs[i], &dob))
            return 0;
    void *arr = b->e.dobs;
    if (grow(b->arena, &arr, b->e.n_dobs, &b->cap_dobs, sizeof(pw_dob)))
        return PW_ENOMEM;
    b->e.dobs = arr;
    b->e.dobs[b->e.n_dobs++] = dob;
    return 0;
}

int pw_imp_add_nationality(pw_imp_entry *b, const char *alpha3)
{
    if (!alpha3 || !*alpha3)
        return 0;
    for (size_t i = 0; i < b->e.n_nationalities; i++)
        if (strcmp(b->e.nationalities[i], alpha3) == 0)
            return 0;
    void *arr = (void *)b->e.nationalities;
    if (grow(b->arena, &arr, b->e.n_nationalities, &b->cap_nats, sizeof(const char *)))
        return PW_ENOMEM;
    b->e.nationalities = arr;
    b->e.nationalities[b->e.n_nationalities++] = alpha3;
    return 0;
}

static bool str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

int pw_imp_add_document(pw_imp_entry *b, const pw_document *doc)
{
    if (!doc->number || !*doc->number)
        return 0;
    for (size_t i = 0; i < b->e.n_documents; i++) {
        const pw_document *d = &b->e.documents[i];
        if (str_eq(d->type, doc->type) && str_eq(d->number, doc->number) &&
            str_eq(d->issuer, doc->issuer))
            return 0;
    }
    void *arr = b->e.documents;
    if (grow(b->arena, &arr, b->e.n_documents, &b->cap_docs, sizeof(pw_document)))
        return PW_ENOMEM;
    b->e.documents = arr;
    b->e.documents[b->e.n_documents++] = *doc;
    return 0;
}

/*
 * The entry callback gets a fresh pw_error so that a stale one cannot be mistaken for
 * its failure; when it fails without saying why, the message names the code.
 */
int pw_imp_emit(const pw_import_callbacks *cb, const pw_imp_entry *b, pw_import_stats *stats,
                pw_error *err)
{
    pw_error cerr;
    memset(&cerr, 0, sizeof cerr);
    int rc = cb->entry(cb->ctx, &b->e, &cerr);
    if (rc != 0) {
        if (err) {
            if (cerr.code != 0)
                *err = cerr;
            else
                pw_error_set(err, rc, NULL, 0, 0, "watchlist entry '%s' not stored: %s",
                             b->e.entry_id ? b->e.entry_id : "", pw_strerror(rc));
        }
        return rc;
    }
    stats->imported++;
    if ((unsigned)b->e.type < sizeof stats->by_type / sizeof stats->by_type[0])
        stats->by_type[b->e.type]++;
    return 0;
}

/* ---- id set ----------------------------------------------------------------- */

/* Open addressing with linear probing over FNV-1a hashes; ids live in an arena. */
typedef struct idslot {
    const char *id;
    long line;
} idslot;

struct pw_imp_idset {
    idslot *slots;
    size_t cap, n; /* cap is a power of two; kept at most half full */
    pw_arena *strings;
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

pw_imp_idset *pw_imp_idset_new(void)
{
    pw_imp_idset *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cap = 1024;
    s->slots = calloc(s->cap, sizeof *s->slots);
    s->strings = pw_arena_new(64 * 1024);
    if (!s->slots || !s->strings) {
        pw_imp_idset_free(s);
        return NULL;
    }
    return s;
}

void pw_imp_idset_free(pw_imp_idset *s)
{
    if (!s)
        return;
    free(s->slots);
    pw_arena_free(s->strings);
    free(s);
}

static int idset_grow(pw_imp_idset *s)
{
    size_t ncap = s->cap * 2;
    idslot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return PW_ENOMEM;
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->slots[i].id)
            continue;
        size_t j = (size_t)fnv1a(s->slots[i].id) & (ncap - 1);
        while (ns[j].id)
            j = (j + 1) & (ncap - 1);
        ns[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = ns;
    s->cap = ncap;
    return 0;
}

int pw_imp_idset_add(pw_imp_idset *s, const char *id, long line, long *first_line)
{
    if ((s->n + 1) * 2 > s->cap && idset_grow(s))
        return PW_ENOMEM;
    size_t j = (size_t)fnv1a(id) & (s->cap - 1);
    while (s->slots[j].id) {
        if (strcmp(s->slots[j].id, id) == 0) {
            if (first_line)
                *first_line = s->slots[j].line;
            return 0;
        }
        j = (j + 1) & (s->cap - 1);
    }
    char *copy = pw_arena_strdup(s->strings, id);
    if (!copy)
        return PW_ENOMEM;
    s->slots[j].id = copy;
    s->slots[j].line = line;
    s->n++;
    return 1;
}

/* ---- text -------------------------------------------------------------------- */

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char *pw_imp_clean(pw_arena *a, const char *s, size_t n, bool *oom)
{
    if (!s)
        return NULL;
    while (n > 0 && is_ws(*s)) {
        s++;
        n--;
    }
    while (n > 0 && is_ws(s[n - 1]))
        n--;
    if (n == 0)
        return NULL;
    char *out = pw_arena_alloc(a, n + 1);
    if (!out) {
        if (oom)
            *oom = true;
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_ws(s[i])) {
            if (k > 0 && out[k - 1] != ' ')
                out[k++] = ' ';
        } else {
            out[k++] = s[i];
        }
    }
    out[k] = '\0';
    return out;
}

char *pw_imp_to_utf8(pw_arena *a, const char *s)
{
    size_t n = strlen(s);
    if (pw_utf8_valid(s, n))
        return pw_arena_strndup(a, s, n);
    char *out = pw_arena_alloc(a, 2 * n + 1);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            out[k++] = (char)c;
        } else {
            out[k++] = (char)(0xC0 | (c >> 6));
            out[k++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[k] = '\0';
    return out;
}

int pw_imp_month(const char *s, size_t n)
{
    static const char *const names[12] = {"january",   "february", "march",    "april",
                                          "may",       "june",     "july",     "august",
                                          "september", "october",  "november", "december"};
    if (n > 0 && s[n - 1] == '.')
        n--;
    if (n < 3)
        return 0;
    for (int m = 0; m < 12; m++) {
        size_t len = strlen(names[m]);
        if (n == 3 || n == len || (m == 8 && n == 4)) {
            if (n <= len && strncasecmp(s, names[m], n) == 0)
                return m + 1;
        }
    }
    return 0;
}

const char *pw_imp_prefix(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncasecmp(s, prefix, n) != 0)
        return NULL;
    return s + n;
}

const char *pw_imp_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int pw_imp_fopen(const char *path, FILE **out, pw_error *err)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return pw_error_set(err, PW_EIO, path, 0, 0, "cannot open watchlist file: %s",
                            strerror(errno));
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(fp);
        return pw_error_set(err, PW_EIO, path, 0, 0,
                            "cannot read watchlist file: it is a directory");
    }
    *out = fp;
    return 0;
}

/*
 * Copies raw into buf (PW_IMPORT_RAW_MAX + 1 bytes) cut at a character boundary, with
 * every byte that is not part of well-formed UTF-8 replaced by '?': dead letters are
 * stored as text and shown as JSON, and a Latin-1 row must not break either.
 */
static const char *raw_text(const char *raw, char *buf)
{
    size_t n = strlen(raw);
    if (n <= PW_IMPORT_RAW_MAX && pw_utf8_valid(raw, n))
        return raw;
    size_t k = 0;
    for (size_t i = 0; i < n && k < PW_IMPORT_RAW_MAX;) {
        unsigned char c = (unsigned char)raw[i];
        size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (i + len > n || !pw_utf8_valid(raw + i, len)) {
            buf[k++] = '?';
            i++;
            continue;
        }
        if (k + len > PW_IMPORT_RAW_MAX)
            break;
        memcpy(buf + k, raw + i, len);
        k += len;
        i += len;
    }
    buf[k] = '\0';
    return buf;
}

void pw_imp_reject(const pw_import_callbacks *cb, const char *source, long line, const char *field,
                   const char *reason, const char *raw)
{
    if (!cb || !cb->reject)
        return;
    char buf[PW_IMPORT_RAW_MAX + 1];
    pw_reject rej = {.kind = "watchlist",
                     .source = source,
                     .line = line,
                     .field = field,
                     .reason = reason,
                     .raw = raw ? raw_text(raw, buf) : NULL};
    cb->reject(cb->ctx, &rej);
}
