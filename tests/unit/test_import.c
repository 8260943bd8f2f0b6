/*
 * Watchlist importers: native CSV, OFAC SDN legacy CSV, UN consolidated XML.
 *
 * Golden checks compare a canonical text of each chosen entry, one line per field
 * (names, dates of birth, nationalities, documents), with the values read by hand
 * from the source files: the real lists in ../shared/data/watchlists (PW_SHARED_DATA)
 * and small fixtures of our own in tests/data/import_*. Counts on the real lists are
 * the figures the importers must reproduce; the alias and original-script totals of
 * the UN list were cross-checked with an independent Python (ElementTree) count, and
 * the OFAC DOB coverage with a count of individuals whose Remarks mention "DOB".
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/ingest.h"

#define UN_XML PW_SHARED_DATA "/watchlists/un/UN_consolidated.xml"
#define OFAC_SDN PW_SHARED_DATA "/watchlists/ofac-sdn/sdn.csv"
#define OFAC_ALT PW_SHARED_DATA "/watchlists/ofac-sdn/alt.csv"
#define OFAC_ADD PW_SHARED_DATA "/watchlists/ofac-sdn/add.csv"

/* ---- collecting what an import produces ---------------------------------------- */

#define MAX_WANT 8
#define MAX_REJECTS 32

typedef struct rej_copy {
    long line;
    char field[64];
    char reason[256];
    char raw[256];
} rej_copy;

typedef struct collect {
    const char *want[MAX_WANT]; /* entry ids whose text is captured */
    char *got[MAX_WANT];
    char *remarks[MAX_WANT];
    long entries, aliases, aliases_good, aliases_low, original, dobs, docs, nats;
    long individuals, individuals_with_dob;
    rej_copy rejects[MAX_REJECTS];
    int n_rejects;
    int stop_after; /* entry callback fails with PW_EDB after this many (0: never) */
} collect;

static const char *kind_name(enum pw_name_kind k)
{
    return k == PW_NAME_PRIMARY ? "primary" : k == PW_NAME_ALIAS ? "alias" : "original";
}

static const char *quality_name(enum pw_alias_quality q)
{
    return q == PW_QUALITY_GOOD ? "good" : q == PW_QUALITY_LOW ? "low" : "-";
}

static const char *type_name(enum pw_entry_type t)
{
    static const char *const names[] = {"individual", "entity", "vessel", "aircraft"};
    return (unsigned)t < 4 ? names[t] : "?";
}

static const char *sev_name(enum pw_severity s)
{
    static const char *const names[] = {"none", "low", "medium", "high", "critical"};
    return (unsigned)s < 5 ? names[s] : "?";
}

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

/* The canonical text of an entry: one line per field, in the entry's order. */
static char *entry_text(const pw_entry *e)
{
    pw_strbuf sb = {0};
    pw_strbuf_printf(&sb, "%s %s cat=%s sev=%s gender=%c ref=%s pob=%s\n", e->entry_id,
                     type_name(e->type), or_dash(e->category), sev_name(e->severity),
                     e->gender ? e->gender : '-', or_dash(e->source_ref), or_dash(e->birth_place));
    for (size_t i = 0; i < e->n_names; i++)
        pw_strbuf_printf(&sb, "%s %s '%s' %s|%s\n", kind_name(e->names[i].kind),
                         quality_name(e->names[i].quality), e->names[i].full,
                         or_dash(e->names[i].surname), or_dash(e->names[i].given));
    for (size_t i = 0; i < e->n_dobs; i++) {
        char buf[32];
        pw_dob_format(&e->dobs[i], buf);
        pw_strbuf_printf(&sb, "dob %s\n", buf);
    }
    for (size_t i = 0; i < e->n_nationalities; i++)
        pw_strbuf_printf(&sb, "nat %s\n", e->nationalities[i]);
    for (size_t i = 0; i < e->n_documents; i++) {
        char issued[11], expiry[11];
        pw_date_format(e->documents[i].issued, issued);
        pw_date_format(e->documents[i].expiry, expiry);
        pw_strbuf_printf(&sb, "doc %s '%s' %s issued=%s expiry=%s\n", or_dash(e->documents[i].type),
                         e->documents[i].number, or_dash(e->documents[i].issuer), issued, expiry);
    }
    char *out = strdup(sb.data ? sb.data : "");
    pw_strbuf_free(&sb);
    return out;
}

static int on_entry(void *ctx, const pw_entry *e, pw_error *err)
{
    collect *c = ctx;
    if (c->stop_after && c->entries == c->stop_after)
        return pw_error_set(err, PW_EDB, NULL, 0, 0, "test: store refused entry %s", e->entry_id);
    c->entries++;
    cr_assert(e->n_names >= 1 && e->names[0].kind == PW_NAME_PRIMARY, "entry %s: names[0]",
              e->entry_id);
    for (size_t i = 0; i < e->n_names; i++) {
        if (e->names[i].kind == PW_NAME_ALIAS) {
            c->aliases++;
            c->aliases_good += e->names[i].quality == PW_QUALITY_GOOD;
            c->aliases_low += e->names[i].quality == PW_QUALITY_LOW;
        }
        c->original += e->names[i].kind == PW_NAME_ORIGINAL_SCRIPT;
    }
    c->dobs += (long)e->n_dobs;
    c->docs += (long)e->n_documents;
    c->nats += (long)e->n_nationalities;
    if (e->type == PW_ENTRY_INDIVIDUAL) {
        c->individuals++;
        c->individuals_with_dob += e->n_dobs > 0;
    }
    for (int i = 0; i < MAX_WANT && c->want[i]; i++) {
        if (strcmp(c->want[i], e->entry_id) == 0) {
            cr_assert_null(c->got[i], "entry %s emitted twice", e->entry_id);
            c->got[i] = entry_text(e);
            c->remarks[i] = e->remarks ? strdup(e->remarks) : NULL;
        }
    }
    return 0;
}

