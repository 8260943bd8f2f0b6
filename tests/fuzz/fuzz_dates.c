/*
 * Fuzz target: the small text parsers of core (engine/core/dates.c, countries.c,
 * model.c) on a NUL-terminated copy of the input.
 *
 *  - pw_date_parse: an accepted date is a real calendar date, and formatting it with
 *    pw_date_format and parsing that again gives the same date (round trip);
 *    pw_date_compare is reflexive;
 *  - pw_country_alpha3: an answer is an alpha-3 code that maps to itself and has a
 *    name; the answer does not depend on letter case;
 *  - pw_date_century on two digits of the input;
 *  - the enum parsers (role, severity, entry type, input and list formats).
 */
#include "fuzz_common.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void dates(const char *s)
{
    pw_date d;
    pw_error err = {0};
    if (pw_date_parse(s, &d, &err) != 0) {
        FUZZ_CHECK(err.msg[0], "a rejected date has a message");
        return;
    }
    fuzz_check_date(d, "pw_date_parse result");
    FUZZ_CHECK(pw_date_is_set(d), "an accepted date is set");
    char buf[11];
    pw_date_format(d, buf);
    pw_date again;
    FUZZ_CHECK(pw_date_parse(buf, &again, NULL) == 0, "a formatted date parses");
    FUZZ_CHECK(again.year == d.year && again.month == d.month && again.day == d.day,
               "format/parse round trip");
    FUZZ_CHECK(pw_date_compare(d, d) == 0, "compare is reflexive");
    pw_dob dob = {.kind = PW_DOB_APPROX, .from = d};
    char dbuf[32];
    pw_dob_format(&dob, dbuf);
    FUZZ_CHECK(dbuf[0] == '~', "approximate dob format");
}

static void countries(const char *s)
{
    const char *code = pw_country_alpha3(s);
    if (!code)
        return;
    fuzz_check_alpha3(code, "pw_country_alpha3 result");
    size_t n = strlen(s);
    char *up = malloc(n + 1);
    FUZZ_CHECK(up != NULL, "malloc");
    for (size_t i = 0; i <= n; i++)
        up[i] = (char)toupper((unsigned char)s[i]);
    const char *code_up = pw_country_alpha3(up);
    FUZZ_CHECK(code_up && strcmp(code_up, code) == 0, "country lookup ignores case");
    free(up);
}

static void enums(const char *s)
{
    enum pw_role role;
    if (pw_role_parse(s, &role) == 0)
        FUZZ_CHECK(strcasecmp(pw_role_name(role), s) == 0, "role name round trip");
    enum pw_severity sev;
    if (pw_severity_parse(s, &sev) == 0)
        FUZZ_CHECK(sev >= PW_SEV_NONE && sev <= PW_SEV_CRITICAL, "severity range");
    enum pw_entry_type type;
    if (pw_entry_type_parse(s, &type) == 0)
        FUZZ_CHECK(type >= PW_ENTRY_INDIVIDUAL && type <= PW_ENTRY_AIRCRAFT, "entry type range");
    enum pw_input_format in;
    if (pw_input_format_parse(s, &in) == 0)
        FUZZ_CHECK(in >= PW_INPUT_AUTO && in <= PW_INPUT_PAXLST, "input format range");
    enum pw_list_format list;
    if (pw_list_format_parse(s, &list) == 0)
        FUZZ_CHECK(list >= PW_LIST_CSV && list <= PW_LIST_UN_XML, "list format range");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_strndup(data, size);
    dates(s);
    countries(s);
    enums(s);
    if (size >= 4) {
        int yy = (data[0] % 10) * 10 + data[1] % 10;
        pw_date ref = {.year = (int16_t)(1000 + (data[2] | data[3] << 8) % 2000), 1, 1};
        int y = pw_date_century(yy, (uint8_t)(data[2] % 13), (uint8_t)(data[3] % 32), ref,
                                data[0] & 0x80 ? PW_CENTURY_NEAREST : PW_CENTURY_PAST);
        FUZZ_CHECK(y % 100 == yy, "century keeps the two digits");
    }
    free(s);
    return 0;
}
