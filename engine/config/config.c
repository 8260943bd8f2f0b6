/*
 * The paxwatch configuration: config/paxwatch.yaml validated into struct pw_config.
 *
 * Loading starts from the built-in defaults and overrides what the file sets, so a
 * file may hold only the keys it changes (an empty file means "all defaults"). Each
 * level of the file is a mapping walked in document order: every key is checked
 * against the keys that level allows (unknown ones fail with a suggestion), then read
 * with the typed YAML readers, which put errors at the value's position. The first
 * error stops loading: a configuration is small and is fixed one mistake at a time.
 *
 * Strings in pw_config are malloc'ed copies, so the YAML document is freed before
 * pw_config_load returns.
 */
#include "config/config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const top_keys[] = {"database", "threads", "rules_dir", "store_records",
                                       "matching", NULL};
static const char *const store_records_names[] = {"all", "alerted", NULL};

const char *pw_store_records_name(enum pw_store_records v)
{
    return v == PW_STORE_RECORDS_ALERTED ? "alerted" : "all";
}

/* store_records: all | alerted, with a did-you-mean for a typo. */
static int load_store_records(pw_config *cfg, const pw_yaml_node *v, pw_error *err)
{
    const char *text = NULL;
    int rc = pw_yaml_string(v, "store_records", &text, err);
    if (rc)
        return rc;
    for (int i = 0; store_records_names[i]; i++)
        if (strcmp(text, store_records_names[i]) == 0) {
            cfg->store_records = (enum pw_store_records)i;
            return 0;
        }
    const char *hint = pw_suggest(text, store_records_names);
    return pw_error_set(err, PW_EINVAL, cfg->source, pw_yaml_line(v), pw_yaml_col(v),
                        "store_records: expected all or alerted, got '%s'%s%s%s", text,
                        hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
}
static const char *const matching_keys[] = {"default_threshold", "lists", NULL};
static const char *const list_keys[] = {"threshold", NULL};

static int oom(pw_error *err, const char *file)
{
    return pw_error_set(err, PW_ENOMEM, file, 0, 0, "out of memory");
}

int pw_config_defaults(pw_config *cfg)
{
    *cfg = (pw_config){0};
    cfg->database = strdup(PW_CONFIG_DEFAULT_DATABASE);
    cfg->rules_dir = strdup(PW_CONFIG_DEFAULT_RULES_DIR);
    cfg->threads = 0;
    cfg->default_threshold = PW_CONFIG_DEFAULT_THRESHOLD;
    if (!cfg->database || !cfg->rules_dir) {
        pw_config_free(cfg);
        return PW_ENOMEM;
    }
    return 0;
}

void pw_config_free(pw_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->database);
    free(cfg->rules_dir);
    for (size_t i = 0; i < cfg->n_lists; i++)
        free(cfg->lists[i].name);
    free(cfg->lists);
    free(cfg->source);
    *cfg = (pw_config){0};
}

/* Replaces *slot with a copy of the string value of n. */
static int set_string(char **slot, const pw_yaml_node *n, const char *what, pw_error *err)
{
    const char *s;
    int rc = pw_yaml_string(n, what, &s, err);
    if (rc)
        return rc;
    if (!*s)
        return pw_error_set(err, PW_EINVAL, pw_yaml_node_file(n), pw_yaml_line(n), pw_yaml_col(n),
                            "%s: must not be empty", what);
    char *copy = strdup(s);
    if (!copy)
        return oom(err, pw_yaml_node_file(n));
    free(*slot);
    *slot = copy;
    return 0;
}

/* matching.lists.NAME: {threshold: X} */
static int load_list(pw_config *cfg, const pw_yaml_node *key, const pw_yaml_node *val,
                     pw_error *err)
{
    const char *name = pw_yaml_scalar(key, NULL);
    char what[160];
    snprintf(what, sizeof what, "matching.lists.%.60s", name);
    if (!*name)
        return pw_error_set(err, PW_EINVAL, pw_yaml_node_file(key), pw_yaml_line(key),
                            pw_yaml_col(key), "a list name must not be empty");
    int rc = pw_yaml_expect(val, PW_YAML_MAPPING, what, err);
    if (rc)
        return rc;
    double threshold = -1;
    for (size_t i = 0; i < pw_yaml_size(val); i++) {
        const pw_yaml_node *k = pw_yaml_key(val, i), *v = pw_yaml_value(val, i);
        if ((rc = pw_yaml_check_key(k, list_keys, what, err)))
            return rc;
        char what_t[192];
        snprintf(what_t, sizeof what_t, "%s.threshold", what);
        if ((rc = pw_yaml_double(v, what_t, 0.0, 1.0, &threshold, err)))
            return rc;
    }
    if (threshold < 0)
        return pw_error_set(err, PW_EINVAL, pw_yaml_node_file(val), pw_yaml_line(val),
                            pw_yaml_col(val), "%s: missing 'threshold'", what);
    pw_config_list *lists = realloc(cfg->lists, (cfg->n_lists + 1) * sizeof *lists);
    if (!lists)
        return oom(err, pw_yaml_node_file(key));
    cfg->lists = lists;
    char *copy = strdup(name);
    if (!copy)
        return oom(err, pw_yaml_node_file(key));
    cfg->lists[cfg->n_lists++] = (pw_config_list){.name = copy, .threshold = threshold};
    return 0;
}