static void on_reject(void *ctx, const pw_reject *r)
{
    collect *c = ctx;
    cr_assert_str_eq(r->kind, "watchlist");
    cr_assert_not_null(r->source);
    cr_assert_not_null(r->reason);
    if (c->n_rejects == MAX_REJECTS)
        return;
    rej_copy *k = &c->rejects[c->n_rejects++];
    k->line = r->line;
    snprintf(k->field, sizeof k->field, "%s", r->field ? r->field : "");
    snprintf(k->reason, sizeof k->reason, "%s", r->reason);
    snprintf(k->raw, sizeof k->raw, "%s", r->raw ? r->raw : "");
}

static void collect_free(collect *c)
{
    for (int i = 0; i < MAX_WANT; i++) {
        free(c->got[i]);
        free(c->remarks[i]);
    }
}

static const char *got(const collect *c, const char *id)
{
    for (int i = 0; i < MAX_WANT && c->want[i]; i++)
        if (strcmp(c->want[i], id) == 0)
            return c->got[i] ? c->got[i] : "(entry not emitted)";
    return "(not wanted)";
}

static const char *remarks_of(const collect *c, const char *id)
{
    for (int i = 0; i < MAX_WANT && c->want[i]; i++)
        if (strcmp(c->want[i], id) == 0)
            return c->remarks[i] ? c->remarks[i] : "";
    return "";
}

static void expect_reject(const collect *c, int i, long line, const char *field,
                          const char *reason_part)
{
    cr_assert_lt(i, c->n_rejects, "reject #%d missing (%d rejects)", i, c->n_rejects);
    const rej_copy *r = &c->rejects[i];
    cr_expect_eq(r->line, line, "reject #%d: line %ld, expected %ld (%s)", i, r->line, line,
                 r->reason);
    cr_expect_str_eq(r->field, field, "reject #%d (line %ld): field", i, line);
    cr_expect(strstr(r->reason, reason_part) != NULL, "reject #%d: reason '%s' lacks '%s'", i,
              r->reason, reason_part);
}

static int import(enum pw_list_format f, const char *const *paths, size_t n, collect *c,
                  pw_import_stats *st, pw_error *err)
{
    pw_import_callbacks cb = {on_entry, on_reject, c};
    memset(err, 0, sizeof *err);
    return pw_import_list(f, paths, n, &cb, st, err);
}

/* Writes text to a fresh temporary file; returns its path (static buffer per slot). */
static const char *temp_file(int slot, const void *data, size_t len)
{
    static char paths[4][64];
    snprintf(paths[slot], sizeof paths[slot], "/tmp/pw_test_import_%d_XXXXXX", slot);
    int fd = mkstemp(paths[slot]);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
    return paths[slot];
}

/* ---- formats ------------------------------------------------------------------------ */

Test(import, list_format_parse)
{
    enum pw_list_format f;
    cr_expect_eq(pw_list_format_parse("csv", &f), 0);
    cr_expect_eq(f, PW_LIST_CSV);
    cr_expect_eq(pw_list_format_parse("ofac-sdn", &f), 0);
    cr_expect_eq(f, PW_LIST_OFAC_SDN);
    cr_expect_eq(pw_list_format_parse("un-xml", &f), 0);
    cr_expect_eq(f, PW_LIST_UN_XML);
    cr_expect_eq(pw_list_format_parse("xml", &f), PW_EINVAL);
    cr_expect_eq(pw_list_format_parse("", &f), PW_EINVAL);
}

/* ---- native CSV ----------------------------------------------------------------------- */

Test(import, csv_good_and_bad_rows)
{
    const char *path = PW_TEST_DATA "/import_rows.csv";
    collect c = {.want = {"G1", "G2", "G3"}};
    pw_import_stats st;
    pw_error err;
    cr_assert_eq(import(PW_LIST_CSV, &path, 1, &c, &st, &err), 0, "%s", err.msg);
    cr_expect_eq(st.rows, 14);
    cr_expect_eq(st.imported, 3);
    cr_expect_eq(st.skipped, 11);
    cr_expect_eq(st.by_type[PW_ENTRY_INDIVIDUAL], 2);
    cr_expect_eq(st.by_type[PW_ENTRY_ENTITY], 1);

    cr_expect_str_eq(got(&c, "G1"), "G1 individual cat=test sev=high gender=M "
                                    "ref=import_rows.csv:2 pob=-\n"
                                    "primary - 'DOE, John' DOE|John\n"
                                    "alias - 'DOE, Johnny' DOE|Johnny\n"
                                    "alias - 'Джон ДОУ' -|-\n"
                                    "dob 1970-05-17\n"
                                    "dob ~1972\n"
                                    "dob 1968..1971\n"
                                    "nat USA\n"
                                    "nat FRA\n"
                                    "doc P 'X1234567' FRA issued= expiry=\n"
                                    "doc I '99887766' USA issued= expiry=\n");
    cr_expect_str_eq(remarks_of(&c, "G1"), "good, with a quoted comma");
    /* An entity is not split at its comma; a quoted newline is folded. */
    cr_expect_str_eq(got(&c, "G2"), "G2 entity cat=- sev=none gender=- ref=import_rows.csv:3 "
                                    "pob=-\n"
                                    "primary - 'ACME TRADING, CO.' -|-\n");
    cr_expect_str_eq(remarks_of(&c, "G2"), "multi line remark");
    cr_expect_str_eq(got(&c, "G3"), "G3 individual cat=- sev=none gender=F "
                                    "ref=import_rows.csv:17 pob=-\n"
                                    "primary - 'LAST, Row' LAST|Row\n"
                                    "dob 1980-02\n"
                                    "doc P '123' - issued= expiry=\n");

    cr_assert_eq(c.n_rejects, 12);
    expect_reject(&c, 0, 1, "colour", "unknown column 'colour' ignored");
    expect_reject(&c, 1, 5, "name", "missing name");
    expect_reject(&c, 2, 6, "dob", "invalid date of birth");
    expect_reject(&c, 3, 7, "nationality", "unknown country 'Atlantis'");
    expect_reject(&c, 4, 8, "entry_id", "duplicate entry_id 'G1' (first on line 2)");
    expect_reject(&c, 5, 9, "severity", "severity 'urgent'");
    expect_reject(&c, 6, 10, "gender", "gender 'X'");
    expect_reject(&c, 7, 11, "documents", "not TYPE:NUMBER:ISSUER");
    expect_reject(&c, 8, 12, "type", "type 'ship'");
    expect_reject(&c, 9, 13, "", "row has 3 fields, the header has 12");
    expect_reject(&c, 10, 14, "entry_id", "missing entry_id");
    expect_reject(&c, 11, 15, "name", "not valid UTF-8");
    /* The raw row goes with the reject, made safe to store as text. */
    cr_expect(strstr(c.rejects[2].raw, "1970-13-01") != NULL, "%s", c.rejects[2].raw);
    cr_expect(strstr(c.rejects[11].raw, "BAD, ? UTF-8") != NULL, "%s", c.rejects[11].raw);
    collect_free(&c);
}

