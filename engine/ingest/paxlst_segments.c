/*
 * The PAXLST reader, inside a message: the segments between UNH and UNT read into the
 * message's part of a unit (see paxlst.c for the design), with the helpers for values,
 * dates and countries.
 *
 *  - header: BGM (document code and sub-code), NAD+MS (reporting party), TDT with its
 *    LOC/DTM pairs (125/189 departure, 87/232 arrival, 92 legs in pairs, 130 final
 *    destination) into legs;
 *  - travellers: NAD+FL/FM/DDU/DDT (surname:given:middle), ATT+2 gender, DTM+329 date of
 *    birth, LOC 22/174/178/179/180, NAT, RFF AVF/ABO/SEA, DOC with DTM 36/182 and LOC+91;
 *    the segments of a traveller are read by tag, in any order, up to the next NAD or
 *    CNT; a DTM+36/182 or LOC+91 goes to the traveller's last DOC;
 *  - CNT+42 / CNT+41 control totals.
 *
 * A value that cannot be used (an invalid date, an unknown country or gender code) is
 * left empty with an issue on the traveller, or a finding on the unit for the flight's
 * values, naming the segment number in the message. Values are read as views with the
 * lengths the tokenizer gives (pwp_value: no strlen) and copied into the unit's string
 * space, trimmed of the blanks normalisation trims, so the records built from them are
 * already in normalised form (reader_internal.h, `canonical`). The string space is a
 * bump pointer into blocks of the unit's arena: a traveller's dozen values cost a copy
 * each, not an arena call (and its zeroing) each. A traveller starts in a block with
 * PAX_ROOM bytes left, so its values normally lie in one run (pax.strings, tracked
 * after each of its segments), which emit copies whole.
 */
#include "ingest/paxlst_internal.h"

#include <string.h>

/* ---- small helpers ------------------------------------------------------------- */

/* A trimmed copy of s in a, NULL when s is empty or blank (or on out of memory, which
 * the caller cannot tell apart: values are then missing, never wrong). */
const char *pwp_dup_trim(pw_arena *a, const char *s)
{
    while (pwp_blank(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && pwp_blank(s[n - 1]))
        n--;
    return n ? pw_arena_strndup(a, s, n) : NULL;
}

/* The value as a trimmed view: *len bytes at the returned pointer. */
const char *pwp_trimmed(const char *s, size_t *len)
{
    while (pwp_blank(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && pwp_blank(s[n - 1]))
        n--;
    *len = n;
    return s;
}

/* True when trimmed value s equals word. */
bool pwp_is(const char *s, const char *word)
{
    size_t n;
    s = pwp_trimmed(s, &n);
    return n == strlen(word) && memcmp(s, word, n) == 0;
}

/* Starts a new block of u's string space. False on out of memory. */
static bool unit_block(struct unit *u)
{
    u->str = pw_arena_alloc_uninit(u->arena, STR_BLOCK);
    u->str_room = u->str ? STR_BLOCK : 0;
    u->str_blocks++;
    return u->str != NULL;
}

/* n + 1 bytes of u's string space. Strings are packed into blocks taken from the unit's
 * arena, so a string costs a bump and a copy, not an allocation call and its zeroing;
 * a long one gets an allocation of its own. NULL on out of memory. */
static inline char *unit_space(struct unit *u, size_t n)
{
    if (n >= STR_BLOCK / 4)
        return pw_arena_alloc_uninit(u->arena, n + 1);
    if (u->str_room < n + 1 && !unit_block(u))
        return NULL;
    char *d = u->str;
    u->str += n + 1;
    u->str_room -= n + 1;
    return d;
}

/* A NUL-terminated copy of the n bytes at v in u's string space; NULL when n is 0 (or
 * on out of memory, which the caller cannot tell apart: values are then missing, never
 * wrong). */
static inline const char *unit_copy(struct unit *u, const char *v, size_t n)
{
    char *d = n ? unit_space(u, n) : NULL;
    if (!d)
        return NULL;
    memcpy(d, v, n);
    d[n] = '\0';
    return d;
}

/* pwp_value copied into the message's unit; NULL when empty. */
static const char *dup_value(paxlst *p, const pw_edi_segment *s, unsigned e, unsigned c)
{
    size_t n;
    const char *v = pwp_value(s, e, c, &n);
    return unit_copy(p->unit, v, n);
}

/* True when the n bytes at v are word. */
static inline bool equals(const char *v, size_t n, const char *word)
{
    return n == strlen(word) && memcmp(v, word, n) == 0;
}

bool pwp_all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)(s[i] - '0') > 9)
            return false;
    return n > 0;
}

