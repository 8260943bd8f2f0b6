/*
 * String sets, literal normalisation and named sets.
 *
 * A pwr_strset is an open-addressing hash table (linear probing, at most half full) of
 * strings compared ignoring ASCII case: the hash folds case as it goes, so a look-up
 * neither copies nor allocates. It serves inline `in:` lists, named sets and (through
 * the same hash) the prefilter.
 *
 * Literals are normalised by the type of the field they are compared with: countries
 * to alpha-3 through the country table (so FR, FRA and France are one value), airport
 * codes and routes to upper case after a shape check. A named set is kept as written,
 * with each value's position, and normalised once per field type it is used with; a
 * value that does not fit (say "Atlantis" in a set used with traveller.nationality) is
 * reported at the value's own line and column in the set file.
 */
#include "rules/rules_internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* FNV-1a over upper-cased bytes; never 0 (0 marks an empty slot). */
uint64_t pwr_hash_fold(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'a' && c <= 'z')
            c = (unsigned char)(c - 'a' + 'A');
        h ^= c;
        h *= 1099511628211ull;
    }
    return h ? h : 1;
}

bool pwr_equal_fold(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x != y && toupper(x) != toupper(y))
            return false;
    }
    return true;
}

pwr_strset *pwr_strset_build(pw_arena *arena, const char *const *items, size_t n)
{
    pwr_strset *set = pw_arena_alloc(arena, sizeof *set);
    if (!set)
        return NULL;
    uint32_t cap = 8;
    while (cap < 2 * n + 2)
        cap *= 2;
    set->slots = pw_arena_alloc(arena, cap * sizeof *set->slots);
    if (!set->slots)
        return NULL;
    set->mask = cap - 1;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(items[i]);
        if (pwr_strset_has(set, items[i], len))
            continue;
        uint64_t h = pwr_hash_fold(items[i], len);
        uint32_t j = (uint32_t)h & set->mask;
        while (set->slots[j].hash)
            j = (j + 1) & set->mask;
        set->slots[j] = (pwr_set_slot){.hash = h, .s = items[i], .len = (uint32_t)len};
        set->n++;
        if (len > set->max_len)
            set->max_len = (uint32_t)len;
    }
    return set;
}

bool pwr_strset_has(const pwr_strset *set, const char *s, size_t len)
{
    if (len > set->max_len)
        return false;
    uint64_t h = pwr_hash_fold(s, len);
    for (uint32_t j = (uint32_t)h & set->mask; set->slots[j].hash; j = (j + 1) & set->mask) {
        const pwr_set_slot *sl = &set->slots[j];
        if (sl->hash == h && pwr_equal_fold(sl->s, sl->len, s, len))
            return true;
    }
    return false;
}

/* ---- literals ------------------------------------------------------------------ */

static bool airport_code(const char *s, size_t n)
{
    if (n != 3 && n != 4)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]))
            return false;
    return true;
}

static char *upper_copy(pw_arena *a, const char *s)
{
    char *c = pw_arena_strdup(a, s);
    for (char *p = c; p && *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return c;
}

const char *pwr_normalise_literal(pw_arena *a, int type, int field, const char *s, const char **why)
{
    *why = NULL;
    switch (type) {
    case T_COUNTRY: {
        const char *code = pw_country_alpha3(s);
        if (!code)
            *why = "is not a country: use an ISO 3166 code (FRA or FR) or an English name";
        return code;
    }
    case T_AIRPORT:
        if (!airport_code(s, strlen(s))) {
            *why = "is not an airport code (3 letters for IATA, 4 for ICAO)";
            return NULL;
        }
        break;
    case T_ROUTE: {
        const char *dash = strchr(s, '-');
        if (!dash || !airport_code(s, (size_t)(dash - s)) ||
            !airport_code(dash + 1, strlen(dash + 1))) {
            *why = "is not a route: write ORIGIN-DESTINATION airport codes, such as JFK-CDG";
            return NULL;
        }
        break;
    }
    case T_ENUM: {
        const char *const *values = pwr_fields[field].enum_values;
        for (size_t i = 0; values && values[i]; i++)
            if (!strcasecmp(values[i], s))
                return values[i];
        *why = "is not one of the field's values";
        return NULL;
    }
    case T_STRING:
        return pw_arena_strdup(a, s);
    default:
        *why = "cannot be compared as text";
        return NULL;
    }
    const char *c = upper_copy(a, s);
    if (!c)
        *why = "out of memory";
    return c;
}

/* ---- named sets ---------------------------------------------------------------- */

pwr_set_def *pwr_find_set(pwr_loader *ld, const char *name)
{
    for (size_t i = 0; i < ld->n_local_sets; i++)
        if (!strcmp(ld->local_sets[i]->name, name))
            return ld->local_sets[i];
    for (size_t i = 0; i < ld->set->n_sets; i++)
        if (!strcmp(ld->set->sets[i]->name, name))
            return ld->set->sets[i];
    return NULL;
}

const char **pwr_set_names(pwr_loader *ld)
{
    size_t n = ld->n_local_sets + ld->set->n_sets;
    const char **names = pw_arena_alloc(ld->set->arena, (n + 1) * sizeof *names);
    if (!names)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < ld->n_local_sets; i++)
        names[k++] = ld->local_sets[i]->name;
    for (size_t i = 0; i < ld->set->n_sets; i++)
        names[k++] = ld->set->sets[i]->name;
    names[k] = NULL;
    return names;
}

const pwr_strset *pwr_set_instance(pwr_loader *ld, pwr_set_def *sd, int type, const char *field,
                                   const pw_yaml_node *use)
{
    if (sd->tried[type])
        return sd->inst[type];
    sd->tried[type] = true;
    pw_arena *a = ld->set->arena;
    const char **items = pw_arena_alloc(a, (sd->n ? sd->n : 1) * sizeof *items);
    if (!items) {
        pwr_out_of_memory(ld);
        return NULL;
    }
    int f = pwr_field_find(field);
    bool ok = true;
    for (size_t i = 0; i < sd->n; i++) {
        const char *why;
        items[i] = pwr_normalise_literal(a, type, f, sd->values[i], &why);
        if (!items[i]) {
            ok = false;
            pwr_fail_pos(ld, sd->file, sd->lines[i], sd->cols[i],
                         "set '%s' (used with %s at %s:%d:%d): '%.*s' %s", sd->name, field,
                         pw_yaml_node_file(use), pw_yaml_line(use), pw_yaml_col(use), PWR_QUOTE_MAX,
                         sd->values[i], why);
        }
    }
    if (!ok)
        return NULL;
    sd->inst[type] = pwr_strset_build(a, items, sd->n);
    if (!sd->inst[type])
        pwr_out_of_memory(ld);
    return sd->inst[type];
}
