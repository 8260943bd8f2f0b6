/*
 * Record fields as rules see them: the field table and the values of one record.
 *
 * Every field a rule may name is a row of pwr_fields: its dotted name, its type (which
 * decides the operators and how literals are read), its scope (the record, or one
 * travel document) and its prefilter weight (0: never indexed; otherwise the cost of
 * one key, so that a route, which narrows a record down to few rules, is preferred to a
 * gender, which narrows nothing).
 *
 * A pwr_view computes record-scope values lazily, once per record: a bit per field says
 * whether vals[] holds it. Derived values (route, journey, age, transit, ...) are built
 * from the record and the reference day (the departure date, else today) into buffers
 * of the view, so reading a field never allocates; only the display name may be built
 * in the record's arena, as pw_record_display_name does. Document fields are computed
 * on each read: they are cheap and a record has one or two documents.
 *
 * A missing value (V_MISSING) is what every comparison treats as "no value": the
 * PNR-based booking.hours_before_departure is always missing until PNR data lands.
 */
#include "rules/rules_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const roles[] = {"passenger", "crew", "transit_passenger", "transit_crew", NULL};
static const char *const genders[] = {"M", "F", "U", NULL};

/* In enum pwr_field order. */
const pwr_field_def pwr_fields[F__COUNT] = {
    [F_RECORD_ID] = {"record_id", T_STRING, S_RECORD, 0, NULL},
    [F_FLIGHT_CARRIER] = {"flight.carrier", T_STRING, S_RECORD, 6, NULL},
    [F_FLIGHT_NUMBER] = {"flight.number", T_STRING, S_RECORD, 0, NULL},
    [F_FLIGHT_ORIGIN] = {"flight.origin", T_AIRPORT, S_RECORD, 3, NULL},
    [F_FLIGHT_DESTINATION] = {"flight.destination", T_AIRPORT, S_RECORD, 3, NULL},
    [F_FLIGHT_ROUTE] = {"flight.route", T_ROUTE, S_RECORD, 1, NULL},
    [F_FLIGHT_DEPARTURE] = {"flight.departure", T_DATETIME, S_RECORD, 0, NULL},
    [F_FLIGHT_ARRIVAL] = {"flight.arrival", T_DATETIME, S_RECORD, 0, NULL},
    [F_FLIGHT_DEPARTURE_HOUR] = {"flight.departure_hour", T_NUMBER, S_RECORD, 0, NULL},
    [F_FLIGHT_LEG_COUNT] = {"flight.leg_count", T_NUMBER, S_RECORD, 0, NULL},
    [F_T_ROLE] = {"traveller.role", T_ENUM, S_RECORD, 60, roles},
    [F_T_SURNAME] = {"traveller.surname", T_STRING, S_RECORD, 0, NULL},
    [F_T_GIVEN_NAMES] = {"traveller.given_names", T_STRING, S_RECORD, 0, NULL},
    [F_T_FULL_NAME] = {"traveller.full_name", T_STRING, S_RECORD, 0, NULL},
    [F_T_NAME] = {"traveller.name", T_STRING, S_RECORD, 0, NULL},
    [F_T_GENDER] = {"traveller.gender", T_ENUM, S_RECORD, 100, genders},
    [F_T_DOB] = {"traveller.dob", T_DATE, S_RECORD, 0, NULL},
    [F_T_AGE] = {"traveller.age", T_NUMBER, S_RECORD, 0, NULL},
    [F_T_NATIONALITY] = {"traveller.nationality", T_COUNTRY, S_RECORD, 4, NULL},
    [F_T_RESIDENCE] = {"traveller.residence", T_COUNTRY, S_RECORD, 4, NULL},
    [F_T_BIRTH_PLACE] = {"traveller.birth_place", T_STRING, S_RECORD, 0, NULL},
    [F_T_EMBARKATION] = {"traveller.embarkation", T_AIRPORT, S_RECORD, 3, NULL},
    [F_T_DEBARKATION] = {"traveller.debarkation", T_AIRPORT, S_RECORD, 3, NULL},
    [F_T_CLEARANCE] = {"traveller.clearance", T_AIRPORT, S_RECORD, 3, NULL},
    [F_T_JOURNEY] = {"traveller.journey", T_ROUTE, S_RECORD, 1, NULL},
    [F_T_TRANSIT] = {"traveller.transit", T_BOOL, S_RECORD, 0, NULL},
    [F_T_BOOKING_REF] = {"traveller.booking_ref", T_STRING, S_RECORD, 0, NULL},
    [F_T_PASSENGER_REF] = {"traveller.passenger_ref", T_STRING, S_RECORD, 0, NULL},
    [F_T_SEAT] = {"traveller.seat", T_STRING, S_RECORD, 0, NULL},
    [F_T_DOCUMENT_COUNT] = {"traveller.document_count", T_NUMBER, S_RECORD, 0, NULL},
    [F_BOOKING_HOURS] = {"booking.hours_before_departure", T_NUMBER, S_RECORD, 0, NULL},
    [F_SOURCE_FORMAT] = {"source.format", T_STRING, S_RECORD, 0, NULL},
    [F_SOURCE_SENDER] = {"source.sender", T_STRING, S_RECORD, 0, NULL},
    [F_SOURCE_DOCUMENT_TYPE] = {"source.document_type", T_STRING, S_RECORD, 0, NULL},
    [F_SOURCE_DOCUMENT_ACTION] = {"source.document_action", T_STRING, S_RECORD, 0, NULL},
    [F_D_TYPE] = {"document.type", T_STRING, S_DOCUMENT, 40, NULL},
    [F_D_NUMBER] = {"document.number", T_STRING, S_DOCUMENT, 0, NULL},
    [F_D_ISSUER] = {"document.issuer", T_COUNTRY, S_DOCUMENT, 4, NULL},
    [F_D_EXPIRY] = {"document.expiry", T_DATE, S_DOCUMENT, 0, NULL},
    [F_D_ISSUED] = {"document.issued", T_DATE, S_DOCUMENT, 0, NULL},
    [F_D_DAYS_TO_EXPIRY] = {"document.days_to_expiry", T_NUMBER, S_DOCUMENT, 0, NULL},
    [F_D_DAYS_SINCE_ISSUE] = {"document.days_since_issue", T_NUMBER, S_DOCUMENT, 0, NULL},
    [F_D_ISSUER_DIFFERS] = {"document.issuer_differs_from_nationality", T_BOOL, S_DOCUMENT, 0,
                            NULL},
};

