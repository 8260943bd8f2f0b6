/*
 * Tests of pw_country_alpha3 and pw_country_name (engine/core/countries.c).
 *
 * Besides hand-picked variants, the tests read every country string that the
 * shared real-world data uses (PW_SHARED_DATA: the UN consolidated list, the
 * OFAC SDN CSV files, the synthetic passenger file) and require each to
 * resolve, except for the listed strings that are deliberately not countries.
 * The ISO list below comes from Debian's iso-codes 4.15.0
 * (/usr/share/iso-codes/json/iso_3166-1.json), written by tools/gen_countries.py.
 */
#include "core/core.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Alpha-2 followed by alpha-3, for all 249 ISO 3166-1 entries. */
static const char *const iso_pairs[] = {
    // clang-format off
    /* BEGIN GENERATED: iso_3166-1 (tools/gen_countries.py, iso-codes 4.15.0) */
    "AWABW", "AFAFG", "AOAGO", "AIAIA", "AXALA", "ALALB", "ADAND", "AEARE",
    "ARARG", "AMARM", "ASASM", "AQATA", "TFATF", "AGATG", "AUAUS", "ATAUT",
    "AZAZE", "BIBDI", "BEBEL", "BJBEN", "BQBES", "BFBFA", "BDBGD", "BGBGR",
    "BHBHR", "BSBHS", "BABIH", "BLBLM", "BYBLR", "BZBLZ", "BMBMU", "BOBOL",
    "BRBRA", "BBBRB", "BNBRN", "BTBTN", "BVBVT", "BWBWA", "CFCAF", "CACAN",
    "CCCCK", "CHCHE", "CLCHL", "CNCHN", "CICIV", "CMCMR", "CDCOD", "CGCOG",
    "CKCOK", "COCOL", "KMCOM", "CVCPV", "CRCRI", "CUCUB", "CWCUW", "CXCXR",
    "KYCYM", "CYCYP", "CZCZE", "DEDEU", "DJDJI", "DMDMA", "DKDNK", "DODOM",
    "DZDZA", "ECECU", "EGEGY", "ERERI", "EHESH", "ESESP", "EEEST", "ETETH",
    "FIFIN", "FJFJI", "FKFLK", "FRFRA", "FOFRO", "FMFSM", "GAGAB", "GBGBR",
    "GEGEO", "GGGGY", "GHGHA", "GIGIB", "GNGIN", "GPGLP", "GMGMB", "GWGNB",
    "GQGNQ", "GRGRC", "GDGRD", "GLGRL", "GTGTM", "GFGUF", "GUGUM", "GYGUY",
    "HKHKG", "HMHMD", "HNHND", "HRHRV", "HTHTI", "HUHUN", "IDIDN", "IMIMN",
    "ININD", "IOIOT", "IEIRL", "IRIRN", "IQIRQ", "ISISL", "ILISR", "ITITA",
    "JMJAM", "JEJEY", "JOJOR", "JPJPN", "KZKAZ", "KEKEN", "KGKGZ", "KHKHM",
    "KIKIR", "KNKNA", "KRKOR", "KWKWT", "LALAO", "LBLBN", "LRLBR", "LYLBY",
    "LCLCA", "LILIE", "LKLKA", "LSLSO", "LTLTU", "LULUX", "LVLVA", "MOMAC",
    "MFMAF", "MAMAR", "MCMCO", "MDMDA", "MGMDG", "MVMDV", "MXMEX", "MHMHL",
    "MKMKD", "MLMLI", "MTMLT", "MMMMR", "MEMNE", "MNMNG", "MPMNP", "MZMOZ",
    "MRMRT", "MSMSR", "MQMTQ", "MUMUS", "MWMWI", "MYMYS", "YTMYT", "NANAM",
    "NCNCL", "NENER", "NFNFK", "NGNGA", "NINIC", "NUNIU", "NLNLD", "NONOR",
    "NPNPL", "NRNRU", "NZNZL", "OMOMN", "PKPAK", "PAPAN", "PNPCN", "PEPER",
    "PHPHL", "PWPLW", "PGPNG", "PLPOL", "PRPRI", "KPPRK", "PTPRT", "PYPRY",
    "PSPSE", "PFPYF", "QAQAT", "REREU", "ROROU", "RURUS", "RWRWA", "SASAU",
    "SDSDN", "SNSEN", "SGSGP", "GSSGS", "SHSHN", "SJSJM", "SBSLB", "SLSLE",
    "SVSLV", "SMSMR", "SOSOM", "PMSPM", "RSSRB", "SSSSD", "STSTP", "SRSUR",
    "SKSVK", "SISVN", "SESWE", "SZSWZ", "SXSXM", "SCSYC", "SYSYR", "TCTCA",
    "TDTCD", "TGTGO", "THTHA", "TJTJK", "TKTKL", "TMTKM", "TLTLS", "TOTON",
    "TTTTO", "TNTUN", "TRTUR", "TVTUV", "TWTWN", "TZTZA", "UGUGA", "UAUKR",
    "UMUMI", "UYURY", "USUSA", "UZUZB", "VAVAT", "VCVCT", "VEVEN", "VGVGB",
    "VIVIR", "VNVNM", "VUVUT", "WFWLF", "WSWSM", "YEYEM", "ZAZAF", "ZMZMB",
    "ZWZWE",
    /* END GENERATED */
    // clang-format on
};
#define N_ISO_PAIRS (sizeof iso_pairs / sizeof iso_pairs[0])

