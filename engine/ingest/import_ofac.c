/*
 * OFAC SDN importer, legacy CSV layout (sdn.csv, alt.csv, add.csv of one release).
 *
 * sdn.csv has no header: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign,
 * Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks. "-0-" (followed by a space)
 * means empty; the file ends with a DOS end-of-file byte (0x1A) on a line of its own,
 * which is skipped. SDN_Type is "individual", "vessel", "aircraft", or empty for an
 * entity. Individuals' names are "SURNAME, Given Names" and are split there.
 *
 * alt.csv (ent_num, alt_num, alt_type aka/fka/nka, alt_name, alt_remarks) holds the
 * strong aliases: it is read first into a table sorted by ent_num (about 12,000 rows,
 * a few hundred kilobytes), and each sdn.csv entry takes its aliases from it with a
 * binary search, quality GOOD (LOW when alt_remarks says "weak"). Aliases whose
 * ent_num is not in sdn.csv are rejected once sdn.csv is read. The weak aliases OFAC
 * keeps in the Remarks ("a.k.a. 'X'", also f.k.a. and n.k.a.) become aliases of
 * quality LOW.
 *
 * add.csv holds addresses. An address country says where a person or firm was seen,
 * not their nationality, and the screening model has no address field, so add.csv is
 * only checked to be readable and well-formed CSV; its content is not imported.
 *
 * Remarks are free text, "; "-separated. For individuals they are mined for:
 *   DOB 12 Feb 1960 | Feb 1960 | 1960 (exact, possibly partial); DOB circa 1965
 *   (approximate); DOB 1960 to 1962, DOB 01 Jan 1961 to 31 Dec 1962, DOB circa
 *   1979-1982 (ranges); each may be preceded by "alt.";
 *   POB <place> (the first one becomes birth_place);
 *   nationality <country>, citizen <country> (and their "alt." forms) -> nationalities;
 *   Gender Male|Female;
 *   Passport / Diplomatic Passport / Travel Document Number <no> (<country>) -> "P";
 *   National ID No. / Cedula No. / D.N.I. / Identification Number / Personal ID Card
 *   <no> (<country>) -> "I"; with "issued <date>" and "expires <date>" when present.
 * Tax, company and vessel numbers (R.F.C., C.U.R.P., NIT #, SSN, IMO, ...) are not
 * travel documents and stay in the remarks only. A country that does not resolve to an
 * alpha-3 code (or is three characters or fewer: OFAC spells countries out) is dropped,
 * the rest of the entry kept; the full Remarks text is kept as the entry's remarks.
 *
 * The category is the Program ("SDGT", multi-program "SDGT] [SYRIA" becomes
 * "SDGT, SYRIA"); the severity is left to the list default; source_ref is
 * "sdn.csv:<line>".
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest/csv_tokenizer.h"
#include "ingest/import_internal.h"

enum {
    SDN_ENT_NUM,
    SDN_NAME,
    SDN_TYPE,
    SDN_PROGRAM,
    SDN_TITLE,
    SDN_CALL_SIGN,
    SDN_VESS_TYPE,
    SDN_TONNAGE,
    SDN_GRT,
    SDN_VESS_FLAG,
    SDN_VESS_OWNER,
    SDN_REMARKS,
    SDN_FIELDS
};

/* One strong alias from alt.csv. */
typedef struct alt_rec {
    const char *ent;
    const char *name;
    enum pw_alias_quality quality;
    long line;
    bool used;
} alt_rec;

typedef struct alt_table {
    alt_rec *recs;
    size_t n, cap;
    pw_arena *strings;
} alt_table;

/* The field with OFAC's "-0-" placeholder and surrounding blanks removed; NULL when
 * empty. Latin-1 bytes (older releases) are converted to UTF-8. */
static char *ofac_field(pw_arena *a, const char *s, bool *oom)
{
    char *u = pw_imp_to_utf8(a, s);
    if (!u) {
        *oom = true;
        return NULL;
    }
    char *c = pw_imp_clean(a, u, strlen(u), oom);
    if (c && strcmp(c, "-0-") == 0)
        return NULL;
    return c;
}

/* The DOS end-of-file marker row (a lone 0x1A byte). */
static bool is_eof_marker(char **fields, int n)
{
    return n == 1 && (strcmp(fields[0], "\x1a") == 0 || fields[0][0] == '\0');
}