int pwp_num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* A non-negative count in s (trimmed), or -1. */
long pwp_count(const char *s)
{
    size_t n;
    s = pwp_trimmed(s, &n);
    if (!pwp_all_digits(s, n) || n > 9)
        return -1;
    return pwp_num(s, n);
}

/* s[0..n) as a number when it is one to three digits (a qualifier or a format code),
 * else -1; checked and converted in one pass. */
static inline int code_number(const char *s, size_t n)
{
    if (n - 1 >= 3)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9)
            return -1;
        v = v * 10 + (int)d;
    }
    return v;
}

/* The qualifier (element 1, component 1) as a number of up to three digits, else -1. */
static inline int qualifier(const pw_edi_segment *s)
{
    size_t n;
    const char *q = pwp_value(s, 1, 1, &n);
    return code_number(q, n);
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool valid_ymd(int y, int m, int d)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1000 || y > 2999 || m < 1 || m > 12 || d < 1)
        return false;
    return d <= days[m - 1] + (m == 2 && leap(y));
}

/* ---- dates ------------------------------------------------------------------------- */

/* A DTM value read by its format code. */
typedef struct dtm {
    pw_date date;
    int hour, minute; /* -1 when the value has no time */
} dtm;

/*
 * Reads the DTM date/time value of s (C507: qualifier, value, format code; the format may
 * be empty: the length decides). Two-digit years take the century `rule` relative to
 * ref. Returns 0, or PW_EINVAL with *why a static explanation.
 */
static int parse_dtm(const pw_edi_segment *s, pw_date ref, enum pw_century_rule rule, dtm *out,
                     const char **why)
{
    size_t n, fn;
    const char *v = pwp_value(s, 1, 2, &n);
    const char *f = pwp_value(s, 1, 3, &fn);
    memset(out, 0, sizeof *out);
    out->hour = out->minute = -1;
    int code = fn ? code_number(f, fn) : 0;
    size_t want;
    switch (code) {
    case 0: /* no format code: by length */
        want = n;
        if (n != 6 && n != 8 && n != 10 && n != 12) {
            *why = "expected YYMMDD, CCYYMMDD, YYMMDDHHMM or CCYYMMDDHHMM";
            return PW_EINVAL;
        }
        break;
    case 101:
        want = 6;
        break;
    case 102:
        want = 8;
        break;
    case 201:
        want = 10;
        break;
    case 203:
        want = 12;
        break;
    case 204:
        want = 14;
        break;
    default:
        *why = "unknown date format code: expected 101, 102, 201, 203 or 204";
        return PW_EINVAL;
    }
    if (n != want || !pwp_all_digits(v, n)) {
        *why = code == 101   ? "expected YYMMDD (format 101)"
               : code == 102 ? "expected CCYYMMDD (format 102)"
               : code == 201 ? "expected YYMMDDHHMM (format 201)"
               : code == 203 ? "expected CCYYMMDDHHMM (format 203)"
               : code == 204 ? "expected CCYYMMDDHHMMSS (format 204)"
                             : "expected digits only";
        return PW_EINVAL;
    }
    bool four = n == 8 || n == 12 || n == 14;
    int year, month, day;
    const char *p = v;
    if (four) {
        year = pwp_num(p, 4);
        p += 4;
    } else {
        year = pwp_num(p, 2);
        p += 2;
    }
    month = pwp_num(p, 2);
    day = pwp_num(p + 2, 2);
    p += 4;
    if (!four) {
        if (month < 1 || month > 12 || day < 1 || day > 31) {
            *why = "not a calendar date";
            return PW_EINVAL;
        }
        year = pw_date_century(year, (uint8_t)month, (uint8_t)day, ref, rule);
    }
    if (!valid_ymd(year, month, day)) {
        *why = "not a calendar date";
        return PW_EINVAL;
    }
    out->date = (pw_date){.year = (int16_t)year, .month = (uint8_t)month, .day = (uint8_t)day};
    if (n >= 10) {
        int hh = pwp_num(p, 2), mm = pwp_num(p + 2, 2);
        if (hh > 23 || mm > 59 || (n == 14 && pwp_num(p + 4, 2) > 59)) {
            *why = "not a time of day";
            return PW_EINVAL;
        }
        out->hour = hh;
        out->minute = mm;
    }
    return 0;
}