Test(countries, every_iso_code_and_name_resolves)
{
    cr_assert_eq(N_ISO_PAIRS, 249);
    for (size_t i = 0; i < N_ISO_PAIRS; i++) {
        char a2[3] = {iso_pairs[i][0], iso_pairs[i][1], '\0'};
        const char *a3 = iso_pairs[i] + 2;
        char lower[4] = {(char)(a3[0] + 32), (char)(a3[1] + 32), (char)(a3[2] + 32), '\0'};

        cr_expect_str_eq(pw_country_alpha3(a3), a3);
        cr_expect_str_eq(pw_country_alpha3(lower), a3);
        const char *from_a2 = pw_country_alpha3(a2);
        cr_expect(from_a2 && strcmp(from_a2, a3) == 0, "%s -> %s, want %s", a2,
                  from_a2 ? from_a2 : "NULL", a3);
        const char *name = pw_country_name(a3);
        cr_expect(name != NULL, "no name for %s", a3);
        /* The round trip catches a name key that another country took. */
        const char *back = name ? pw_country_alpha3(name) : NULL;
        cr_expect(back && strcmp(back, a3) == 0, "%s -> \"%s\" -> %s", a3, name ? name : "",
                  back ? back : "NULL");
    }
}

Test(countries, names)
{
    cr_expect_str_eq(pw_country_name("DEU"), "Germany");
    cr_expect_str_eq(pw_country_name("deu"), "Germany");
    cr_expect_str_eq(pw_country_name("GBR"), "United Kingdom");
    cr_expect_str_eq(pw_country_name("IRN"), "Iran, Islamic Republic of");
    cr_expect_str_eq(pw_country_name("CIV"), "Côte d'Ivoire");
    cr_expect_str_eq(pw_country_name("XKX"), "Kosovo");
    cr_expect_str_eq(pw_country_name("XXA"), "Stateless person");
    cr_expect_str_eq(pw_country_name("EUE"), "European Union");
    /* Only alpha-3 codes: not alpha-2, ICAO aliases or names. */
    cr_expect_null(pw_country_name("DE"));
    cr_expect_null(pw_country_name("D"));
    cr_expect_null(pw_country_name("GBD"));
    cr_expect_null(pw_country_name("RKS"));
    cr_expect_null(pw_country_name("Germany"));
    cr_expect_null(pw_country_name("DEUX"));
    cr_expect_null(pw_country_name("ZZZ"));
    cr_expect_null(pw_country_name(""));
    cr_expect_null(pw_country_name(NULL));
}

typedef struct variant {
    const char *text;
    const char *alpha3;
} variant;