static int tokenizer_error(const char *path, pw_csv *csv, int rc, pw_error *err)
{
    long line = pw_csv_row_line(csv);
    if (rc == PW_EPARSE)
        return pw_error_set(err, PW_EPARSE, path, (int)line, 0,
                            "quoted field opened on line %ld is never closed", line);
    if (rc == PW_ENOMEM)
        return pw_error_set(err, PW_ENOMEM, path, (int)line, 0, NULL);
    return pw_error_set(err, PW_EIO, path, (int)line, 0, "read error");
}

static int alt_cmp(const void *pa, const void *pb)
{
    const alt_rec *a = pa, *b = pb;
    int c = strcmp(a->ent, b->ent);
    if (c)
        return c;
    return (a->line > b->line) - (a->line < b->line);
}

/*
 * Reads alt.csv into t, sorted by ent_num then file order. Malformed rows are
 * rejected; only a read or tokenizer error fails.
 */
static int load_alt(const char *path, alt_table *t, const pw_import_callbacks *cb, pw_error *err)
{
    FILE *fp = NULL;
    int rc = pw_imp_fopen(path, &fp, err);
    if (rc)
        return rc;
    pw_csv *csv = pw_csv_new(fp, ',');
    if (!csv) {
        fclose(fp);
        return pw_error_set(err, PW_ENOMEM, path, 0, 0, NULL);
    }
    for (;;) {
        char **f;
        int n = pw_csv_next_row(csv, &f);
        if (n == 0)
            break;
        if (n < 0) {
            rc = tokenizer_error(path, csv, n, err);
            goto done;
        }
        if (is_eof_marker(f, n))
            continue;
        long line = pw_csv_row_line(csv);
        bool oom = false;
        char *ent = n >= 4 ? ofac_field(t->strings, f[0], &oom) : NULL;
        char *name = n >= 4 ? ofac_field(t->strings, f[3], &oom) : NULL;
        char *remarks = n >= 5 ? ofac_field(t->strings, f[4], &oom) : NULL;
        if (oom) {
            rc = pw_error_set(err, PW_ENOMEM, path, (int)line, 0, NULL);
            goto done;
        }
        if (n < 4 || !ent || !name) {
            pw_imp_reject(cb, path, line,
                          n < 4  ? NULL
                          : !ent ? "ent_num"
                                 : "alt_name",
                          n < 4  ? "alt.csv row has fewer than 4 fields"
                          : !ent ? "missing ent_num"
                                 : "missing alias name",
                          pw_csv_row_text(csv));
            continue;
        }
        if (t->n == t->cap) {
            size_t ncap = t->cap ? t->cap * 2 : 1024;
            alt_rec *nr = realloc(t->recs, ncap * sizeof *nr);
            if (!nr) {
                rc = pw_error_set(err, PW_ENOMEM, path, (int)line, 0, NULL);
                goto done;
            }
            t->recs = nr;
            t->cap = ncap;
        }
        alt_rec *r = &t->recs[t->n++];
        r->ent = ent;
        r->name = name;
        r->quality = remarks && strcasestr(remarks, "weak") ? PW_QUALITY_LOW : PW_QUALITY_GOOD;
        r->line = line;
        r->used = false;
    }
    if (t->n)
        qsort(t->recs, t->n, sizeof *t->recs, alt_cmp);
done:
    pw_csv_free(csv);
    fclose(fp);
    return rc;
}

/* Index of the first alias of ent in t, or t->n when it has none. */
static size_t alt_first(const alt_table *t, const char *ent)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(t->recs[mid].ent, ent) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->n && strcmp(t->recs[lo].ent, ent) == 0 ? lo : t->n;
}

/* Reads add.csv through to check that it is readable CSV; its content is not used. */
static int check_add(const char *path, pw_error *err)
{
    FILE *fp = NULL;
    int rc = pw_imp_fopen(path, &fp, err);
    if (rc)
        return rc;
    pw_csv *csv = pw_csv_new(fp, ',');
    if (!csv) {
        fclose(fp);
        return pw_error_set(err, PW_ENOMEM, path, 0, 0, NULL);
    }
    char **f;
    int n;
    while ((n = pw_csv_next_row(csv, &f)) > 0)
        ;
    if (n < 0)
        rc = tokenizer_error(path, csv, n, err);
    pw_csv_free(csv);
    fclose(fp);
    return rc;
}