/* "YYYY-MM-DDTHH:MM" (or "YYYY-MM-DD" without a time) in a. */
static const char *format_time(pw_arena *a, const dtm *t)
{
    char date[11];
    pw_date_format(t->date, date);
    if (t->hour < 0)
        return pw_arena_strdup(a, date);
    return pw_arena_printf(a, "%sT%02d:%02d", date, t->hour, t->minute);
}

/* The date part of a "YYYY-MM-DD..." flight time, unset when absent. */
pw_date pwp_time_date(const char *t)
{
    pw_date d = {0};
    if (!t || strlen(t) < 10 || !pwp_all_digits(t, 4) || !pwp_all_digits(t + 5, 2) ||
        !pwp_all_digits(t + 8, 2))
        return d;
    int y = pwp_num(t, 4), m = pwp_num(t + 5, 2), dd = pwp_num(t + 8, 2);
    if (valid_ymd(y, m, dd))
        d = (pw_date){.year = (int16_t)y, .month = (uint8_t)m, .day = (uint8_t)dd};
    return d;
}

/* ---- countries ------------------------------------------------------------------------ */

/* Alpha-3 for a country code (ISO alpha-2/alpha-3 or ICAO 9303), through a small cache:
 * a list repeats the same few codes. NULL when unknown. */
static const char *country(paxlst *p, const char *s, size_t n)
{
    if (n == 0)
        return NULL;
    if (n > 3) {
        char buf[64];
        if (n >= sizeof buf)
            return NULL;
        memcpy(buf, s, n);
        buf[n] = '\0';
        return pw_country_alpha3(buf);
    }
    uint32_t key = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'a' && c <= 'z')
            c = (unsigned char)(c - 32);
        key = key << 8 | c;
    }
    size_t slot = (key * 2654435761u) >> 24;
    if (p->countries[slot].key == key)
        return p->countries[slot].a3;
    char buf[4];
    memcpy(buf, s, n);
    buf[n] = '\0';
    const char *a3 = pw_country_alpha3(buf);
    p->countries[slot].key = key;
    p->countries[slot].a3 = a3;
    return a3;
}

/* Queues a message-level finding on the unit (emitted when the unit completes). */
void pwp_unit_finding(struct unit *u, enum pw_finding_kind kind, long line, const char *seg,
                      const char *detail)
{
    if (!detail || u->n_findings >= MAX_UNIT_FINDINGS) /* memory stays bounded */
        return;
    struct mfinding *f = pw_arena_alloc(u->arena, sizeof *f);
    if (!f)
        return;
    u->n_findings++;
    *f = (struct mfinding){.kind = kind, .line = line, .segment = seg, .detail = detail};
    if (u->findings_tail)
        u->findings_tail->next = f;
    else
        u->findings = f;
    u->findings_tail = f;
}

/* ---- message segments ------------------------------------------------------------------ */

/* A traveller issue (field left empty) at the current segment. */
static void pax_issue(paxlst *p, const pw_edi_segment *s, enum pw_finding_kind kind,
                      const char *field, const char *detail)
{
    struct pax *x = p->pax;
    if (!x || !detail || x->n_issues >= PW_ISSUES_MAX) /* only so many are reported */
        return;
    x->n_issues++;
    struct issue *i = pw_arena_alloc(p->unit->arena, sizeof *i);
    if (!i)
        return;
    i->is = (pw_issue){.kind = kind,
                       .field = field,
                       .detail = detail,
                       .line = p->part->segments,
                       .segment = pw_arena_strdup(p->unit->arena, s->tag)};
    if (x->issues_tail)
        x->issues_tail->next = i;
    else
        x->issues = i;
    x->issues_tail = i;
}

/* A quoted, shortened copy of a value for a finding (codes and dates, not names). */
const char *pwp_quote(pw_arena *a, const char *v)
{
    size_t n;
    v = pwp_trimmed(v, &n);
    return pw_arena_printf(a, "'%.*s'", (int)pw_utf8_cut(v, n, 40), v);
}