static const variant variants[] = {
    /* UN, OFAC and everyday names. */
    {"Iran (Islamic Republic of)", "IRN"},
    {"Iran", "IRN"},
    {"Iran, Islamic Republic of", "IRN"},
    {"Islamic Republic of Iran", "IRN"},
    {"Syria", "SYR"},
    {"Syrian Arab Republic", "SYR"},
    {"Democratic Republic of the Congo", "COD"},
    {"Congo, Democratic Republic of the", "COD"},
    {"Congo, The Democratic Republic of the", "COD"},
    {"DR Congo", "COD"},
    {"Congo", "COG"},
    {"Republic of the Congo", "COG"},
    {"Congo, Republic of the", "COG"},
    {"Republic of Korea", "KOR"},
    {"South Korea", "KOR"},
    {"Korea, South", "KOR"},
    {"Korea, Republic of", "KOR"},
    {"Democratic People's Republic of Korea", "PRK"},
    {"North Korea", "PRK"},
    {"Korea, North", "PRK"},
    {"Russia", "RUS"},
    {"Russian Federation", "RUS"},
    {"United States", "USA"},
    {"United States of America", "USA"},
    {"USA", "USA"},
    {"U.S.A.", "USA"},
    {"US", "USA"},
    {"UK", "GBR"},
    {"U.K.", "GBR"},
    {"Great Britain", "GBR"},
    {"United Kingdom", "GBR"},
    {"United Kingdom of Great Britain and Northern Ireland", "GBR"},
    {"Viet Nam", "VNM"},
    {"Vietnam", "VNM"},
    {"Lao People's Democratic Republic", "LAO"},
    {"Laos", "LAO"},
    {"Bolivia (Plurinational State of)", "BOL"},
    {"Bolivia", "BOL"},
    {"Venezuela (Bolivarian Republic of)", "VEN"},
    {"Venezuela", "VEN"},
    {"Tanzania", "TZA"},
    {"United Republic of Tanzania", "TZA"},
    {"Moldova", "MDA"},
    {"Republic of Moldova", "MDA"},
    {"Palestine", "PSE"},
    {"State of Palestine", "PSE"},
    {"occupied Palestinian territory", "PSE"},
    {"Palestinian", "PSE"},
    {"West Bank", "PSE"},
    {"Cote d'Ivoire", "CIV"},
    {"Côte d'Ivoire", "CIV"},
    {"Côte d’Ivoire", "CIV"},    /* right single quotation mark */
    {"C\xf4te d'Ivoire", "CIV"}, /* Latin-1, not UTF-8 */
    {"COTE D'IVOIRE", "CIV"},
    {"Cote d Ivoire", "CIV"},
    {"Ivory Coast", "CIV"},
    {"Turkey", "TUR"},
    {"Türkiye", "TUR"},
    {"Turkiye", "TUR"},
    {"Czech Republic", "CZE"},
    {"Czechia", "CZE"},
    {"Burma", "MMR"},
    {"Myanmar", "MMR"},
    {"Macedonia", "MKD"},
    {"North Macedonia", "MKD"},
    {"The former Yugoslav Republic of Macedonia", "MKD"},
    {"Macedonia, The Former Yugoslav Republic of", "MKD"},
    {"Swaziland", "SWZ"},
    {"Eswatini", "SWZ"},
    {"Cape Verde", "CPV"},
    {"Cabo Verde", "CPV"},
    {"Brunei Darussalam", "BRN"},
    {"Brunei", "BRN"},
    {"Micronesia (Federated States of)", "FSM"},
    {"Micronesia, Federated States of", "FSM"},
    {"Holy See", "VAT"},
    {"Holy See (Vatican City State)", "VAT"},
    {"Kosovo", "XKX"},
    {"Hong Kong", "HKG"},
    {"China, Hong Kong Special Administrative Region", "HKG"},
    {"Macau", "MAC"},
    {"Macao", "MAC"},
    {"Taiwan", "TWN"},
    {"Bahamas, The", "BHS"},
    {"The Bahamas", "BHS"},
    {"The Gambia", "GMB"},
    {"Gambia", "GMB"},
    {"Man, Isle of", "IMN"},
    {"Isle of Man", "IMN"},
    {"Virgin Islands, British", "VGB"},
    {"British Virgin Islands", "VGB"},
    {"Virgin Islands, U.S.", "VIR"},
    {"St. Kitts & Nevis", "KNA"},
    {"Saint Kitts and Nevis", "KNA"},
    {"St. Vincent and the Grenadines", "VCT"},
    {"Trinidad & Tobago", "TTO"},
    {"East Timor", "TLS"},
    {"Timor-Leste", "TLS"},
    {"Åland Islands", "ALA"},
    {"Aland Islands", "ALA"},
    {"Curaçao", "CUW"},
    {"Réunion", "REU"},
    {"São Tomé and Príncipe", "STP"},
    {"Saint Barthélemy", "BLM"},
    {"Niger", "NER"},
    {"Nigeria", "NGA"},
    {"Guinea", "GIN"},
    {"Guinea-Bissau", "GNB"},
    {"Equatorial Guinea", "GNQ"},
    {"Papua New Guinea", "PNG"},
    {"Sudan", "SDN"},
    {"South Sudan", "SSD"},
    {"Dominica", "DMA"},
    {"Dominican Republic", "DOM"},
    {"Georgia", "GEO"},
    {"Puerto Rico", "PRI"},

    /* ICAO Doc 9303 Part 3 codes. */
    {"D", "DEU"},
    {"D<<", "DEU"}, /* as padded in a machine-readable zone */
    {"GBD", "GBR"},
    {"GBN", "GBR"},
    {"GBO", "GBR"},
    {"GBP", "GBR"},
    {"GBS", "GBR"},
    {"RKS", "XKX"},
    {"XK", "XKX"},
    {"XKX", "XKX"},
    {"UNO", "UNO"},
    {"UNA", "UNA"},
    {"UNK", "UNK"},
    {"XXA", "XXA"},
    {"XXB", "XXB"},
    {"XXC", "XXC"},
    {"XXX", "XXX"},
    {"EUE", "EUE"},
    {"XPO", "XPO"},
    {"XOM", "XOM"},

    /* Case, spacing and punctuation do not matter. */
    {"  germany ", "DEU"},
    {"GERMANY", "DEU"},
    {"de", "DEU"},
    {"deu", "DEU"},
    {"Bosnia-and-Herzegovina", "BIH"},
    {"bosnia and\therzegovina", "BIH"},
    {"United\xc2\xa0States", "USA"}, /* no-break space */
    {"Korea ,  North", "PRK"},
};