/* ---- remarks ------------------------------------------------------------------ */

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/*
 * Parses an OFAC date "12 Feb 1960", "Feb 1960" or "1960" (s[0..n), single spaces)
 * into *out, checking the calendar. Returns 0 or -1.
 */
static int ofac_date(const char *s, size_t n, pw_date *out)
{
    const char *tok[4];
    size_t len[4];
    int nt = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && s[i] == ' ')
            i++;
        if (i == n)
            break;
        if (nt == 3)
            return -1;
        tok[nt] = s + i;
        while (i < n && s[i] != ' ')
            i++;
        len[nt] = (size_t)(s + i - tok[nt]);
        nt++;
    }
    if (nt == 0 || len[nt - 1] != 4 || !all_digits(tok[nt - 1], 4))
        return -1;
    int year = atoi(tok[nt - 1]), month = 0, day = 0;
    if (nt >= 2) {
        month = pw_imp_month(tok[nt - 2], len[nt - 2]);
        if (!month)
            return -1;
    }
    if (nt == 3) {
        if (len[0] > 2 || !all_digits(tok[0], len[0]))
            return -1;
        day = atoi(tok[0]);
    }
    char buf[16];
    if (day)
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
    else if (month)
        snprintf(buf, sizeof buf, "%04d-%02d", year, month);
    else
        snprintf(buf, sizeof buf, "%04d", year);
    pw_error derr;
    if (pw_date_parse(buf, out, &derr) != 0 || !pw_date_is_set(*out))
        return -1;
    return 0;
}

/* "DOB ..." after the keyword: exact, circa, "X to Y", "circa YYYY-YYYY". */
static int remark_dob(pw_imp_entry *b, const char *s)
{
    pw_dob d;
    memset(&d, 0, sizeof d);
    const char *r = pw_imp_prefix(s, "circa ");
    bool approx = r != NULL;
    if (r)
        s = r;
    const char *to = strstr(s, " to ");
    size_t n = strlen(s);
    if (to) {
        d.kind = PW_DOB_RANGE;
        if (ofac_date(s, (size_t)(to - s), &d.from) || ofac_date(to + 4, strlen(to + 4), &d.to))
            return 0;
    } else if (approx && n == 9 && s[4] == '-' && all_digits(s, 4) && all_digits(s + 5, 4)) {
        d.kind = PW_DOB_RANGE;
        if (ofac_date(s, 4, &d.from) || ofac_date(s + 5, 4, &d.to))
            return 0;
    } else {
        d.kind = approx ? PW_DOB_APPROX : PW_DOB_EXACT;
        if (ofac_date(s, n, &d.from))
            return 0;
    }
    if (d.kind == PW_DOB_RANGE && pw_date_compare(d.from, d.to) > 0)
        return 0;
    return pw_imp_add_dob(b, d);
}

/* Country names in OFAC's spelling that ISO-based tables may not know. */
static const char *ofac_country(const char *name)
{
    static const char *const extra[][2] = {
        {"Burma", "MMR"},
        {"Korea, North", "PRK"},
        {"Korea, South", "KOR"},
        {"Congo, Democratic Republic of the", "COD"},
        {"Congo, Republic of the", "COG"},
        {"Macedonia, The Former Yugoslav Republic of", "MKD"},
        {"The Gambia", "GMB"},
        {"The Bahamas", "BHS"},
        {"Palestinian", "PSE"},
        {"Eritrean", "ERI"},
        {"Macau", "MAC"},
        {"Cabo Verde", "CPV"},
    };
    if (!name || strlen(name) <= 3) /* "(N)", "(0)": not country names */
        return NULL;
    const char *a3 = pw_country_alpha3(name);
    if (a3)
        return a3;
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        if (strcasecmp(name, extra[i][0]) == 0)
            return pw_country_alpha3(extra[i][1]) ? pw_country_alpha3(extra[i][1]) : extra[i][1];
    return NULL;
}