Test(import, csv_bad_document_issuer_and_range)
{
    static const char text[] = "name,entry_id,documents,dob\n"
                               "\"A, B\",1,P:123:Narnia,\n"
                               "\"C, D\",2,P:1:FRA:X,\n"
                               "\"E, F\",3,,1970..1960\n"
                               "\"G, H\",4,:777:,1970-02-30\n";
    const char *path = temp_file(0, text, sizeof text - 1);
    collect c = {0};
    pw_import_stats st;
    pw_error err;
    cr_assert_eq(import(PW_LIST_CSV, &path, 1, &c, &st, &err), 0, "%s", err.msg);
    cr_expect_eq(st.imported, 0);
    cr_expect_eq(st.skipped, 4);
    cr_assert_eq(c.n_rejects, 4);
    expect_reject(&c, 0, 2, "documents", "unknown issuing country 'Narnia'");
    expect_reject(&c, 1, 3, "documents", "more than three parts");
    expect_reject(&c, 2, 4, "dob", "ends before it starts");
    expect_reject(&c, 3, 5, "dob", "invalid date of birth");
    unlink(path);
    collect_free(&c);
}

Test(import, csv_whole_file_errors)
{
    static const struct {
        const char *text;
        int line;
        const char *msg_part;
    } cases[] = {
        {"entry_id,aliases\n1,x\n", 1, "missing required column 'name'"},
        {"name,Name,entry_id\n", 1, "column 'name' appears twice"},
        {"", 1, "empty watchlist file"},
        {"entry_id,name\n1,\"A\n2,B\n", 2, "never closed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = temp_file(1, cases[i].text, strlen(cases[i].text));
        collect c = {0};
        pw_import_stats st;
        pw_error err;
        cr_expect_eq(import(PW_LIST_CSV, &path, 1, &c, &st, &err), PW_EPARSE, "case %zu", i);
        cr_expect_eq(err.code, PW_EPARSE);
        cr_expect_str_eq(err.file, path);
        cr_expect_eq(err.line, cases[i].line, "case %zu: line %d", i, err.line);
        cr_expect(strstr(err.msg, cases[i].msg_part) != NULL, "case %zu: '%s'", i, err.msg);
        cr_expect_eq(c.entries, 0);
        unlink(path);
    }
}

Test(import, csv_ids_unique_across_files)
{
    static const char a[] = "entry_id,name\nX1,ONE\n";
    static const char b[] = "entry_id,name\nX2,TWO\nX1,AGAIN\n";
    const char *paths[2] = {temp_file(0, a, sizeof a - 1), temp_file(1, b, sizeof b - 1)};
    collect c = {0};
    pw_import_stats st;
    pw_error err;
    cr_assert_eq(import(PW_LIST_CSV, paths, 2, &c, &st, &err), 0, "%s", err.msg);
    cr_expect_eq(st.rows, 3);
    cr_expect_eq(st.imported, 2);
    cr_expect_eq(st.skipped, 1);
    cr_assert_eq(c.n_rejects, 1);
    expect_reject(&c, 0, 3, "entry_id", "duplicate entry_id 'X1'");
    unlink(paths[0]);
    unlink(paths[1]);
}

Test(import, shipped_sample_list)
{
    const char *path = PW_SOURCE_DIR "/watchlists/sample.csv";
    collect c = {.want = {"PW-0001", "PW-0003", "2785696"}};
    pw_import_stats st;
    pw_error err;
    cr_assert_eq(import(PW_LIST_CSV, &path, 1, &c, &st, &err), 0, "%s", err.msg);
    cr_expect_eq(c.n_rejects, 0, "first reject: line %ld %s", c.n_rejects ? c.rejects[0].line : 0,
                 c.n_rejects ? c.rejects[0].reason : "");
    cr_expect_eq(st.imported, 25);
    cr_expect_eq(st.by_type[PW_ENTRY_INDIVIDUAL], 21);
    cr_expect_eq(st.by_type[PW_ENTRY_ENTITY], 2);
    cr_expect_eq(st.by_type[PW_ENTRY_VESSEL], 1);
    cr_expect_eq(st.by_type[PW_ENTRY_AIRCRAFT], 1);
    cr_expect_str_eq(got(&c, "PW-0001"), "PW-0001 individual cat=fictional sev=high gender=M "
                                         "ref=sample.csv:2 pob=-\n"
                                         "primary - 'BARRETT, Todd' BARRETT|Todd\n"
                                         "alias - 'BARRET, Tod' BARRET|Tod\n"
                                         "alias - 'BARRETT, Todd James' BARRETT|Todd James\n"
                                         "dob 1968-02-23\n"
                                         "nat FRA\n"
                                         "doc P 'YY3478621G' FRA issued= expiry=\n");
    cr_expect_str_eq(got(&c, "PW-0003"),
                     "PW-0003 individual cat=fictional sev=high gender=M ref=sample.csv:4 "
                     "pob=-\n"
                     "primary - 'IVANOV, Petr Sergeevich' IVANOV|Petr Sergeevich\n"
                     "original - 'ИВАНОВ, Пётр Сергеевич' ИВАНОВ|Пётр Сергеевич\n"
                     "alias - 'IVANOFF, Pyotr' IVANOFF|Pyotr\n"
                     "alias - 'IWANOW, Pjotr' IWANOW|Pjotr\n"
                     "dob 1971-03\n"
                     "nat RUS\n"
                     "doc P '721234567' RUS issued= expiry=\n");
    cr_expect_str_eq(got(&c, "2785696"), "2785696 individual cat=UN Taliban sev=critical gender=- "
                                         "ref=sample.csv:22 pob=-\n"
                                         "primary - 'SIRAJUDDIN JALLALOUDINE HAQQANI' -|-\n"
                                         "original - 'سراج الدين جلال الدين حقانى' -|-\n"
                                         "alias - 'Siraj Haqqani' -|-\n"
                                         "alias - 'Serajuddin Haqani' -|-\n"
                                         "alias - 'Khalifa' -|-\n"
                                         "dob 1977..1978\n"
                                         "nat AFG\n");
    collect_free(&c);
}

/* ---- unreadable files ---------------------------------------------------------------- */

Test(import, unreadable_files_fail_with_eio)
{
    const char *missing = "/nonexistent/pw/list.csv";
    const enum pw_list_format formats[] = {PW_LIST_CSV, PW_LIST_UN_XML, PW_LIST_OFAC_SDN};
    for (size_t i = 0; i < 3; i++) {
        collect c = {0};
        pw_import_stats st;
        pw_error err;
        cr_expect_eq(import(formats[i], &missing, 1, &c, &st, &err), PW_EIO, "format %zu", i);
        cr_expect_str_eq(err.file, missing);
        cr_expect(strstr(err.msg, "No such file") != NULL, "%s", err.msg);
    }
    /* A directory is not a list either. */
    const char *dir = PW_TEST_DATA;
    collect c = {0};
    pw_import_stats st;
    pw_error err;
    cr_expect_eq(import(PW_LIST_UN_XML, &dir, 1, &c, &st, &err), PW_EIO);
    cr_expect_str_eq(err.file, dir);

    /* OFAC: a missing alt.csv fails before any entry reaches the callback. */
    const char *paths[2] = {OFAC_SDN, "/nonexistent/pw/alt.csv"};
    collect c2 = {0};
    cr_expect_eq(import(PW_LIST_OFAC_SDN, paths, 2, &c2, &st, &err), PW_EIO);
    cr_expect_str_eq(err.file, "/nonexistent/pw/alt.csv");
    cr_expect_eq(c2.entries, 0);
}

/* ---- UN consolidated XML --------------------------------------------------------------- */

Test(import, un_real_list)
{
    const char *path = UN_XML;
    collect c = {.want = {"6907993", "111943", "2785696", "111090", "113236"}};
    pw_import_stats st;
    pw_error err;
    cr_assert_eq(import(PW_LIST_UN_XML, &path, 1, &c, &st, &err), 0, "%s:%d: %s", err.file,
                 err.line, err.msg);
    cr_expect_eq(c.n_rejects, 0);
    cr_expect_eq(st.rows, 1003);
    cr_expect_eq(st.imported, 1003);
    cr_expect_eq(st.skipped, 0);
    cr_expect_eq(st.by_type[PW_ENTRY_INDIVIDUAL], 730);
    cr_expect_eq(st.by_type[PW_ENTRY_ENTITY], 273);
    /* 2,129 distinct non-empty individual aliases + 612 entity aliases, of which 27
     * hold several spellings ("Mortaza Safari; Morteza Saferi; ..."), one alias each:
     * 2,813 in all. */
    cr_expect_eq(c.aliases, 2813);
    cr_expect_eq(c.original, 378);
    cr_expect_eq(c.individuals_with_dob, 678);
    cr_expect_eq(c.dobs, 892);
    cr_expect_eq(c.docs, 448);
    cr_expect_eq(c.nats, 650);

    /* Year-only date, gender, nationality name to alpha-3; DATAID is the id. */
    cr_expect_str_eq(got(&c, "6907993"), "6907993 individual cat=DRC sev=none gender=M "
                                         "ref=UN:CDi.001 pob=-\n"
                                         "primary - 'ERIC BADEGE' -|-\n"
                                         "dob 1971\n"
                                         "nat COD\n");
    const char *badege_remarks = remarks_of(&c, "6907993");
    cr_expect(strstr(badege_remarks, "He fled to Rwanda in March 2013") == badege_remarks,
              "remarks: %s", badege_remarks);
    /* Four name parts, Arabic script, Good/Low aliases with a marked surname, two exact
     * dates, first place of birth, passport issued in COUNTRY_OF_ISSUE. */
    cr_expect_str_eq(got(&c, "111943"),
                     "111943 individual cat=Al-Qaida sev=none gender=- ref=UN:QDi.081 "
                     "pob=Gheil Bawazir, Hadramawt, Yemen\n"
                     "primary - 'RAMZI MOHAMED ABDULLAH BINALSHIBH' -|-\n"
                     "original - 'رمزي محمد عبد الله بن الشيبة' -|-\n"
                     "alias good 'Binalsheidah, Ramzi Mohamed Abdullah' "
                     "Binalsheidah|Ramzi Mohamed Abdullah\n"
                     "alias good 'Bin Al Shibh, Ramzi' Bin Al Shibh|Ramzi\n"
                     "alias good 'Omar, Ramzi Mohamed Abdellah' Omar|Ramzi Mohamed Abdellah\n"
                     "alias good 'Mohamed Ali Abdullah Bawazir' -|-\n"
                     "alias good 'Binalshibh Ramzi Mohammed Abdullah' -|-\n"
                     "alias good 'Ramzi Binalshib' -|-\n"
                     "alias good 'Ramzi Mohamed Abdellah Omar Hassan Alassiri' -|-\n"
                     "alias good 'Binalshibh Ramsi Mohamed Abdullah' -|-\n"
                     "alias good 'Abu Ubaydah' -|-\n"
                     "alias good ''Umar Muhammad 'Abdallah Ba' Amar' -|-\n"
                     "alias low 'Ramzi Omar' -|-\n"
                     "dob 1972-05-01\n"
                     "dob 1973-09-16\n"
                     "nat YEM\n"
                     "doc P '00085243' YEM issued=1997-11-17 expiry=\n");
    /* BETWEEN 1977 and 1978. */
    cr_expect_str_eq(got(&c, "2785696"),
                     "2785696 individual cat=Taliban sev=none gender=- ref=UN:TAi.144 "
                     "pob=Danda, Miramshah, North Waziristan, Pakistan\n"
                     "primary - 'SIRAJUDDIN JALLALOUDINE HAQQANI' -|-\n"
                     "original - 'سراج الدين جلال الدين حقانى' -|-\n"
                     "alias good 'Siraj Haqqani' -|-\n"
                     "alias good 'Serajuddin Haqani' -|-\n"
                     "alias good 'Siraj Haqani' -|-\n"
                     "alias good 'Saraj Haqani' -|-\n"
                     "alias low 'Khalifa' -|-\n"
                     "dob 1977..1978\n"
                     "nat AFG\n");
    /* APPROXIMATELY 1960 and EXACT year 1966; FOURTH_NAME of two words. */
    cr_expect_str_eq(got(&c, "111090"),
                     "111090 individual cat=Taliban sev=none gender=- ref=UN:TAi.011 "
                     "pob=Band-e-Timur village, Maiwand District, Kandahar Province, "
                     "Afghanistan\n"
                     "primary - 'AKHTAR MOHAMMAD MANSOUR SHAH MOHAMMED' -|-\n"
                     "original - 'اختر محمد منصور شاه محمد' -|-\n"
                     "alias good 'Akhtar Mohammad Mansour Khan Muhammad' -|-\n"
                     "alias good 'Akhtar Muhammad Mansoor' -|-\n"
                     "alias good 'Akhtar Mohammad Mansoor' -|-\n"
                     "alias low 'Naib Imam' -|-\n"
                     "dob ~1960\n"
                     "dob 1966\n"
                     "nat AFG\n"
                     "doc P 'SE-011697' AFG issued=1988-01-25 expiry=\n");
    /* An entity: a.k.a. aliases, original-script name. */
    cr_expect_str_eq(got(&c, "113236"), "113236 entity cat=Al-Qaida sev=none gender=- "
                                        "ref=UN:QDe.003 pob=-\n"
                                        "primary - 'EGYPTIAN ISLAMIC JIHAD' -|-\n"
                                        "original - 'الجهاد الاسلامي المصري' -|-\n"
                                        "alias good 'Egyptian Al-Jihad' -|-\n"
                                        "alias good 'Jihad Group' -|-\n"
                                        "alias good 'New Jihad' -|-\n"
                                        "alias good 'Al-Jihad' -|-\n"
                                        "alias good 'Egyptian Islamic Movement' -|-\n");
    collect_free(&c);
}

Test(import, un_fixture_rejects_and_notes)
{
    const char *path = PW_TEST_DATA "/import_un_small.xml";
    collect c = {.want = {"1001", "2001"}};
    pw_import_stats st;
    pw_error err;
    cr_assert_eq(import(PW_LIST_UN_XML, &path, 1, &c, &st, &err), 0, "%s", err.msg);
    cr_expect_eq(st.rows, 4);
    cr_expect_eq(st.imported, 2);
    cr_expect_eq(st.skipped, 2);
    /* "na" is not Namibia; NOTE "Sep." refines YEAR 1958; NOTE "August 1961" stands for a
     * date; "30-35 years old" and an empty TYPE_OF_DATE give nothing; an alias's own
     * date of birth counts; a document without NUMBER is dropped. */
    cr_expect_str_eq(got(&c, "1001"), "1001 individual cat=Test sev=none gender=F ref=UN:TSi.001 "
                                      "pob=Tehran Province, Iran (Islamic Republic of)\n"
                                      "primary - 'ALPHA BRAVO CHARLIE' -|-\n"
                                      "original - 'Альфа Браво' -|-\n"
                                      "alias good 'Delta, Echo' Delta|Echo\n"
                                      "alias low 'Foxtrot' -|-\n"
                                      "dob 1957-03-04\n"
                                      "dob 1958-09\n"
                                      "dob 1961-08\n"
                                      "nat IRN\n"
                                      "doc P 'A 123 456' FRA issued=2011-12-07 expiry=\n");
    cr_expect_str_eq(remarks_of(&c, "1001"), "Line one line two.");
    cr_expect_str_eq(got(&c, "2001"), "2001 entity cat=Test sev=none gender=- ref=UN:TSe.001 "
                                      "pob=-\n"
                                      "primary - 'HOTEL & INDIA TRADING, LTD.' -|-\n"
                                      "alias good 'HIT, Ltd' -|-\n"
                                      "alias good 'Juliet Kilo' -|-\n"
                                      "alias good 'Lima Mike' -|-\n"
                                      "alias good 'Lima Mikey' -|-\n"
                                      "alias good 'November Oscar' -|-\n");
    cr_assert_eq(c.n_rejects, 2);
    expect_reject(&c, 0, 66, "FIRST_NAME", "individual has no name");
    expect_reject(&c, 1, 71, "DATAID", "duplicate DATAID '1001' (first on line 6)");
    cr_expect(strncmp(c.rejects[0].raw, "<INDIVIDUAL>", 12) == 0, "%s", c.rejects[0].raw);
    collect_free(&c);
}

/* Runs an import with standard error redirected to a file; returns what was written. */
static long import_quiet(enum pw_list_format f, const char *path, collect *c, pw_import_stats *st,
                         pw_error *err, int *rc)
{
    char errpath[] = "/tmp/pw_test_import_stderr_XXXXXX";
    int fd = mkstemp(errpath);
    cr_assert_geq(fd, 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    *rc = import(f, &path, 1, c, st, err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    struct stat sb;
    fstat(fd, &sb);
    close(fd);
    unlink(errpath);
    return (long)sb.st_size;
}

Test(import, un_truncated_file_fails_with_line)
{
    /* The first 200,000 bytes of the real list: cut inside an INDIVIDUAL. */
    FILE *fp = fopen(UN_XML, "rb");
    cr_assert_not_null(fp);
    static char buf[200000];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    cr_assert_eq(n, sizeof buf);
    long lines = 1;
    for (size_t i = 0; i < n; i++)
        lines += buf[i] == '\n';
    const char *path = temp_file(2, buf, n);

    collect c = {0};
    pw_import_stats st;
    pw_error err;
    int rc;
    long noise = import_quiet(PW_LIST_UN_XML, path, &c, &st, &err, &rc);
    cr_expect_eq(rc, PW_EPARSE);
    cr_expect_eq(err.code, PW_EPARSE);
    cr_expect_str_eq(err.file, path);
    cr_expect_geq(err.line, lines - 1, "line %d, file has %ld", err.line, lines);
    cr_expect_leq(err.line, lines + 1, "line %d, file has %ld", err.line, lines);
    cr_expect(strstr(err.msg, "malformed XML") != NULL, "%s", err.msg);
    cr_expect(strstr(err.msg, "truncated") != NULL, "%s", err.msg);
    cr_expect_eq(noise, 0, "libxml2 wrote %ld bytes to stderr", noise);
    /* Complete entries before the cut reach the callback (93 in the file; how many
     * depends on how far libxml2 reads ahead before it finds the end). */
    cr_expect_gt(c.entries, 0);
    cr_expect_leq(c.entries, 93);
    unlink(path);
}

Test(import, un_malformed_file_names_the_line)
{
    static const char text[] = "<?xml version=\"1.0\"?>\n"
                               "<CONSOLIDATED_LIST>\n"
                               "  <INDIVIDUALS>\n"
                               "    <INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>A</FIRST_NAME>\n"
                               "    </INDIVIDUAL>\n"
                               "    <INDIVIDUAL><DATAID>2</DATAID><FIRST_NAME>B</SECOND_NAME>\n"
                               "    </INDIVIDUAL>\n"
                               "  </INDIVIDUALS>\n"
                               "</CONSOLIDATED_LIST>\n";
    const char *path = temp_file(3, text, sizeof text - 1);
    collect c = {0};
    pw_import_stats st;
    pw_error err;
    int rc;
    long noise = import_quiet(PW_LIST_UN_XML, path, &c, &st, &err, &rc);
    cr_expect_eq(rc, PW_EPARSE);
    cr_expect_eq(err.line, 6);
    cr_expect(strstr(err.msg, "mismatch") != NULL, "%s", err.msg);
    cr_expect_eq(noise, 0);
    unlink(path);

    static const char other[] = "<?xml version=\"1.0\"?>\n<sdnList/>\n";
    path = temp_file(3, other, sizeof other - 1);
    cr_expect_eq(import(PW_LIST_UN_XML, &path, 1, &c, &st, &err), PW_EPARSE);
    cr_expect(strstr(err.msg, "not a UN consolidated list") != NULL, "%s", err.msg);
    unlink(path);
}

/* ---- OFAC SDN ----------------------------------------------------------------------------- */

Test(import, ofac_real_list)
{
    const char *paths[3] = {OFAC_SDN, OFAC_ALT, OFAC_ADD};
    collect c = {.want = {"6714", "6944", "15962", "9330", "306", "32391"}};
    pw_import_stats st;
    pw_error err;
    cr_assert_eq(import(PW_LIST_OFAC_SDN, paths, 3, &c, &st, &err), 0, "%s:%d: %s", err.file,
                 err.line, err.msg);
    cr_expect_eq(c.n_rejects, 0);
    cr_expect_eq(st.rows, 8976);
    cr_expect_eq(st.imported, 8976);
    cr_expect_eq(st.by_type[PW_ENTRY_INDIVIDUAL], 4620);
    cr_expect_eq(st.by_type[PW_ENTRY_ENTITY], 3673);
    cr_expect_eq(st.by_type[PW_ENTRY_VESSEL], 406);
    cr_expect_eq(st.by_type[PW_ENTRY_AIRCRAFT], 277);
    /* 11,910 alt.csv rows (all strong aliases; two repeat an alias of the same entry)
     * and 2,438 weak a.k.a. in Remarks (figures cross-checked with a Python count). */
    cr_expect_eq(c.aliases, 14346);
    cr_expect_eq(c.aliases_good, 11908);
    cr_expect_eq(c.aliases_low, 2438);
    /* Every individual whose Remarks give a DOB (4,428 of 4,620) gets at least one. */
    cr_expect_eq(c.individuals_with_dob, 4428);
    cr_expect_eq(c.dobs, 5124);
    cr_expect_eq(c.docs, 2845);
    cr_expect_eq(c.nats, 2689);

    /* alt. DOB, passport and alt. passport with the country in parentheses. */
    cr_expect_str_eq(got(&c, "6714"),
                     "6714 individual cat=SDNTK sev=none gender=- ref=sdn.csv:278 pob=-\n"
                     "primary - 'WEI, Hsueh Kang' WEI|Hsueh Kang\n"
                     "alias good 'CHARNCHAI, Chiwinnitipanya' CHARNCHAI|Chiwinnitipanya\n"
                     "alias good 'CHIVINNITIPANYA, Prasit' CHIVINNITIPANYA|Prasit\n"
                     "alias good 'CHIWINNITIPANYA, Charnchai' CHIWINNITIPANYA|Charnchai\n"
                     "alias good 'PRASIT, Chivinnitipanya' PRASIT|Chivinnitipanya\n"
                     "alias good 'PRASIT, Cheewinnittipanya' PRASIT|Cheewinnittipanya\n"
                     "alias good 'WEI, Shao-Kang' WEI|Shao-Kang\n"
                     "alias good 'WEI, Sia-Kang' WEI|Sia-Kang\n"
                     "alias good 'WEI, Xuekang' WEI|Xuekang\n"
                     "alias good 'CHEEWINNITTIPANYA, Prasit' CHEEWINNITTIPANYA|Prasit\n"
                     "dob 1952-06-29\n"
                     "dob 1952-05-29\n"
                     "doc P 'Q081061' THA issued= expiry=\n"
                     "doc P 'E091929' THA issued= expiry=\n");
    /* Year-only DOBs, POB, passports without a country, issued/expires dates. */
    cr_expect_str_eq(got(&c, "6944"),
                     "6944 individual cat=SDGT sev=none gender=- ref=sdn.csv:360 "
                     "pob=Al-Medinah, Saudi Arabia\n"
                     "primary - 'AL-SHARIF, Sa'd Abdullah Hussein' AL-SHARIF|Sa'd Abdullah "
                     "Hussein\n"
                     "dob 1969\n"
                     "dob 1963\n"
                     "dob 1964-02-11\n"
                     "nat SAU\n"
                     "doc P 'B 960789' - issued= expiry=\n"
                     "doc P 'G 649385' - issued=2006-09-08 expiry=2011-07-17\n");
    /* "DOB 01 Jan 1961 to 31 Dec 1962" is a range. */
    cr_expect_str_eq(got(&c, "15962"),
                     "15962 individual cat=IRAN sev=none gender=- ref=sdn.csv:3620 pob=-\n"
                     "primary - 'NIKOUSOKHAN, Mahmoud' NIKOUSOKHAN|Mahmoud\n"
                     "dob 1961-01-01..1962-12-31\n"
                     "nat IRN\n"
                     "doc P 'U14624657' IRN issued= expiry=\n");
    /* "DOB circa 1970" is approximate. */
    cr_expect_str_eq(got(&c, "9330"),
                     "9330 individual cat=IRAQ2 sev=none gender=- ref=sdn.csv:1242 "
                     "pob=Baghdad, Iraq\n"
                     "primary - 'AL-TIKRITI, Omar Sabawi Ibrahim Hasan' AL-TIKRITI|Omar Sabawi "
                     "Ibrahim Hasan\n"
                     "alias good 'AL-TIKRITI, Umar Sabawi Ibrahim Hasan' AL-TIKRITI|Umar "
                     "Sabawi Ibrahim Hasan\n"
                     "alias good 'AL-TIKRITI, Omar Sab'awi Ibrahim Hasan' AL-TIKRITI|Omar "
                     "Sab'awi Ibrahim Hasan\n"
                     "alias good 'AL-TIKRITI, Omar Sabawi Ibrahim Hassan' AL-TIKRITI|Omar "
                     "Sabawi Ibrahim Hassan\n"
                     "alias good 'AL-ALUSI, Umar Ahmad Ali' AL-ALUSI|Umar Ahmad Ali\n"
                     "dob ~1970\n"
                     "nat IRQ\n"
                     "doc P '2863795S' IRQ issued= expiry=2005-08-23\n");
    /* An entity ("-0- " type): strong alias from alt.csv, weak one from Remarks. */
    cr_expect_str_eq(got(&c, "306"), "306 entity cat=CUBA sev=none gender=- ref=sdn.csv:3 "
                                     "pob=-\n"
                                     "primary - 'BANCO NACIONAL DE CUBA' -|-\n"
                                     "alias good 'NATIONAL BANK OF CUBA' -|-\n"
                                     "alias low 'BNC' -|-\n");
    cr_expect_str_eq(remarks_of(&c, "306"), "a.k.a. 'BNC'.");
    /* The last row, just before the DOS end-of-file byte. */
    cr_expect(strstr(got(&c, "32391"), "gender=M ref=sdn.csv:8976 pob=Niger\n") != NULL, "%s",
              got(&c, "32391"));
    cr_expect(strstr(got(&c, "32391"), "alias low 'CHAFFORI, Petit' CHAFFORI|Petit\n") != NULL);
    collect_free(&c);
}

Test(import, ofac_fixture)
{
    /* Given alt before sdn: the roles come from the file names. */
    const char *paths[2] = {PW_TEST_DATA "/import_ofac_alt.csv",
                            PW_TEST_DATA "/import_ofac_sdn.csv"};
    collect c = {.want = {"101", "102", "103", "106"}};
    pw_import_stats st;
    pw_error err;
    cr_assert_eq(import(PW_LIST_OFAC_SDN, paths, 2, &c, &st, &err), 0, "%s", err.msg);
    cr_expect_eq(st.rows, 7);
    cr_expect_eq(st.imported, 4);
    cr_expect_eq(st.skipped, 3);
    /* Every DOB form; an impossible date (31 Feb) and an unknown country are dropped,
     * the rest of the entry kept; Tax ID and IMO numbers are not travel documents. */
    cr_expect_str_eq(got(&c, "101"), "101 individual cat=SDGT, IRAN sev=none gender=F "
                                     "ref=import_ofac_sdn.csv:1 pob=Tehran, Iran\n"
                                     "primary - 'ALPHA, Bravo Charlie' ALPHA|Bravo Charlie\n"
                                     "alias good 'ALPHA, Bravo' ALPHA|Bravo\n"
                                     "alias good 'ROMEO, Sierra' ROMEO|Sierra\n"
                                     "alias low 'DELTA, Echo' DELTA|Echo\n"
                                     "alias low 'FOXTROT' -|-\n"
                                     "dob 1960-02-01\n"
                                     "dob 1961-03\n"
                                     "dob ~1962\n"
                                     "dob 1950..1952\n"
                                     "dob 1979..1982\n"
                                     "nat IRN\n"
                                     "nat PRK\n"
                                     "doc P 'A123456' IRN issued=1987-06-19 expiry=1992-06-18\n"
                                     "doc P 'B 7654' - issued= expiry=\n"
                                     "doc I '123-45' IRN issued= expiry=\n"
                                     "doc I '5.764.952' VEN issued= expiry=\n");
    /* Entities get no DOB from Remarks and are not split at the comma. */
    cr_expect_str_eq(got(&c, "102"), "102 entity cat=CUBA sev=none gender=- "
                                     "ref=import_ofac_sdn.csv:2 pob=-\n"
                                     "primary - 'GOLF HOTEL SHIPPING, LTD.' -|-\n"
                                     "alias good 'GHS LTD' -|-\n"
                                     "alias low 'GHS' -|-\n");
    cr_expect_str_eq(got(&c, "103"), "103 vessel cat=CUBA sev=none gender=- "
                                     "ref=import_ofac_sdn.csv:3 pob=-\n"
                                     "primary - 'INDIA' -|-\n");
    /* alt_remarks "weak alias" makes a LOW alias; an unterminated a.k.a. (Remarks cut
     * at 1,000 characters) is skipped. */
    cr_expect_str_eq(got(&c, "106"), "106 individual cat=SDGT sev=none gender=- "
                                     "ref=import_ofac_sdn.csv:7 pob=-\n"
                                     "primary - 'NOVEMBER, Oscar' NOVEMBER|Oscar\n"
                                     "alias low 'TANGO, Uniform' TANGO|Uniform\n"
                                     "dob 1970-02-12\n");
    cr_assert_eq(c.n_rejects, 4);
    expect_reject(&c, 0, 4, "SDN_Type", "unknown SDN_Type 'spaceship'");
    expect_reject(&c, 1, 5, "", "row has 3 fields");
    expect_reject(&c, 2, 6, "ent_num", "duplicate ent_num '101' (first on line 1)");
    expect_reject(&c, 3, 5, "ent_num", "alias for ent_num '999'");
    cr_expect_str_eq(c.rejects[3].raw, "NOBODY");
    collect_free(&c);
}

Test(import, ofac_paths)
{
    collect c = {0};
    pw_import_stats st;
    pw_error err;
    const char *four[4] = {OFAC_SDN, OFAC_ALT, OFAC_ADD, OFAC_ADD};
    cr_expect_eq(import(PW_LIST_OFAC_SDN, four, 4, &c, &st, &err), PW_EINVAL);
    const char *two_alt[2] = {OFAC_ALT, OFAC_ALT};
    cr_expect_eq(import(PW_LIST_OFAC_SDN, two_alt, 2, &c, &st, &err), PW_EINVAL);
    cr_expect_eq(c.entries, 0);
    /* sdn.csv alone: no strong aliases, weak ones still come from Remarks. */
    const char *sdn = OFAC_SDN;
    cr_assert_eq(import(PW_LIST_OFAC_SDN, &sdn, 1, &c, &st, &err), 0, "%s", err.msg);
    cr_expect_eq(st.imported, 8976);
    cr_expect_eq(c.aliases_good, 0);
    cr_expect_eq(c.aliases_low, 2438);
}

/* ---- the entry callback ------------------------------------------------------------------- */

Test(import, callback_failure_stops_the_import)
{
    const char *path = PW_SOURCE_DIR "/watchlists/sample.csv";
    collect c = {.stop_after = 2};
    pw_import_stats st;
    pw_error err;
    cr_expect_eq(import(PW_LIST_CSV, &path, 1, &c, &st, &err), PW_EDB);
    cr_expect_eq(err.code, PW_EDB);
    cr_expect(strstr(err.msg, "store refused entry PW-0003") != NULL, "%s", err.msg);
    cr_expect_eq(st.imported, 2);

    const char *un = UN_XML;
    collect c2 = {.stop_after = 5};
    cr_expect_eq(import(PW_LIST_UN_XML, &un, 1, &c2, &st, &err), PW_EDB);
    cr_expect_eq(st.imported, 5);
}