const char *const pwr_field_names[F__COUNT + 1] = {
    "record_id",
    "flight.carrier",
    "flight.number",
    "flight.origin",
    "flight.destination",
    "flight.route",
    "flight.departure",
    "flight.arrival",
    "flight.departure_hour",
    "flight.leg_count",
    "traveller.role",
    "traveller.surname",
    "traveller.given_names",
    "traveller.full_name",
    "traveller.name",
    "traveller.gender",
    "traveller.dob",
    "traveller.age",
    "traveller.nationality",
    "traveller.residence",
    "traveller.birth_place",
    "traveller.embarkation",
    "traveller.debarkation",
    "traveller.clearance",
    "traveller.journey",
    "traveller.transit",
    "traveller.booking_ref",
    "traveller.passenger_ref",
    "traveller.seat",
    "traveller.document_count",
    "booking.hours_before_departure",
    "source.format",
    "source.sender",
    "source.document_type",
    "source.document_action",
    "document.type",
    "document.number",
    "document.issuer",
    "document.expiry",
    "document.issued",
    "document.days_to_expiry",
    "document.days_since_issue",
    "document.issuer_differs_from_nationality",
    NULL,
};

_Static_assert(F__COUNT <= 64, "field bitmasks are 64 bits");

int pwr_field_find(const char *name)
{
    for (int f = 0; f < F__COUNT; f++)
        if (!strcmp(pwr_fields[f].name, name))
            return f;
    return -1;
}

const char *pwr_type_name(int type)
{
    switch (type) {
    case T_STRING:
        return "text";
    case T_COUNTRY:
        return "a country";
    case T_AIRPORT:
        return "an airport code";
    case T_ROUTE:
        return "a route";
    case T_ENUM:
        return "a code";
    case T_DATE:
        return "a date";
    case T_DATETIME:
        return "a date and time";
    case T_NUMBER:
        return "a number";
    case T_BOOL:
        return "true or false";
    default:
        return "a value";
    }
}

/* ---- dates --------------------------------------------------------------------- */

/* Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date. */
static int days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int pwr_day_number(pw_date d)
{
    return days_from_civil(d.year, d.month ? d.month : 1, d.day ? d.day : 1);
}