Test(countries, variants)
{
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        const char *got = pw_country_alpha3(variants[i].text);
        cr_expect(got && strcmp(got, variants[i].alpha3) == 0, "\"%s\" -> %s, want %s",
                  variants[i].text, got ? got : "NULL", variants[i].alpha3);
    }
}

Test(countries, unknown_text_gives_null)
{
    static const char *const unknown[] = {
        "",
        "   ",
        "-0-",
        "Korea", /* ambiguous: no partial matching */
        "Congo Republic of Germany",
        "Atlantis",
        "XYZ",
        "Q",
        "Germanyy",
        "Region: Gulf",
        "Paris, France", /* a comma swap must match a whole name */
        "Iran (Islamic Republic of) and Syria",
        "Ирак", /* non-Latin text is kept, never folded to a Latin key */
    };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *got = pw_country_alpha3(unknown[i]);
        cr_expect_null(got, "\"%s\" -> %s, want NULL", unknown[i], got ? got : "");
    }
    cr_expect_null(pw_country_alpha3(NULL));

    char longer[1000];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    cr_expect_null(pw_country_alpha3(longer));
}

Test(countries, results_are_the_table_strings)
{
    /* One static string per country: callers may compare pointers. */
    const char *a = pw_country_alpha3("Germany");
    cr_assert_not_null(a);
    cr_expect_eq(a, pw_country_alpha3("D"));
    cr_expect_eq(a, pw_country_alpha3("de"));
    cr_expect_eq(pw_country_alpha3("UK"), pw_country_alpha3("GBR"));
}

/* Each test runs in its own process, so these threads race on the first use. */
static void *resolve_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2000; i++) {
        const char *a = pw_country_alpha3("Iran (Islamic Republic of)");
        const char *b = pw_country_alpha3("Korea, North");
        if (!a || strcmp(a, "IRN") != 0 || !b || strcmp(b, "PRK") != 0)
            return (void *)1;
    }
    return NULL;
}