/* The BGM document name code and its sub-code. */
static void on_bgm(paxlst *p, const pw_edi_segment *s)
{
    static const struct {
        const char *code, *type;
    } types[] = {
        {"745", "passenger_list"},   {"250", "crew_list"}, {"266", "flight_status_update"},
        {"336", "master_crew_list"}, {"655", "gate_pass"},
    };
    static const struct {
        const char *code, *action;
    } actions[] = {
        {"CP", "change"},      {"CF", "change"},      {"CC", "change"}, {"BC", "change"},
        {"EC", "change"},      {"FC", "change"},      {"I", "change"},  {"XR", "cancel"},
        {"XF", "cancel"},      {"RP", "cancel"},      {"H", "cancel"},  {"CL", "close_out"},
        {"CLNB", "close_out"}, {"CLOB", "close_out"}, {"G", "add"},
    };
    struct part *pt = p->part;
    pw_arena *a = p->unit->arena;
    pt->has_bgm = true;
    pt->doc_code = pwp_dup_trim(a, pw_edi_value(s, 1, 1));
    pt->doc_status = pwp_dup_trim(a, pw_edi_value(s, 2, 1));
    for (size_t i = 0; pt->doc_code && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(pt->doc_code, types[i].code) == 0)
            pt->doc_type = types[i].type;
    for (size_t i = 0; pt->doc_status && i < sizeof actions / sizeof actions[0]; i++)
        if (strcmp(pt->doc_status, actions[i].code) == 0)
            pt->doc_action = actions[i].action;
    if (pt->doc_code && !pt->doc_type)
        pwp_unit_finding(p->unit, PW_FINDING_UNKNOWN_CODE, pt->segments, "BGM",
                         pw_arena_printf(a,
                                         "document name code %s is not a PAXLST document "
                                         "(745, 250, 266, 336, 655)",
                                         pwp_quote(a, pt->doc_code)));
}

/* Joins the non-empty components of element e with spaces ("DOTTIE MOODY"). */
static const char *joined(pw_arena *a, const pw_edi_segment *s, unsigned e)
{
    char buf[512];
    size_t k = 0;
    for (unsigned c = 1; c <= pw_edi_components(s, e); c++) {
        size_t n;
        const char *v = pwp_trimmed(pw_edi_value(s, e, c), &n);
        if (!n || k + n + 2 > sizeof buf)
            continue;
        if (k)
            buf[k++] = ' ';
        memcpy(buf + k, v, n);
        k += n;
    }
    return k ? pw_arena_strndup(a, buf, k) : NULL;
}

/* Splits a TDT flight identification ("QQ877") into carrier and number, using the
 * carrier of element 5 when given. */
static void flight_id(pw_arena *a, const char *id, const char *carrier, const char **c_out,
                      const char **n_out)
{
    size_t n, cn;
    id = pwp_trimmed(id, &n);
    carrier = pwp_trimmed(carrier, &cn);
    *c_out = cn ? pw_arena_strndup(a, carrier, cn) : NULL;
    *n_out = NULL;
    if (!n)
        return;
    if (cn && n > cn && memcmp(id, carrier, cn) == 0) {
        size_t k = cn;
        while (k < n && pwp_blank(id[k]))
            k++;
        *n_out = pw_arena_strndup(a, id + k, n - k);
        return;
    }
    if (!cn && n >= 3) {
        /* a two-character IATA designator, or three ICAO letters, before the digits */
        bool alpha3 = n >= 4 && id[0] >= 'A' && id[0] <= 'Z' && id[1] >= 'A' && id[1] <= 'Z' &&
                      id[2] >= 'A' && id[2] <= 'Z' && id[3] >= '0' && id[3] <= '9';
        size_t k = alpha3 ? 3 : 2;
        if (id[k] >= '0' && id[k] <= '9') {
            *c_out = pw_arena_strndup(a, id, k);
            *n_out = pw_arena_strndup(a, id + k, n - k);
            return;
        }
    }
    *n_out = pw_arena_strndup(a, id, n);
}