int pwr_today(void)
{
    return (int)(time(NULL) / 86400);
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int num2(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Minutes since the epoch of "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[...]" into *v; false
 * when the text is not such a time. */
static bool parse_time(const char *s, pwr_value *v)
{
    size_t n = strlen(s);
    if (n < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2))
        return false;
    int y = num2(s) * 100 + num2(s + 2), m = num2(s + 5), d = num2(s + 8);
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    double minutes = (double)days_from_civil(y, m, d) * 1440.0;
    v->date_only = true;
    if (n >= 16 && (s[10] == 'T' || s[10] == ' ') && digits(s + 11, 2) && s[13] == ':' &&
        digits(s + 14, 2)) {
        minutes += num2(s + 11) * 60 + num2(s + 14);
        v->date_only = false;
    }
    v->kind = V_NUM;
    v->num = minutes;
    return true;
}

/* ---- values ------------------------------------------------------------------------- */

static void set_str(pwr_value *v, const char *s)
{
    if (s && *s) {
        v->kind = V_STR;
        v->s = s;
        v->len = (uint32_t)strlen(s);
    } else {
        v->kind = V_MISSING;
    }
}

static void set_num(pwr_value *v, double x)
{
    v->kind = V_NUM;
    v->num = x;
}

/* "A-B" into buf when both parts are there. */
static void set_pair(pwr_value *v, char *buf, size_t cap, const char *a, const char *b)
{
    if (!a || !*a || !b || !*b) {
        v->kind = V_MISSING;
        return;
    }
    int w = snprintf(buf, cap, "%s-%s", a, b);
    if (w < 0 || (size_t)w >= cap) {
        v->kind = V_MISSING; /* codes this long cannot be airports */
        return;
    }
    v->kind = V_STR;
    v->s = buf;
    v->len = (uint32_t)w;
}

static bool differs(const char *a, const char *b)
{
    return a && *a && b && *b && !pwr_equal_fold(a, strlen(a), b, strlen(b));
}

void pwr_view_reset(pwr_view *v, const pw_record *r, int today, pw_arena *arena)
{
    v->rec = r;
    v->arena = arena;
    v->have = 0;
    pwr_value dep = {0};
    if (r->flight.departure && parse_time(r->flight.departure, &dep))
        v->ref_day = (int)(dep.num / 1440.0);
    else
        v->ref_day = today;
}

/* The civil date of a day number (inverse of days_from_civil). */
static void civil_from_days(int day, int *py, int *pm, int *pd)
{
    int z = day + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int d = doy - (153 * mp + 2) / 5 + 1;
    int m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    *py = y;
    *pm = m;
    *pd = d;
}

void pwr_format_day(int day, char buf[11])
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    if (y < 0 || y > 9999) {
        snprintf(buf, 11, "?");
        return;
    }
    /* (by hand: snprintf's "%04d-%02d-%02d" draws a truncation warning at -O3, the
     * compiler not knowing that month and day have two digits) */
    const int parts[3] = {y, m, d}, widths[3] = {4, 2, 2};
    size_t k = 0;
    for (int p = 0; p < 3; p++) {
        if (p)
            buf[k++] = '-';
        for (int w = widths[p] - 1, v = parts[p]; w >= 0; w--, v /= 10)
            buf[k + (size_t)w] = (char)('0' + v % 10);
        k += (size_t)widths[p];
    }
    buf[k] = '\0';
}

/* Age in whole years on the reference day. */
static int age_on(pw_date dob, int ref_day)
{
    int y, m, d;
    civil_from_days(ref_day, &y, &m, &d);
    int bm = dob.month ? dob.month : 1, bd = dob.day ? dob.day : 1;
    int age = y - dob.year;
    if (m < bm || (m == bm && d < bd))
        age--;
    return age;
}

