/*
 * Fuzz target: the YAML node tree (engine/config/yaml.c) and the configuration loader
 * (engine/config/config.c) on the same bytes.
 *
 * pw_yaml_load_string builds the tree, which is then walked whole: every node's
 * position, kind and text, every typed reader on every scalar, pw_yaml_get finding
 * each key's own value (keys are unique, so it must), pw_yaml_check_key and
 * pw_suggest on every key. pw_config_load then reads the same bytes from a memory
 * file (it takes a path) and must agree with the tree: a YAML error is PW_EPARSE from
 * both, and a loaded configuration keeps its values in their documented ranges.
 */
#include "config/config.h"
#include "fuzz_common.h"

#include <math.h>
#include <string.h>

static const char *const keys[] = {"database",          "threads", "rules_dir", "matching",
                                   "default_threshold", "lists",   "threshold", NULL};

static void check_position(const pw_yaml_node *n)
{
    FUZZ_CHECK(pw_yaml_line(n) >= 1 && pw_yaml_col(n) >= 1, "node positions are 1-based");
    FUZZ_CHECK(strcmp(pw_yaml_node_file(n), "fuzz.yaml") == 0, "node file is the load name");
    const char *kind = pw_yaml_kind_name(n);
    FUZZ_CHECK(kind && *kind, "kind name");
}

/* Runs every typed reader on a scalar; each either succeeds or fails with a message. */
static void read_scalar(const pw_yaml_node *n)
{
    size_t len = 0;
    const char *s = pw_yaml_scalar(n, &len);
    FUZZ_CHECK(s != NULL && s[len] == '\0', "a scalar's text is NUL-terminated at len");
    pw_error err = {0};
    long l;
    if (pw_yaml_int(n, "v", -1000, 1000, &l, &err) == 0)
        FUZZ_CHECK(l >= -1000 && l <= 1000, "pw_yaml_int in range");
    else
        FUZZ_CHECK(err.msg[0] && err.line >= 1, "pw_yaml_int error at the node");
    double d;
    memset(&err, 0, sizeof err);
    if (pw_yaml_double(n, "v", 0.0, 1.0, &d, &err) == 0)
        FUZZ_CHECK(!isnan(d) && d >= 0.0 && d <= 1.0, "pw_yaml_double in range");
    else
        FUZZ_CHECK(err.msg[0] && err.line >= 1, "pw_yaml_double error at the node");
    bool b;
    memset(&err, 0, sizeof err);
    if (pw_yaml_bool(n, "v", &b, &err) != 0)
        FUZZ_CHECK(err.msg[0], "pw_yaml_bool error message");
    const char *str;
    memset(&err, 0, sizeof err);
    if (pw_yaml_string(n, "v", &str, &err) == 0)
        FUZZ_CHECK(strlen(str) == len, "pw_yaml_string has no embedded NUL");
    else
        FUZZ_CHECK(err.msg[0], "pw_yaml_string error message");
    if (pw_yaml_is_quoted(n))
        FUZZ_CHECK(!pw_yaml_is_null(n), "a quoted scalar is never null");
}