/* Adds a leg to the part; returns its index or -1. */
static int add_leg(paxlst *p)
{
    struct part *pt = p->part;
    pw_arena *a = p->unit->arena;
    if (pt->n_legs == pt->cap_legs) {
        size_t ncap = pt->cap_legs ? pt->cap_legs * 2 : 4;
        if (ncap > 256)
            return -1;
        struct leg *nl = pw_arena_alloc(a, ncap * sizeof *nl);
        if (!nl)
            return -1;
        if (pt->n_legs)
            memcpy(nl, pt->legs, pt->n_legs * sizeof *nl);
        pt->legs = nl;
        pt->cap_legs = ncap;
    }
    struct leg *l = &pt->legs[pt->n_legs];
    memset(l, 0, sizeof *l);
    l->tdt = pt->n_tdt;
    return (int)pt->n_legs++;
}

static void on_tdt(paxlst *p, const pw_edi_segment *s)
{
    struct part *pt = p->part;
    pt->n_tdt++;
    int i = add_leg(p);
    if (i < 0)
        return;
    struct leg *l = &pt->legs[i];
    flight_id(p->unit->arena, pw_edi_value(s, 2, 1), pw_edi_value(s, 5, 1), &l->carrier,
              &l->number);
    p->cur_leg = i;
    p->last_loc = 0;
}

/* The current TDT's leg to put a LOC in: the last leg if it belongs to the current TDT
 * and `can` says it has room, else a new one with the TDT's flight. */
static struct leg *leg_for(paxlst *p, bool (*can)(const struct leg *))
{
    struct part *pt = p->part;
    if (pt->n_tdt == 0)
        return NULL;
    struct leg *l = pt->n_legs ? &pt->legs[pt->n_legs - 1] : NULL;
    if (l && l->tdt == pt->n_tdt && can(l))
        return l;
    const char *carrier = l ? l->carrier : NULL, *number = l ? l->number : NULL;
    int i = add_leg(p);
    if (i < 0)
        return NULL;
    l = &pt->legs[i];
    l->carrier = carrier;
    l->number = number;
    return l;
}

static bool no_origin(const struct leg *l)
{
    return !l->origin && !l->destination;
}

static bool no_destination(const struct leg *l)
{
    return !l->destination;
}

/* LOC in the flight part of the message: 125 departure, 87 arrival, 92 legs in pairs,
 * 130 final destination. Others are not needed. */
static void on_flight_loc(paxlst *p, const pw_edi_segment *s)
{
    int qual = qualifier(s);
    const char *place = dup_value(p, s, 2, 1);
    struct leg *l = NULL;
    switch (qual) {
    case 125:
        l = leg_for(p, no_origin);
        if (l) {
            l->origin = place;
            l->reported = true;
        }
        break;
    case 87:
    case 130:
        l = leg_for(p, no_destination);
        if (l) {
            l->destination = place;
            l->reported = l->reported || qual == 87;
        }
        break;
    case 92:
        l = leg_for(p, p->last_loc == 92 ? no_destination : no_origin);
        if (l) {
            if (!l->origin && p->last_loc != 92)
                l->origin = place;
            else
                l->destination = place;
        }
        break;
    default:
        return;
    }
    if (l)
        p->cur_leg = (int)(l - p->part->legs);
    p->last_loc = qual == 92 && p->last_loc == 92 ? 0 : qual;
}

/* DTM in the flight part: 189 departure, 232 arrival of the current leg. */
static void on_flight_dtm(paxlst *p, const pw_edi_segment *s)
{
    size_t qn;
    const char *q = pwp_value(s, 1, 1, &qn);
    bool dep = equals(q, qn, "189"), arr = equals(q, qn, "232");
    if (!dep && !arr)
        return;
    struct part *pt = p->part;
    if (p->cur_leg < 0 || (size_t)p->cur_leg >= pt->n_legs) {
        pwp_unit_finding(p->unit, PW_FINDING_STRUCTURE, pt->segments, "DTM",
                         pw_arena_printf(p->unit->arena, "DTM+%s before any TDT/LOC: ignored",
                                         dep ? "189" : "232"));
        return;
    }
    dtm t;
    const char *why = NULL;
    if (parse_dtm(s, (pw_date){0}, PW_CENTURY_NEAREST, &t, &why)) {
        pwp_unit_finding(p->unit, PW_FINDING_INVALID_DATE, pt->segments, "DTM",
                         pw_arena_printf(p->unit->arena, "DTM+%s %s: %s; the %s time is left empty",
                                         dep ? "189" : "232",
                                         pwp_quote(p->unit->arena, pw_edi_value(s, 1, 2)), why,
                                         dep ? "departure" : "arrival"));
        return;
    }
    struct leg *l = &pt->legs[p->cur_leg];
    const char *v = format_time(p->unit->arena, &t);
    if (dep)
        l->departure = v;
    else
        l->arrival = v;
    if (!pw_date_is_set(p->unit->ref_date) || dep)
        p->unit->ref_date = t.date;
}