/* Finds the next " issued " or " expires " keyword in s, or the end. */
static const char *next_doc_keyword(const char *s)
{
    const char *a = strstr(s, " issued ");
    const char *b = strstr(s, " expires ");
    if (a && b)
        return a < b ? a : b;
    if (a)
        return a;
    if (b)
        return b;
    return s + strlen(s);
}

/*
 * A document remark after its keyword: "<number> (<country>) issued <date>
 * expires <date>", every part after the number optional.
 */
static int remark_document(pw_imp_entry *b, const char *type, const char *s)
{
    pw_document doc;
    memset(&doc, 0, sizeof doc);
    doc.type = type;
    const char *paren = strstr(s, " (");
    const char *kw = next_doc_keyword(s);
    const char *num_end = paren && paren < kw ? paren : kw;
    bool oom = false;
    char *number = pw_imp_clean(b->arena, s, (size_t)(num_end - s), &oom);
    if (oom)
        return PW_ENOMEM;
    if (!number)
        return 0;
    doc.number = number;
    const char *rest = num_end;
    if (paren && paren < kw) {
        const char *close = strchr(paren, ')');
        if (close) {
            char *country = pw_imp_clean(b->arena, paren + 2, (size_t)(close - paren - 2), &oom);
            if (oom)
                return PW_ENOMEM;
            doc.issuer = ofac_country(country);
            rest = close + 1;
        }
    }
    for (const char *k = next_doc_keyword(rest); *k; k = next_doc_keyword(k + 1)) {
        bool issued = strncmp(k, " issued ", 8) == 0;
        const char *v = k + (issued ? 8 : 9);
        const char *end = next_doc_keyword(v);
        pw_date d;
        if (ofac_date(v, (size_t)(end - v), &d) == 0) {
            if (issued)
                doc.issued = d;
            else
                doc.expiry = d;
        }
    }
    return pw_imp_add_document(b, &doc);
}

/* A weak alias "'NAME'" after a.k.a./f.k.a./n.k.a.; unterminated quotes are skipped
 * (OFAC cuts Remarks at 1,000 characters, mid-name). */
static int remark_alias(pw_imp_entry *b, const char *s, bool split)
{
    const char *open = strchr(s, '\'');
    const char *close = open ? strrchr(s, '\'') : NULL;
    if (!open || close == open)
        return 0;
    bool oom = false;
    char *name = pw_imp_clean(b->arena, open + 1, (size_t)(close - open - 1), &oom);
    if (oom)
        return PW_ENOMEM;
    return pw_imp_add_name(b, PW_NAME_ALIAS, PW_QUALITY_LOW, name, split);
}

static const struct {
    const char *keyword;
    const char *type;
} doc_keywords[] = {
    {"Passport ", "P"},
    {"Diplomatic Passport ", "P"},
    {"Travel Document Number ", "P"},
    {"National ID No. ", "I"},
    {"Cedula No. ", "I"},
    {"D.N.I. ", "I"},
    {"Identification Number ", "I"},
    {"Personal ID Card ", "I"},
};

/* Applies one "; "-separated remark (already trimmed, final '.' removed). */
static int remark(pw_imp_entry *b, const char *seg, bool individual)
{
    const char *s = seg, *r;
    if ((r = pw_imp_prefix(s, "alt. ")))
        s = r;
    if ((r = pw_imp_prefix(s, "a.k.a. ")) || (r = pw_imp_prefix(s, "f.k.a. ")) ||
        (r = pw_imp_prefix(s, "n.k.a. ")))
        return remark_alias(b, r, individual);
    if (!individual)
        return 0;
    if ((r = pw_imp_prefix(s, "DOB ")))
        return remark_dob(b, r);
    if ((r = pw_imp_prefix(s, "POB "))) {
        if (!b->e.birth_place)
            b->e.birth_place = r;
        return 0;
    }
    if ((r = pw_imp_prefix(s, "nationality: ")) || (r = pw_imp_prefix(s, "nationality ")) ||
        (r = pw_imp_prefix(s, "citizen ")))
        return pw_imp_add_nationality(b, ofac_country(r));
    if ((r = pw_imp_prefix(s, "Gender "))) {
        if (strcasecmp(r, "Male") == 0)
            b->e.gender = 'M';
        else if (strcasecmp(r, "Female") == 0)
            b->e.gender = 'F';
        return 0;
    }
    for (size_t i = 0; i < sizeof doc_keywords / sizeof doc_keywords[0]; i++) {
        if ((r = pw_imp_prefix(s, doc_keywords[i].keyword))) {
            if (pw_imp_prefix(r, "IMO ")) /* a vessel's number, not a person's */
                return 0;
            return remark_document(b, doc_keywords[i].type, r);
        }
    }
    return 0;
}