Test(countries, concurrent_first_use)
{
    pthread_t threads[8];
    for (int i = 0; i < 8; i++)
        cr_assert_eq(pthread_create(&threads[i], NULL, resolve_many, NULL), 0);
    for (int i = 0; i < 8; i++) {
        void *ret = NULL;
        pthread_join(threads[i], &ret);
        cr_expect_null(ret, "thread %d saw a wrong result", i);
    }
}

/* ---- the shared data ------------------------------------------------------ */

/* Country strings of the shared data that deliberately do not resolve to a
 * country (or, for "na", resolve to something the loader must not use). */
typedef struct exception {
    const char *source; /* which data test sees it */
    const char *text;
    const char *alpha3; /* expected result, usually NULL */
    const char *reason;
} exception;

static const exception exceptions[] = {
    {"un", "former Soviet Union", NULL,
     "dissolved with 15 successor states: any one code would make a nationality comparison "
     "disagree with the other 14"},
    {"un", "na", "NAM",
     "means 'not available'; case-insensitively it is Namibia's alpha-2 code, so the UN "
     "loader must treat it as missing"},
    {"ofac", "Netherlands Antilles", NULL,
     "dissolved in 2010 into CUW, SXM and BES: no single successor"},
    {"ofac", "Region: Crimea", NULL, "OFAC's marker for a sub-national region"},
    {"ofac", "Region: Gaza", NULL, "OFAC's marker for a sub-national region"},
    {"ofac", "Region: Kafia Kingi", NULL, "OFAC's marker for a sub-national (disputed) region"},
    {"ofac", "Region: Northern Mali", NULL, "OFAC's marker for a sub-national region"},
    {"ofac", "undetermined", NULL, "an address whose country OFAC does not know"},
    {"ofac", "None Identified", NULL, "a vessel without a known flag"},
};
#define N_EXCEPTIONS (sizeof exceptions / sizeof exceptions[0])

/* A small set of distinct strings, each with the place it was first seen. */
typedef struct strset {
    char **items;
    char **where;
    size_t len, cap;
} strset;

static void strset_add(strset *s, const char *text, size_t n, const char *where)
{
    while (n > 0 && (text[0] == ' ' || text[0] == '\t')) {
        text++;
        n--;
    }
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r'))
        n--;
    if (n == 0 || (n == 3 && memcmp(text, "-0-", 3) == 0)) /* OFAC's empty field */
        return;
    for (size_t i = 0; i < s->len; i++)
        if (strlen(s->items[i]) == n && memcmp(s->items[i], text, n) == 0)
            return;
    if (s->len == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->items = realloc(s->items, s->cap * sizeof *s->items);
        s->where = realloc(s->where, s->cap * sizeof *s->where);
        cr_assert(s->items && s->where);
    }
    s->items[s->len] = strndup(text, n);
    s->where[s->len] = strdup(where);
    cr_assert(s->items[s->len] && s->where[s->len]);
    s->len++;
}

static void strset_free(strset *s)
{
    for (size_t i = 0; i < s->len; i++) {
        free(s->items[i]);
        free(s->where[i]);
    }
    free(s->items);
    free(s->where);
}

/* Requires every collected string to resolve, except the source's exceptions,
 * which must give their stated result and must still occur in the data. */