static void compute(pwr_view *v, int f, pwr_value *out)
{
    const pw_record *r = v->rec;
    const pw_flight *fl = &r->flight;
    const pw_traveller *t = &r->traveller;
    memset(out, 0, sizeof *out);
    switch (f) {
    case F_RECORD_ID:
        set_str(out, r->record_id);
        break;
    case F_FLIGHT_CARRIER:
        set_str(out, fl->carrier);
        break;
    case F_FLIGHT_NUMBER:
        set_str(out, fl->number);
        break;
    case F_FLIGHT_ORIGIN:
        set_str(out, fl->origin);
        break;
    case F_FLIGHT_DESTINATION:
        set_str(out, fl->destination);
        break;
    case F_FLIGHT_ROUTE:
        set_pair(out, v->route, sizeof v->route, fl->origin, fl->destination);
        break;
    case F_FLIGHT_DEPARTURE:
        if (!fl->departure || !parse_time(fl->departure, out))
            out->kind = V_MISSING;
        break;
    case F_FLIGHT_ARRIVAL:
        if (!fl->arrival || !parse_time(fl->arrival, out))
            out->kind = V_MISSING;
        break;
    case F_FLIGHT_DEPARTURE_HOUR: {
        pwr_value d = {0};
        if (fl->departure && parse_time(fl->departure, &d) && !d.date_only)
            set_num(out, (double)num2(fl->departure + 11));
        break;
    }
    case F_FLIGHT_LEG_COUNT:
        if (fl->n_legs > 0)
            set_num(out, (double)fl->n_legs);
        else if (fl->origin || fl->destination)
            set_num(out, 1);
        break;
    case F_T_ROLE:
        set_str(out, pw_role_name(t->role));
        break;
    case F_T_SURNAME:
        set_str(out, t->surname);
        break;
    case F_T_GIVEN_NAMES:
        set_str(out, t->given_names);
        break;
    case F_T_FULL_NAME:
        set_str(out, t->full_name);
        break;
    case F_T_NAME:
        set_str(out, v->arena ? pw_record_display_name(r, v->arena) : t->full_name);
        break;
    case F_T_GENDER:
        if (t->gender) {
            static const char letters[] = "MFU";
            const char *p = strchr(letters, t->gender);
            if (p) {
                out->kind = V_STR;
                out->s = p;
                out->len = 1;
            }
        }
        break;
    case F_T_DOB:
        if (pw_date_is_set(t->dob))
            set_num(out, pwr_day_number(t->dob));
        break;
    case F_T_AGE:
        if (pw_date_is_set(t->dob))
            set_num(out, age_on(t->dob, v->ref_day));
        break;
    case F_T_NATIONALITY:
        set_str(out, t->nationality);
        break;
    case F_T_RESIDENCE:
        set_str(out, t->residence);
        break;
    case F_T_BIRTH_PLACE:
        set_str(out, t->birth_place);
        break;
    case F_T_EMBARKATION:
        set_str(out, t->embarkation);
        break;
    case F_T_DEBARKATION:
        set_str(out, t->debarkation);
        break;
    case F_T_CLEARANCE:
        set_str(out, t->clearance);
        break;
    case F_T_JOURNEY:
        set_pair(out, v->journey, sizeof v->journey, t->embarkation, t->debarkation);
        break;
    case F_T_TRANSIT: {
        bool transit = t->role == PW_ROLE_TRANSIT_PASSENGER || t->role == PW_ROLE_TRANSIT_CREW ||
                       differs(t->embarkation, fl->origin) ||
                       differs(t->debarkation, fl->destination);
        set_num(out, transit ? 1 : 0);
        break;
    }
    case F_T_BOOKING_REF:
        set_str(out, t->booking_ref);
        break;
    case F_T_PASSENGER_REF:
        set_str(out, t->passenger_ref);
        break;
    case F_T_SEAT:
        set_str(out, t->seat);
        break;
    case F_T_DOCUMENT_COUNT:
        set_num(out, (double)t->n_documents);
        break;
    case F_BOOKING_HOURS:
        break; /* PNR data: not in the record model yet */
    case F_SOURCE_FORMAT:
        set_str(out, r->source.format);
        break;
    case F_SOURCE_SENDER:
        set_str(out, r->source.sender);
        break;
    case F_SOURCE_DOCUMENT_TYPE:
        set_str(out, r->source.document_type);
        break;
    case F_SOURCE_DOCUMENT_ACTION:
        set_str(out, r->source.document_action);
        break;
    default:
        break;
    }
}

const pwr_value *pwr_view_get(pwr_view *v, int f)
{
    uint64_t bit = 1ull << f;
    if (!(v->have & bit)) {
        compute(v, f, &v->vals[f]);
        v->have |= bit;
    }
    return &v->vals[f];
}

void pwr_doc_value(pwr_view *v, const pw_document *d, int f, pwr_value *out)
{
    memset(out, 0, sizeof *out);
    switch (f) {
    case F_D_TYPE:
        set_str(out, d->type);
        break;
    case F_D_NUMBER:
        set_str(out, d->number);
        break;
    case F_D_ISSUER:
        set_str(out, d->issuer);
        break;
    case F_D_EXPIRY:
        if (pw_date_is_set(d->expiry))
            set_num(out, pwr_day_number(d->expiry));
        break;
    case F_D_ISSUED:
        if (pw_date_is_set(d->issued))
            set_num(out, pwr_day_number(d->issued));
        break;
    case F_D_DAYS_TO_EXPIRY:
        if (pw_date_is_set(d->expiry))
            set_num(out, pwr_day_number(d->expiry) - v->ref_day);
        break;
    case F_D_DAYS_SINCE_ISSUE:
        if (pw_date_is_set(d->issued))
            set_num(out, v->ref_day - pwr_day_number(d->issued));
        break;
    case F_D_ISSUER_DIFFERS: {
        const char *nat = v->rec->traveller.nationality;
        if (d->issuer && *d->issuer && nat && *nat)
            set_num(out, differs(d->issuer, nat) ? 1 : 0);
        break;
    }
    default:
        break;
    }
}