/* Splits Remarks on ';' and applies each part. */
static int parse_remarks(pw_imp_entry *b, const char *remarks, bool individual)
{
    if (!remarks)
        return 0;
    for (const char *p = remarks;;) {
        const char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        bool oom = false;
        char *seg = pw_imp_clean(b->arena, p, len, &oom);
        if (oom)
            return PW_ENOMEM;
        if (seg) {
            size_t n = strlen(seg);
            if (n > 0 && seg[n - 1] == '.')
                seg[--n] = '\0';
            while (n > 0 && seg[n - 1] == ' ')
                seg[--n] = '\0';
            if (n > 0) {
                int rc = remark(b, seg, individual);
                if (rc)
                    return rc;
            }
        }
        if (!semi)
            return 0;
        p = semi + 1;
    }
}

/* "SDGT] [SYRIA" -> "SDGT, SYRIA" (in place). */
static void program_list(char *s)
{
    char *w = s;
    for (const char *r = s; *r;) {
        if (strncmp(r, "] [", 3) == 0) {
            *w++ = ',';
            *w++ = ' ';
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

/* ---- sdn.csv -------------------------------------------------------------------- */

typedef struct sdn_fault {
    const char *field;
    const char *reason;
} sdn_fault;

/*
 * Builds the entry for one sdn.csv row in b. Returns 0, PW_EINVAL with *f set, or
 * PW_ENOMEM.
 */
static int build_sdn(pw_imp_entry *b, char **fields, const char *base, long line, alt_table *alts,
                     sdn_fault *f)
{
    bool oom = false;
    char *v[SDN_FIELDS];
    for (int i = 0; i < SDN_FIELDS; i++)
        v[i] = ofac_field(b->arena, fields[i], &oom);
    if (oom)
        return PW_ENOMEM;
    pw_entry *e = &b->e;
    if (!v[SDN_ENT_NUM]) {
        f->field = "ent_num";
        f->reason = "missing ent_num";
        return PW_EINVAL;
    }
    if (!v[SDN_NAME]) {
        f->field = "SDN_Name";
        f->reason = "missing SDN_Name";
        return PW_EINVAL;
    }
    e->entry_id = v[SDN_ENT_NUM];
    if (!v[SDN_TYPE])
        e->type = PW_ENTRY_ENTITY;
    else if (strcasecmp(v[SDN_TYPE], "individual") == 0)
        e->type = PW_ENTRY_INDIVIDUAL;
    else if (strcasecmp(v[SDN_TYPE], "vessel") == 0)
        e->type = PW_ENTRY_VESSEL;
    else if (strcasecmp(v[SDN_TYPE], "aircraft") == 0)
        e->type = PW_ENTRY_AIRCRAFT;
    else {
        f->field = "SDN_Type";
        f->reason = pw_arena_printf(b->arena, "unknown SDN_Type '%s'", v[SDN_TYPE]);
        if (!f->reason)
            return PW_ENOMEM;
        return PW_EINVAL;
    }
    bool individual = e->type == PW_ENTRY_INDIVIDUAL;
    int rc = pw_imp_add_name(b, PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, v[SDN_NAME], individual);
    if (rc)
        return rc;
    for (size_t i = alt_first(alts, e->entry_id);
         i < alts->n && strcmp(alts->recs[i].ent, e->entry_id) == 0; i++) {
        alts->recs[i].used = true;
        rc = pw_imp_add_name(b, PW_NAME_ALIAS, alts->recs[i].quality, alts->recs[i].name,
                             individual);
        if (rc)
            return rc;
    }
    rc = parse_remarks(b, v[SDN_REMARKS], individual);
    if (rc)
        return rc;
    if (v[SDN_PROGRAM])
        program_list(v[SDN_PROGRAM]);
    e->category = v[SDN_PROGRAM];
    e->remarks = v[SDN_REMARKS];
    e->source_ref = pw_arena_printf(b->arena, "%s:%ld", base, line);
    return e->source_ref ? 0 : PW_ENOMEM;
}

static int import_sdn(const char *path, alt_table *alts, pw_imp_idset *ids,
                      const pw_import_callbacks *cb, pw_import_stats *stats, pw_error *err)
{
    FILE *fp = NULL;
    int rc = pw_imp_fopen(path, &fp, err);
    if (rc)
        return rc;
    const char *base = pw_imp_basename(path);
    pw_csv *csv = pw_csv_new(fp, ',');
    pw_arena *arena = pw_arena_new(0);
    if (!csv || !arena) {
        rc = pw_error_set(err, PW_ENOMEM, path, 0, 0, NULL);
        goto done;
    }
    for (;;) {
        char **fields;
        int n = pw_csv_next_row(csv, &fields);
        if (n == 0)
            break;
        if (n < 0) {
            rc = tokenizer_error(path, csv, n, err);
            goto done;
        }
        if (is_eof_marker(fields, n))
            continue;
        long line = pw_csv_row_line(csv);
        stats->rows++;
        pw_arena_reset(arena);
        pw_imp_entry b;
        pw_imp_entry_init(&b, arena);
        sdn_fault f = {NULL, NULL};
        if (n != SDN_FIELDS) {
            f.reason =
                pw_arena_printf(arena, "row has %d fields, sdn.csv rows have %d", n, SDN_FIELDS);
            rc = PW_EINVAL;
        } else {
            rc = build_sdn(&b, fields, base, line, alts, &f);
        }
        if (rc == 0) {
            long first = 0;
            int added = pw_imp_idset_add(ids, b.e.entry_id, line, &first);
            if (added < 0) {
                rc = PW_ENOMEM;
            } else if (added == 0) {
                f.field = "ent_num";
                f.reason = pw_arena_printf(arena, "duplicate ent_num '%s' (first on line %ld)",
                                           b.e.entry_id, first);
                rc = PW_EINVAL;
            }
        }
        if (rc == PW_ENOMEM) {
            rc = pw_error_set(err, PW_ENOMEM, path, (int)line, 0, NULL);
            goto done;
        }
        if (rc) {
            pw_imp_reject(cb, path, line, f.field, f.reason ? f.reason : "invalid row",
                          pw_csv_row_text(csv));
            stats->skipped++;
            rc = 0;
            continue;
        }
        rc = pw_imp_emit(cb, &b, stats, err);
        if (rc)
            goto done;
    }
    rc = 0;
done:
    pw_arena_free(arena);
    pw_csv_free(csv);
    fclose(fp);
    return rc;
}

int pw_import_ofac_sdn(const char *sdn_path, const char *alt_path, const char *add_path,
                       const pw_import_callbacks *cb, pw_import_stats *stats, pw_error *err)
{
    pw_import_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!sdn_path || !cb || !cb->entry)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "pw_import_ofac_sdn: missing argument");

    alt_table alts;
    memset(&alts, 0, sizeof alts);
    pw_imp_idset *ids = pw_imp_idset_new();
    alts.strings = pw_arena_new(256 * 1024);
    int rc = 0;
    if (!ids || !alts.strings) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, 0, NULL);
        goto done;
    }
    /* Check every file up front: a missing alt.csv must not fail after the
     * entries were already handed to the callback. */
    if (add_path && (rc = check_add(add_path, err)))
        goto done;
    if (alt_path && (rc = load_alt(alt_path, &alts, cb, err)))
        goto done;
    rc = import_sdn(sdn_path, &alts, ids, cb, stats, err);
    if (rc)
        goto done;
    for (size_t i = 0; i < alts.n; i++) {
        if (alts.recs[i].used)
            continue;
        char reason[256];
        snprintf(reason, sizeof reason, "alias for ent_num '%s', which is not in %s",
                 alts.recs[i].ent, pw_imp_basename(sdn_path));
        pw_imp_reject(cb, alt_path, alts.recs[i].line, "ent_num", reason, alts.recs[i].name);
    }
done:
    free(alts.recs);
    pw_arena_free(alts.strings);
    pw_imp_idset_free(ids);
    return rc;
}