static void check_all(const strset *s, const char *source, size_t min_expected)
{
    cr_expect_geq(s->len, min_expected, "%s: only %zu country strings found: parser broken?",
                  source, s->len);
    bool seen[N_EXCEPTIONS] = {false};
    for (size_t i = 0; i < s->len; i++) {
        const char *got = pw_country_alpha3(s->items[i]);
        const exception *ex = NULL;
        for (size_t j = 0; j < N_EXCEPTIONS; j++) {
            if (strcmp(exceptions[j].source, source) == 0 &&
                strcmp(exceptions[j].text, s->items[i]) == 0) {
                ex = &exceptions[j];
                seen[j] = true;
            }
        }
        if (ex && ex->alpha3)
            cr_expect(got && strcmp(got, ex->alpha3) == 0, "%s: \"%s\" -> %s, want %s (%s)",
                      s->where[i], s->items[i], got ? got : "NULL", ex->alpha3, ex->reason);
        else if (ex)
            cr_expect_null(got, "%s: \"%s\" -> %s, want NULL (%s)", s->where[i], s->items[i],
                           got ? got : "", ex->reason);
        else
            cr_expect_not_null(got, "%s: \"%s\" does not resolve", s->where[i], s->items[i]);
    }
    for (size_t j = 0; j < N_EXCEPTIONS; j++)
        if (strcmp(exceptions[j].source, source) == 0)
            cr_expect(seen[j], "%s: exception \"%s\" no longer occurs: remove it", source,
                      exceptions[j].text);
    cr_log_info("%s: %zu distinct country strings checked", source, s->len);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    cr_assert_geq(size, 0);
    rewind(f);
    char *buf = malloc((size_t)size + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    buf[size] = '\0';
    fclose(f);
    *len = (size_t)size;
    return buf;
}

#define CSV_MAX_FIELDS 16

/* Calls fn for every record of an RFC 4180 CSV file (quoted fields, doubled
 * quotes, CRLF). Fields are unquoted in place in a private copy of the file. */
static void csv_each(const char *path, void (*fn)(char **fields, size_t n, size_t line, void *),
                     void *ctx)
{
    size_t len;
    char *buf = read_file(path, &len);
    char *fields[CSV_MAX_FIELDS];
    size_t nf = 0, line = 1, record_line = 1;
    char *p = buf, *end = buf + len, *out = buf;
    fields[0] = out;
    while (p < end) {
        if (*p == '"' && out == fields[nf]) {
            p++;
            while (p < end) {
                if (*p == '"' && p + 1 < end && p[1] == '"') {
                    *out++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    if (*p == '\n')
                        line++;
                    *out++ = *p++;
                }
            }
            continue;
        }
        if (*p == ',' || *p == '\n') {
            bool eol = *p == '\n';
            *out++ = '\0';
            p++;
            if (nf + 1 < CSV_MAX_FIELDS)
                nf++;
            if (eol) {
                fn(fields, nf, record_line, ctx);
                nf = 0;
                line++;
                record_line = line;
            }
            fields[nf] = out;
            continue;
        }
        if (*p == '\r') {
            p++;
            continue;
        }
        *out++ = *p++;
    }
    if (out > fields[nf]) {
        *out = '\0';
        fn(fields, nf + 1, record_line, ctx);
    }
    free(buf);
}

typedef struct collect {
    strset *set;
    const char *file;
    size_t column;
    bool header; /* the first record names the columns */
} collect;

static void collect_column(char **fields, size_t n, size_t line, void *arg)
{
    collect *c = arg;
    if (c->column >= n || (c->header && line == 1))
        return;
    char where[128];
    snprintf(where, sizeof where, "%s:%zu", c->file, line);
    strset_add(c->set, fields[c->column], strlen(fields[c->column]), where);
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Adds one country value taken from SDN remarks: cut at a sentence break
 * ("Cabo Verde.  Previously Cape Verde.") and without a final period. */
static void add_remark_value(strset *set, const char *v, size_t n, const char *where)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (v[i] == '.' && v[i + 1] == ' ') {
            n = i;
            break;
        }
    }
    while (n > 0 && (v[n - 1] == '.' || v[n - 1] == ' '))
        n--;
    strset_add(set, v, n, where);
}

/* Document labels whose "(Country)" suffix names the issuing country, as in
 * "Passport A123 (Iraq)" or "alt. National ID No. 123 (Sudan)". */
static const char *const document_labels[] = {
    "Passport",
    "Diplomatic Passport",
    "National ID No.",
    "Cedula No.",
    "Identification Number",
    "Travel Document Number",
    "Personal ID Card",
    "D.N.I.",
    "Tax ID No.",
};

/* SDN remarks are "; "-separated items: "nationality Iraq", "citizen Iraq",
 * "Nationality of Registration Cayman Islands", "Passport A123 (Iraq)". */