/* Starts a traveller at NAD+FL/FM/DDU/DDT. */
static void on_traveller(pw_reader *r, const pw_edi_segment *s, enum pw_role role)
{
    paxlst *p = r->paxlst;
    struct unit *u = p->unit;
    struct part *pt = p->part;
    if (u->n_pax >= MAX_UNIT_TRAVELLERS) {
        if (!p->skipping) {
            p->skipping = true;
            p->skip_ordinal = s->ordinal;
            p->skip_seg = pt->segments;
            p->skip_tag = "NAD";
            p->skip_reason = pw_arena_printf(
                u->arena, "more than %d travellers in one message: too large to hold",
                MAX_UNIT_TRAVELLERS);
        }
        return;
    }
    pw_arena *a = u->arena;
    struct pax *x = pw_arena_alloc(a, sizeof *x);
    if (!x)
        return;
    x->role = role;
    x->part = pt;
    x->first_seg = x->last_seg = pt->segments;
    x->ordinal = s->ordinal;
    x->offset = s->offset;
    if (u->str_room < PAX_ROOM) /* so that the traveller's values stay in one block */
        unit_block(u);
    x->strings = u->str;
    x->strings_block = u->str_blocks;
    x->surname = dup_value(p, s, 4, 1);
    size_t gn, mn;
    const char *given = pwp_value(s, 4, 2, &gn), *middle = pwp_value(s, 4, 3, &mn);
    if (gn && mn) { /* "given middle" */
        char *g = unit_space(u, gn + 1 + mn);
        if (g) {
            memcpy(g, given, gn);
            g[gn] = ' ';
            memcpy(g + gn + 1, middle, mn);
            g[gn + 1 + mn] = '\0';
        }
        x->given = g;
    } else {
        x->given = gn ? unit_copy(u, given, gn) : unit_copy(u, middle, mn);
    }
    if (!x->surname) { /* the traveller will be rejected (no name): keep the NAD's text */
        size_t rn = s->raw_len;
        while (rn > 0 && (s->raw[rn - 1] == '\n' || s->raw[rn - 1] == '\r'))
            rn--;
        x->nad_raw = pw_arena_strndup(a, s->raw, pw_utf8_cut(s->raw, rn, 512));
    }
    if (pt->pax_tail)
        pt->pax_tail->next = x;
    else
        pt->pax_head = x;
    pt->pax_tail = x;
    pt->n_pax++;
    u->n_pax++;
    if (role == PW_ROLE_CREW || role == PW_ROLE_TRANSIT_CREW)
        pt->n_crew++;
    else
        pt->n_passengers++;
    p->pax = x;
    p->doc = NULL;
    p->ctx = CTX_PAX;
}

/* The country code in component 1 of element e of s for field: alpha-3, or an issue and
 * NULL. */
static const char *country_field(paxlst *p, const pw_edi_segment *s, unsigned e, const char *field)
{
    size_t n;
    const char *v = pwp_value(s, e, 1, &n);
    if (!n)
        return NULL;
    const char *a3 = country(p, v, n);
    if (!a3)
        pax_issue(p, s, PW_FINDING_UNKNOWN_COUNTRY, field,
                  pw_arena_printf(p->unit->arena, "%s+%s: unknown country code %s", s->tag,
                                  pw_edi_value(s, 1, 1), pwp_quote(p->unit->arena, v)));
    return a3;
}