static int load_matching(pw_config *cfg, const pw_yaml_node *m, pw_error *err)
{
    int rc = pw_yaml_expect(m, PW_YAML_MAPPING, "matching", err);
    if (rc)
        return rc;
    for (size_t i = 0; i < pw_yaml_size(m); i++) {
        const pw_yaml_node *k = pw_yaml_key(m, i), *v = pw_yaml_value(m, i);
        if ((rc = pw_yaml_check_key(k, matching_keys, "matching", err)))
            return rc;
        const char *name = pw_yaml_scalar(k, NULL);
        if (!strcmp(name, "default_threshold")) {
            rc = pw_yaml_double(v, "matching.default_threshold", 0.0, 1.0, &cfg->default_threshold,
                                err);
        } else { /* lists */
            if (pw_yaml_is_null(v))
                continue; /* "lists:" with nothing under it: no overrides */
            rc = pw_yaml_expect(v, PW_YAML_MAPPING, "matching.lists", err);
            for (size_t j = 0; !rc && j < pw_yaml_size(v); j++)
                rc = load_list(cfg, pw_yaml_key(v, j), pw_yaml_value(v, j), err);
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int load_root(pw_config *cfg, const pw_yaml_node *root, pw_error *err)
{
    if (!root)
        return 0; /* empty file: defaults */
    int rc = pw_yaml_expect(root, PW_YAML_MAPPING, "the configuration", err);
    if (rc)
        return rc;
    for (size_t i = 0; i < pw_yaml_size(root); i++) {
        const pw_yaml_node *k = pw_yaml_key(root, i), *v = pw_yaml_value(root, i);
        if ((rc = pw_yaml_check_key(k, top_keys, NULL, err)))
            return rc;
        const char *name = pw_yaml_scalar(k, NULL);
        if (!strcmp(name, "database")) {
            rc = set_string(&cfg->database, v, "database", err);
        } else if (!strcmp(name, "rules_dir")) {
            rc = set_string(&cfg->rules_dir, v, "rules_dir", err);
        } else if (!strcmp(name, "store_records")) {
            rc = load_store_records(cfg, v, err);
        } else if (!strcmp(name, "threads")) {
            long threads;
            rc = pw_yaml_int(v, "threads", 0, PW_CONFIG_MAX_THREADS, &threads, err);
            if (!rc)
                cfg->threads = (int)threads;
        } else { /* matching */
            rc = load_matching(cfg, v, err);
        }
        if (rc)
            return rc;
    }
    return 0;
}

int pw_config_load(const char *path, pw_config *cfg, pw_error *err)
{
    *cfg = (pw_config){0};
    pw_yaml_doc *doc = NULL;
    int rc = pw_yaml_load_file(path, &doc, err);
    if (rc)
        return rc;
    if ((rc = pw_config_defaults(cfg))) {
        rc = oom(err, path);
        goto fail;
    }
    if (!(cfg->source = strdup(path))) {
        rc = oom(err, path);
        goto fail;
    }
    rc = load_root(cfg, pw_yaml_root(doc), err);
    if (rc == PW_EINVAL) {
        rc = PW_ECONFIG;
        if (err)
            err->code = rc;
    }
    if (rc)
        goto fail;
    pw_yaml_free(doc);
    return 0;
fail:
    pw_yaml_free(doc);
    pw_config_free(cfg);
    return rc;
}

double pw_config_threshold(const pw_config *cfg, const char *list)
{
    if (list) {
        for (size_t i = 0; i < cfg->n_lists; i++)
            if (!strcmp(cfg->lists[i].name, list))
                return cfg->lists[i].threshold;
    }
    return cfg->default_threshold;
}

int pw_config_threads(const pw_config *cfg)
{
    if (cfg->threads > 0)
        return cfg->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > PW_CONFIG_MAX_THREADS ? PW_CONFIG_MAX_THREADS : (int)n;
}