static void collect_sdn(char **fields, size_t n, size_t line, void *arg)
{
    strset *set = arg;
    if (n < 12)
        return;
    char where[128];
    snprintf(where, sizeof where, "sdn.csv:%zu", line);
    strset_add(set, fields[9], strlen(fields[9]), where); /* vessel flag */

    const char *rem = fields[11];
    while (*rem) {
        size_t item_len = strcspn(rem, ";");
        char item[1024];
        size_t k = item_len < sizeof item - 1 ? item_len : sizeof item - 1;
        memcpy(item, rem, k);
        item[k] = '\0';
        rem += item_len + (rem[item_len] == ';');

        const char *it = item;
        while (*it == ' ')
            it++;
        if (starts_with(it, "alt. "))
            it += 5;
        const char *value = NULL;
        if (strncasecmp(it, "nationality ", 12) == 0)
            value = it + 12;
        else if (strncasecmp(it, "citizen ", 8) == 0)
            value = it + 8;
        if (value) {
            if (starts_with(value, "of Registration "))
                value += 16;
            if (starts_with(value, "possibly ")) /* a hedge, not part of the name */
                value += 9;
            add_remark_value(set, value, strlen(value), where);
            continue;
        }
        for (size_t j = 0; j < sizeof document_labels / sizeof document_labels[0]; j++) {
            if (!starts_with(it, document_labels[j]))
                continue;
            size_t len = strlen(it);
            while (len > 0 && (it[len - 1] == '.' || it[len - 1] == ' '))
                len--;
            const char *open = NULL;
            for (size_t q = 0; q < len; q++)
                if (it[q] == '(')
                    open = it + q;
            if (len > 0 && it[len - 1] == ')' && open)
                add_remark_value(set, open + 1, (size_t)(it + len - 1 - (open + 1)), where);
            break;
        }
    }
}

Test(countries, ofac_sdn_country_strings_resolve)
{
    strset set = {0};
    /* ent_num, add_num, address, city, country, remarks; no header */
    collect addr = {&set, "add.csv", 4, false};
    csv_each(PW_SHARED_DATA "/watchlists/ofac-sdn/add.csv", collect_column, &addr);
    csv_each(PW_SHARED_DATA "/watchlists/ofac-sdn/sdn.csv", collect_sdn, &set);
    check_all(&set, "ofac", 150);
    strset_free(&set);
}

Test(countries, passenger_nationalities_resolve)
{
    strset set = {0};
    /* full_name, ..., place_of_birth, nationality */
    collect nat = {&set, "negatives_us.csv", 7, true};
    csv_each(PW_SHARED_DATA "/passengers/negatives_us.csv", collect_column, &nat);
    check_all(&set, "negatives", 100);
    strset_free(&set);
}

/* The UN list's country-valued elements: NATIONALITY/VALUE and the COUNTRY of
 * addresses and places of birth, plus the document issuers. */
static void collect_un(xmlNode *node, strset *set)
{
    static const char *const country_elements[] = {"COUNTRY", "ISSUING_COUNTRY", "COUNTRY_OF_ISSUE",
                                                   "COUNTRY_OF_BIRTH"};
    for (xmlNode *n = node; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)n->name;
        bool wanted = false;
        for (size_t i = 0; i < sizeof country_elements / sizeof country_elements[0]; i++)
            wanted = wanted || strcmp(name, country_elements[i]) == 0;
        if (strcmp(name, "VALUE") == 0 && n->parent &&
            strcmp((const char *)n->parent->name, "NATIONALITY") == 0)
            wanted = true;
        if (wanted) {
            xmlChar *text = xmlNodeGetContent(n);
            char where[128];
            snprintf(where, sizeof where, "UN_consolidated.xml:%ld <%s>", xmlGetLineNo(n), name);
            if (text)
                strset_add(set, (const char *)text, strlen((const char *)text), where);
            xmlFree(text);
        }
        collect_un(n->children, set);
    }
}

Test(countries, un_list_country_strings_resolve)
{
    xmlDoc *doc = xmlReadFile(PW_SHARED_DATA "/watchlists/un/UN_consolidated.xml", NULL,
                              XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_BIG_LINES);
    cr_assert_not_null(doc, "cannot parse the UN list");
    strset set = {0};
    collect_un(xmlDocGetRootElement(doc), &set);
    xmlFreeDoc(doc);
    check_all(&set, "un", 70);
    strset_free(&set);
}