/* DTM inside a traveller: 329 date of birth; 36 expiry and 182 issue of the document. */
static void on_pax_dtm(paxlst *p, const pw_edi_segment *s)
{
    int qual = qualifier(s);
    struct unit *u = p->unit;
    pw_arena *a = u->arena;
    if (qual != 329 && qual != 36 && qual != 182)
        return;
    const char *field = qual == 329  ? "traveller.dob"
                        : qual == 36 ? "traveller.documents.expiry"
                                     : "traveller.documents.issued";
    if (qual != 329 && !p->doc) {
        pwp_unit_finding(
            u, PW_FINDING_STRUCTURE, p->part->segments, "DTM",
            pw_arena_printf(a, "DTM+%d before any DOC of the traveller: ignored", qual));
        return;
    }
    if (qual == 329)
        p->pax->dob_given = true;
    pw_date ref = pw_date_is_set(u->ref_date) ? u->ref_date : (pw_date){0};
    dtm t;
    const char *why = NULL;
    if (parse_dtm(s, ref, qual == 329 ? PW_CENTURY_PAST : PW_CENTURY_NEAREST, &t, &why)) {
        pax_issue(p, s, PW_FINDING_INVALID_DATE, field,
                  pw_arena_printf(a, "DTM+%d %s: %s; left empty", qual,
                                  pwp_quote(a, pw_edi_value(s, 1, 2)), why));
        return;
    }
    if (qual == 329)
        p->pax->dob = t.date;
    else if (qual == 36)
        p->doc->d.expiry = t.date;
    else
        p->doc->d.issued = t.date;
}

static void on_pax_loc(paxlst *p, const pw_edi_segment *s)
{
    struct pax *x = p->pax;
    switch (qualifier(s)) {
    case 22:
        x->clearance = dup_value(p, s, 2, 1);
        break;
    case 174:
        x->residence = country_field(p, s, 2, "traveller.residence");
        break;
    case 178:
        x->embarkation = dup_value(p, s, 2, 1);
        break;
    case 179:
        x->debarkation = dup_value(p, s, 2, 1);
        break;
    case 180: /* place of birth: the place name (C517.3224), else the code, as sent */
        x->birth_place = dup_value(p, s, 2, 4);
        if (!x->birth_place)
            x->birth_place = dup_value(p, s, 2, 1);
        break;
    case 91:
        if (!p->doc) {
            pwp_unit_finding(p->unit, PW_FINDING_STRUCTURE, p->part->segments, "LOC",
                             "LOC+91 before any DOC of the traveller: ignored");
            break;
        }
        p->doc->d.issuer = country_field(p, s, 2, "traveller.documents.issuer");
        break;
    default:
        break;
    }
}

static void on_doc(paxlst *p, const pw_edi_segment *s)
{
    pw_arena *a = p->unit->arena;
    if (p->pax->n_docs >= MAX_DOCS) {
        if (p->pax->n_docs++ == MAX_DOCS)
            pax_issue(p, s, PW_FINDING_MALFORMED_DOCUMENT, "traveller.documents",
                      "more than 32 DOC segments for one traveller: the rest are ignored");
        p->doc = NULL;
        p->ctx = CTX_DOC;
        return;
    }
    struct doc *d = pw_arena_alloc(a, sizeof *d);
    if (!d)
        return;
    d->d.type = dup_value(p, s, 1, 1);
    d->d.number = dup_value(p, s, 2, 1);
    d->seg = p->part->segments;
    struct pax *x = p->pax;
    if (x->docs_tail)
        x->docs_tail->next = d;
    else
        x->docs = d;
    x->docs_tail = d;
    x->n_docs++;
    p->doc = d;
    p->ctx = CTX_DOC;
}

static void on_att(paxlst *p, const pw_edi_segment *s)
{
    size_t n;
    const char *q = pwp_value(s, 1, 1, &n);
    if (!equals(q, n, "2"))
        return;
    const char *g = pwp_value(s, 3, 1, &n);
    if (n == 1 && (g[0] == 'M' || g[0] == 'F' || g[0] == 'U')) {
        p->pax->gender = g[0];
    } else if (n == 1 && g[0] == 'X') {
        p->pax->gender = 'U';
    } else if (n) {
        pax_issue(p, s, PW_FINDING_UNKNOWN_CODE, "traveller.gender",
                  pw_arena_printf(p->unit->arena,
                                  "ATT+2 gender %s: expected M, F, U or X; left empty",
                                  pwp_quote(p->unit->arena, g)));
    }
}

static void on_rff(paxlst *p, const pw_edi_segment *s)
{
    size_t qn;
    const char *q = pwp_value(s, 1, 1, &qn);
    if (equals(q, qn, "AVF"))
        p->pax->booking_ref = dup_value(p, s, 1, 2);
    else if (equals(q, qn, "ABO"))
        p->pax->passenger_ref = dup_value(p, s, 1, 2);
    else if (equals(q, qn, "SEA"))
        p->pax->seat = dup_value(p, s, 1, 2);
}