static void walk(const pw_yaml_node *n, int depth)
{
    FUZZ_CHECK(depth <= PW_YAML_MAX_DEPTH + 1, "nesting limit");
    check_position(n);
    switch (pw_yaml_kind(n)) {
    case PW_YAML_SCALAR:
        FUZZ_CHECK(pw_yaml_size(n) == 0, "a scalar has no children");
        read_scalar(n);
        break;
    case PW_YAML_SEQUENCE:
        FUZZ_CHECK(pw_yaml_scalar(n, NULL) == NULL, "a sequence has no text");
        for (size_t i = 0; i < pw_yaml_size(n); i++) {
            const pw_yaml_node *item = pw_yaml_item(n, i);
            FUZZ_CHECK(item != NULL, "sequence item");
            walk(item, depth + 1);
        }
        FUZZ_CHECK(pw_yaml_item(n, pw_yaml_size(n)) == NULL, "item past the end");
        break;
    case PW_YAML_MAPPING:
        for (size_t i = 0; i < pw_yaml_size(n); i++) {
            const pw_yaml_node *k = pw_yaml_key(n, i), *v = pw_yaml_value(n, i);
            FUZZ_CHECK(k && v && pw_yaml_kind(k) == PW_YAML_SCALAR, "a scalar key and a value");
            size_t len;
            const char *key = pw_yaml_scalar(k, &len);
            if (strlen(key) == len)
                FUZZ_CHECK(pw_yaml_get(n, key) == v, "pw_yaml_get finds the key's own value");
            pw_error err = {0};
            if (pw_yaml_check_key(k, keys, "fuzz", &err) != 0)
                FUZZ_CHECK(err.msg[0] && err.line >= 1, "check_key error at the key");
            const char *s = pw_suggest(key, keys);
            if (s)
                FUZZ_CHECK(strlen(s) > 0, "suggestion");
            check_position(k);
            walk(v, depth + 1);
        }
        FUZZ_CHECK(pw_yaml_key(n, pw_yaml_size(n)) == NULL, "key past the end");
        break;
    default:
        FUZZ_CHECK(false, "node kind");
    }
}

static void check_config(const pw_config *cfg)
{
    FUZZ_CHECK(cfg->database && *cfg->database, "database set");
    FUZZ_CHECK(cfg->rules_dir && *cfg->rules_dir, "rules_dir set");
    FUZZ_CHECK(cfg->threads >= 0 && cfg->threads <= PW_CONFIG_MAX_THREADS, "threads in range");
    FUZZ_CHECK(cfg->default_threshold >= 0 && cfg->default_threshold <= 1, "threshold range");
    FUZZ_CHECK(cfg->n_lists == 0 || cfg->lists, "lists array");
    for (size_t i = 0; i < cfg->n_lists; i++) {
        FUZZ_CHECK(cfg->lists[i].name && *cfg->lists[i].name, "list name");
        FUZZ_CHECK(cfg->lists[i].threshold >= 0 && cfg->lists[i].threshold <= 1,
                   "list threshold range");
    }
    FUZZ_CHECK(cfg->source != NULL, "source set");
    int threads = pw_config_threads(cfg);
    FUZZ_CHECK(threads >= 1 && threads <= PW_CONFIG_MAX_THREADS, "pw_config_threads");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pw_yaml_doc *doc = NULL;
    pw_error err = {0};
    int yrc = pw_yaml_load_string("fuzz.yaml", (const char *)data, size, &doc, &err);
    if (yrc == 0) {
        FUZZ_CHECK(doc != NULL, "a document on success");
        FUZZ_CHECK(strcmp(pw_yaml_file(doc), "fuzz.yaml") == 0, "document name");
        const pw_yaml_node *root = pw_yaml_root(doc);
        if (root)
            walk(root, 1);
        pw_yaml_free(doc);
    } else {
        FUZZ_CHECK(doc == NULL && (yrc == PW_EPARSE || yrc == PW_ENOMEM), "YAML error code");
        FUZZ_CHECK(err.code == yrc && err.msg[0], "YAML error filled");
    }

    fuzz_file f;
    fuzz_file_open(&f, "fuzz.yaml", data, size);
    pw_config cfg;
    memset(&err, 0, sizeof err);
    int crc = pw_config_load(f.path, &cfg, &err);
    fuzz_file_close(&f);
    if (crc == 0)
        check_config(&cfg);
    else
        FUZZ_CHECK(err.code == crc && err.msg[0] && cfg.database == NULL,
                   "a failed config load is reported and leaves *cfg zeroed");
    if (yrc == PW_EPARSE)
        FUZZ_CHECK(crc == PW_EPARSE, "a YAML error is a YAML error from pw_config_load too");
    if (yrc == 0)
        FUZZ_CHECK(crc == 0 || crc == PW_ECONFIG, "valid YAML loads or fails validation");
    pw_config_free(&cfg);
    return 0;
}