static void on_cnt(paxlst *p, const pw_edi_segment *s)
{
    struct part *pt = p->part;
    for (unsigned e = 1; e <= s->n_elements; e++) {
        const char *q = pw_edi_value(s, e, 1);
        long n = pwp_count(pw_edi_value(s, e, 2));
        bool pax = pwp_is(q, "42"), crew = pwp_is(q, "41");
        if (!pax && !crew)
            continue;
        if (n < 0) {
            pwp_unit_finding(p->unit, PW_FINDING_COUNT_MISMATCH, pt->segments, "CNT",
                             pw_arena_printf(p->unit->arena, "CNT+%s count %s is not a number",
                                             pax ? "42" : "41",
                                             pwp_quote(p->unit->arena, pw_edi_value(s, e, 2))));
            continue;
        }
        if (pax)
            pt->cnt42 = n;
        else
            pt->cnt41 = n;
        pt->cnt_seg = pt->segments;
    }
    p->ctx = CTX_TRAILER;
    p->pax = NULL;
    p->doc = NULL;
}

static void dispatch(pw_reader *r, const pw_edi_segment *s);

/* One segment inside a message (UNH .. UNT excluded). */
void pwp_message_segment(pw_reader *r, const pw_edi_segment *s)
{
    paxlst *p = r->paxlst;
    struct pax *before = p->pax;
    dispatch(r, s);
    struct pax *x = p->pax;
    if (!x)
        return;
    if (x == before)
        x->last_seg = p->part->segments;
    if (p->unit->str_blocks != x->strings_block)
        x->split = true;
    else if (x->strings)
        x->strings_len = (size_t)(p->unit->str - x->strings);
}

/* Dispatches one message segment by tag and context. */
static void dispatch(pw_reader *r, const pw_edi_segment *s)
{
    paxlst *p = r->paxlst;
    uint32_t tag = pw_edi_tag(s);
    switch (tag) {
    case PW_EDI_TAG('B', 'G', 'M'):
        on_bgm(p, s);
        return;
    case PW_EDI_TAG('N', 'A', 'D'): {
        size_t qn;
        const char *q = pwp_value(s, 1, 1, &qn);
        if (equals(q, qn, "FL"))
            on_traveller(r, s, PW_ROLE_PASSENGER);
        else if (equals(q, qn, "FM"))
            on_traveller(r, s, PW_ROLE_CREW);
        else if (equals(q, qn, "DDU"))
            on_traveller(r, s, PW_ROLE_TRANSIT_PASSENGER);
        else if (equals(q, qn, "DDT"))
            on_traveller(r, s, PW_ROLE_TRANSIT_CREW);
        else if (equals(q, qn, "MS") && p->ctx == CTX_HEADER && !p->part->reporting_party) {
            const char *name = joined(p->unit->arena, s, 4);
            p->part->reporting_party = name ? name : dup_value(p, s, 2, 1);
        }
        return;
    }
    case PW_EDI_TAG('C', 'N', 'T'):
        on_cnt(p, s);
        return;
    default:
        break;
    }
    if (p->ctx == CTX_HEADER) {
        if (tag == PW_EDI_TAG('T', 'D', 'T'))
            on_tdt(p, s);
        else if (tag == PW_EDI_TAG('L', 'O', 'C'))
            on_flight_loc(p, s);
        else if (tag == PW_EDI_TAG('D', 'T', 'M'))
            on_flight_dtm(p, s);
        return;
    }
    if (!p->pax)
        return; /* after CNT: nothing more is read */
    switch (tag) {
    case PW_EDI_TAG('A', 'T', 'T'):
        on_att(p, s);
        break;
    case PW_EDI_TAG('D', 'T', 'M'):
        on_pax_dtm(p, s);
        break;
    case PW_EDI_TAG('L', 'O', 'C'):
        on_pax_loc(p, s);
        break;
    case PW_EDI_TAG('N', 'A', 'T'):
        if (!p->pax->nationality)
            p->pax->nationality = country_field(p, s, 2, "traveller.nationality");
        break;
    case PW_EDI_TAG('R', 'F', 'F'):
        on_rff(p, s);
        break;
    case PW_EDI_TAG('D', 'O', 'C'):
        on_doc(p, s);
        break;
    default:
        break;
    }
}