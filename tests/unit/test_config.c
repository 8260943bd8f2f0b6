/*
 * Tests for engine/config: the YAML node tree (positions, rejected constructs,
 * typed readers, suggestions) and the paxwatch configuration (defaults, overrides,
 * errors at exact file:line:col, the shipped config/paxwatch.yaml).
 *
 * Positions asserted here were counted by hand in the fixtures (tests/data/config_*)
 * and the inline strings: line and column are 1-based, columns count characters.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"

#define DATA(name) PW_TEST_DATA "/" name

static bool ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && !strcmp(s + ls - lx, suffix);
}

/* Parses an inline YAML string; expects failure and returns the error. */
static pw_error yaml_error(const char *text)
{
    pw_yaml_doc *doc = (pw_yaml_doc *)1;
    pw_error err = {0};
    int rc = pw_yaml_load_string("inline.yaml", text, strlen(text), &doc, &err);
    cr_assert_neq(rc, 0, "expected an error for: %s", text);
    cr_assert_eq(rc, err.code);
    cr_assert_null(doc);
    cr_assert_str_eq(err.file, "inline.yaml");
    return err;
}

static pw_yaml_doc *yaml_ok(const char *text)
{
    pw_yaml_doc *doc = NULL;
    pw_error err = {0};
    int rc = pw_yaml_load_string("inline.yaml", text, strlen(text), &doc, &err);
    cr_assert_eq(rc, 0, "unexpected error %d: %d:%d: %s", rc, err.line, err.col, err.msg);
    return doc;
}

/* Writes text into a fresh temporary file; the caller unlinks and frees the path. */
static char *temp_file(const char *text)
{
    char *path = strdup("/tmp/pw_test_config_XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    size_t len = strlen(text);
    cr_assert_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

/* Loads text as a config file; returns the code and fills *err. */
static int config_from(const char *text, pw_config *cfg, pw_error *err)
{
    char *path = temp_file(text);
    int rc = pw_config_load(path, cfg, err);
    unlink(path);
    free(path);
    return rc;
}

/* ---- YAML tree ------------------------------------------------------------ */

Test(yaml, keeps_positions_of_every_node)
{
    pw_yaml_doc *doc = yaml_ok("# comment\n"
                               "name: paxwatch\n"
                               "lists: [UN, \"OFAC\"]\n"
                               "nested:\n"
                               "  - key: value\n");
    const pw_yaml_node *root = pw_yaml_root(doc);
    cr_assert_eq(pw_yaml_kind(root), PW_YAML_MAPPING);
    cr_assert_eq(pw_yaml_size(root), 3);

    const pw_yaml_node *k = pw_yaml_key(root, 0), *v = pw_yaml_value(root, 0);
    cr_assert_str_eq(pw_yaml_scalar(k, NULL), "name");
    cr_assert_eq(pw_yaml_line(k), 2);
    cr_assert_eq(pw_yaml_col(k), 1);
    cr_assert_str_eq(pw_yaml_scalar(v, NULL), "paxwatch");
    cr_assert_eq(pw_yaml_line(v), 2);
    cr_assert_eq(pw_yaml_col(v), 7);
    cr_assert_str_eq(pw_yaml_node_file(v), "inline.yaml");

    const pw_yaml_node *lists = pw_yaml_get(root, "lists");
    cr_assert_eq(pw_yaml_kind(lists), PW_YAML_SEQUENCE);
    cr_assert_eq(pw_yaml_line(lists), 3);
    cr_assert_eq(pw_yaml_col(lists), 8);
    cr_assert_eq(pw_yaml_size(lists), 2);
    cr_assert_str_eq(pw_yaml_scalar(pw_yaml_item(lists, 1), NULL), "OFAC");
    cr_assert(pw_yaml_is_quoted(pw_yaml_item(lists, 1)));
    cr_assert_not(pw_yaml_is_quoted(pw_yaml_item(lists, 0)));
    cr_assert_eq(pw_yaml_col(pw_yaml_item(lists, 1)), 13);
    cr_assert_null(pw_yaml_item(lists, 2));

    const pw_yaml_node *nested = pw_yaml_get(root, "nested");
    const pw_yaml_node *item = pw_yaml_item(nested, 0);
    cr_assert_eq(pw_yaml_kind(item), PW_YAML_MAPPING);
    cr_assert_eq(pw_yaml_line(item), 5);
    cr_assert_eq(pw_yaml_col(item), 5);
    const pw_yaml_node *value = pw_yaml_get(item, "key");
    cr_assert_eq(pw_yaml_line(value), 5);
    cr_assert_eq(pw_yaml_col(value), 10);

    cr_assert_null(pw_yaml_get(root, "absent"));
    cr_assert_null(pw_yaml_get(lists, "name"), "lookup in a sequence finds nothing");
    pw_yaml_free(doc);
}

Test(yaml, empty_document_has_no_root)
{
    pw_yaml_doc *doc = yaml_ok("# only a comment\n");
    cr_assert_null(pw_yaml_root(doc));
    pw_yaml_free(doc);
    doc = yaml_ok("");
    cr_assert_null(pw_yaml_root(doc));
    pw_yaml_free(doc);
}

Test(yaml, syntax_error_has_libyaml_problem_and_position)
{
    pw_error err = yaml_error("a: 1\nb: c: d\n");
    cr_assert_eq(err.code, PW_EPARSE);
    cr_assert_eq(err.line, 2);
    cr_assert_eq(err.col, 5);
    cr_assert(strstr(err.msg, "mapping values are not allowed"), "%s", err.msg);
}

Test(yaml, duplicate_key_points_at_second_and_names_first)
{
    pw_error err = yaml_error("top:\n  a: 1\n  b: 2\n  a: 3\n");
    cr_assert_eq(err.code, PW_EPARSE);
    cr_assert_eq(err.line, 4);
    cr_assert_eq(err.col, 3);
    cr_assert(strstr(err.msg, "duplicate key 'a'"), "%s", err.msg);
    cr_assert(strstr(err.msg, "line 2"), "%s", err.msg);
}

Test(yaml, same_key_in_different_mappings_is_fine)
{
    pw_yaml_doc *doc = yaml_ok("a: {x: 1}\nb: {x: 2}\n");
    pw_yaml_free(doc);
}

Test(yaml, rejects_anchors_aliases_tags_and_second_documents)
{
    pw_error err = yaml_error("a: &base 1\nb: 2\n");
    cr_assert_eq(err.line, 1);
    cr_assert_eq(err.col, 4);
    cr_assert(strstr(err.msg, "anchors"), "%s", err.msg);

    err = yaml_error("a: 1\nb: *base\n");
    cr_assert_eq(err.line, 2);
    cr_assert_eq(err.col, 4);
    cr_assert(strstr(err.msg, "aliases"), "%s", err.msg);

    err = yaml_error("a: !!str 1\n");
    cr_assert_eq(err.line, 1);
    cr_assert_eq(err.col, 4);
    cr_assert(strstr(err.msg, "tags ('!!str')"), "%s", err.msg);

    err = yaml_error("a: 1\n---\nb: 2\n");
    cr_assert_eq(err.line, 2);
    cr_assert_eq(err.col, 1);
    cr_assert(strstr(err.msg, "one YAML document"), "%s", err.msg);

    err = yaml_error("? [a, b]\n: 1\n");
    cr_assert_eq(err.line, 1);
    cr_assert_eq(err.col, 3);
    cr_assert(strstr(err.msg, "keys must be scalars"), "%s", err.msg);
}

/* levels nested flow sequences: "[[...]]" */
static char *nested(int levels)
{
    char *text = malloc(2 * (size_t)levels + 1);
    for (int i = 0; i < levels; i++) {
        text[i] = '[';
        text[levels + i] = ']';
    }
    text[2 * levels] = '\0';
    return text;
}

Test(yaml, rejects_nesting_deeper_than_the_limit)
{
    char *ok = nested(PW_YAML_MAX_DEPTH); /* exactly the limit is fine */
    pw_yaml_free(yaml_ok(ok));
    free(ok);
    char *deep = nested(PW_YAML_MAX_DEPTH + 1); /* fails at the bracket one too deep */
    pw_error err = yaml_error(deep);
    free(deep);
    cr_assert_eq(err.line, 1);
    cr_assert_eq(err.col, PW_YAML_MAX_DEPTH + 1);
    cr_assert(strstr(err.msg, "deeper than"), "%s", err.msg);
}

Test(yaml, invalid_utf8_is_reported_at_its_byte)
{
    pw_error err = yaml_error("ok: yes\nname: \"ab\xff\"\n");
    cr_assert_eq(err.code, PW_EPARSE);
    cr_assert_eq(err.line, 2);
    cr_assert_eq(err.col, 10);
    cr_assert(strstr(err.msg, "UTF-8"), "%s", err.msg);
}

Test(yaml, typed_readers)
{
    pw_yaml_doc *doc = yaml_ok("i: -42\nbig: 99999999999999999999999\nq: \"7\"\nd: 0.5\n"
                               "e: 1e-3\ninf: .inf\nhex: 0x10\ny: yes\nN: NO\nt: True\n"
                               "s: 42\nnul: ~\nempty:\nmap: {a: 1}\n");
    const pw_yaml_node *r = pw_yaml_root(doc);
    pw_error err;
    long l;
    double d;
    bool b;
    const char *s;

    cr_assert_eq(pw_yaml_int(pw_yaml_get(r, "i"), "i", -100, 100, &l, &err), 0);
    cr_assert_eq(l, -42);
    cr_assert_eq(pw_yaml_int(pw_yaml_get(r, "i"), "i", 0, 100, &l, &err), PW_EINVAL);
    cr_assert_eq(err.line, 1);
    cr_assert_eq(err.col, 4);
    cr_assert(strstr(err.msg, "i: expected an integer from 0 to 100, got '-42'"), "%s", err.msg);
    cr_assert_eq(pw_yaml_int(pw_yaml_get(r, "big"), "big", 0, 100, &l, &err), PW_EINVAL);
    cr_assert_eq(pw_yaml_int(pw_yaml_get(r, "q"), "q", 0, 100, &l, &err), PW_EINVAL,
                 "a quoted number is a string");
    cr_assert(strstr(err.msg, "quoted string '7'"), "%s", err.msg);
    cr_assert_eq(pw_yaml_int(pw_yaml_get(r, "d"), "d", 0, 100, &l, &err), PW_EINVAL);

    cr_assert_eq(pw_yaml_double(pw_yaml_get(r, "d"), "d", 0, 1, &d, &err), 0);
    cr_assert_float_eq(d, 0.5, 1e-12);
    cr_assert_eq(pw_yaml_double(pw_yaml_get(r, "e"), "e", 0, 1, &d, &err), 0);
    cr_assert_float_eq(d, 0.001, 1e-12);
    cr_assert_eq(pw_yaml_double(pw_yaml_get(r, "i"), "i", -50, 0, &d, &err), 0);
    cr_assert_float_eq(d, -42.0, 1e-12);
    cr_assert_eq(pw_yaml_double(pw_yaml_get(r, "inf"), "inf", 0, 1e300, &d, &err), PW_EINVAL);
    cr_assert_eq(pw_yaml_double(pw_yaml_get(r, "hex"), "hex", 0, 100, &d, &err), PW_EINVAL);
    cr_assert_eq(pw_yaml_double(pw_yaml_get(r, "map"), "map", 0, 1, &d, &err), PW_EINVAL);
    cr_assert(strstr(err.msg, "got a mapping"), "%s", err.msg);
    cr_assert_eq(err.line, 14);
    cr_assert_eq(err.col, 6);

    cr_assert_eq(pw_yaml_bool(pw_yaml_get(r, "y"), "y", &b, &err), 0);
    cr_assert(b);
    cr_assert_eq(pw_yaml_bool(pw_yaml_get(r, "N"), "N", &b, &err), 0);
    cr_assert_not(b);
    cr_assert_eq(pw_yaml_bool(pw_yaml_get(r, "t"), "t", &b, &err), 0);
    cr_assert(b);
    cr_assert_eq(pw_yaml_bool(pw_yaml_get(r, "i"), "i", &b, &err), PW_EINVAL);
    cr_assert(strstr(err.msg, "expected true or false"), "%s", err.msg);

    cr_assert_eq(pw_yaml_string(pw_yaml_get(r, "s"), "s", &s, &err), 0);
    cr_assert_str_eq(s, "42");
    cr_assert_eq(pw_yaml_string(pw_yaml_get(r, "nul"), "nul", &s, &err), PW_EINVAL);
    cr_assert(strstr(err.msg, "got null"), "%s", err.msg);
    cr_assert(pw_yaml_is_null(pw_yaml_get(r, "empty")));
    cr_assert_eq(pw_yaml_string(pw_yaml_get(r, "empty"), "empty", &s, &err), PW_EINVAL);
    cr_assert_not(pw_yaml_is_null(pw_yaml_get(r, "q")));
    pw_yaml_free(doc);
}

Test(yaml, suggestions)
{
    static const char *const keys[] = {"database", "threads", "rules_dir", "matching", NULL};
    cr_assert_str_eq(pw_suggest("thraeds", keys), "threads");
    cr_assert_str_eq(pw_suggest("Threads", keys), "threads");
    cr_assert_str_eq(pw_suggest("databse", keys), "database");
    cr_assert_str_eq(pw_suggest("rule_dir", keys), "rules_dir");
    cr_assert_null(pw_suggest("colour", keys));
    cr_assert_null(pw_suggest("x", keys));
}

/* ---- configuration ----------------------------------------------------------- */

Test(config, defaults)
{
    pw_config cfg;
    cr_assert_eq(pw_config_defaults(&cfg), 0);
    cr_assert_str_eq(cfg.database, "paxwatch.db");
    cr_assert_str_eq(cfg.rules_dir, "rules");
    cr_assert_eq(cfg.threads, 0);
    cr_assert_float_eq(cfg.default_threshold, 0.85, 1e-12);
    cr_assert_eq(cfg.n_lists, 0);
    cr_assert_null(cfg.source);
    cr_assert_float_eq(pw_config_threshold(&cfg, "UN"), 0.85, 1e-12);
    cr_assert_geq(pw_config_threads(&cfg), 1);
    pw_config_free(&cfg);
    pw_config_free(&cfg); /* zeroed: harmless */
    pw_config_free(NULL);
}

Test(config, shipped_file_loads)
{
    const char *path = PW_SOURCE_DIR "/config/paxwatch.yaml";
    pw_config cfg;
    pw_error err = {0};
    int rc = pw_config_load(path, &cfg, &err);
    cr_assert_eq(rc, 0, "%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    cr_assert_str_eq(cfg.database, "paxwatch.db");
    cr_assert_eq(cfg.threads, 0);
    cr_assert_str_eq(cfg.rules_dir, "rules");
    cr_assert_float_eq(cfg.default_threshold, 0.85, 1e-12);
    cr_assert_eq(cfg.n_lists, 3);
    cr_assert_str_eq(cfg.lists[0].name, "UN");
    cr_assert_str_eq(cfg.lists[1].name, "OFAC");
    cr_assert_str_eq(cfg.lists[2].name, "SAMPLE");
    cr_assert_float_eq(pw_config_threshold(&cfg, "OFAC"), 0.85, 1e-12);
    cr_assert_str_eq(cfg.source, path);
    pw_config_free(&cfg);
}

Test(config, file_overrides_defaults)
{
    pw_config cfg;
    pw_error err = {0};
    int rc = pw_config_load(DATA("config_valid.yaml"), &cfg, &err);
    cr_assert_eq(rc, 0, "%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    cr_assert_str_eq(cfg.database, "/tmp/screening.db");
    cr_assert_eq(cfg.threads, 6);
    cr_assert_eq(pw_config_threads(&cfg), 6);
    cr_assert_str_eq(cfg.rules_dir, "my rules");
    cr_assert_float_eq(cfg.default_threshold, 0.7, 1e-12);
    cr_assert_float_eq(pw_config_threshold(&cfg, "UN"), 0.9, 1e-12);
    cr_assert_float_eq(pw_config_threshold(&cfg, "OFAC"), 1.0, 1e-12);
    cr_assert_float_eq(pw_config_threshold(&cfg, "un"), 0.7, 1e-12, "names are exact");
    cr_assert_float_eq(pw_config_threshold(&cfg, "EU"), 0.7, 1e-12);
    cr_assert_float_eq(pw_config_threshold(&cfg, NULL), 0.7, 1e-12);
    pw_config_free(&cfg);
}

Test(config, partial_and_empty_files_keep_defaults)
{
    pw_config cfg;
    pw_error err = {0};
    cr_assert_eq(config_from("threads: 3\n", &cfg, &err), 0);
    cr_assert_eq(cfg.threads, 3);
    cr_assert_str_eq(cfg.database, "paxwatch.db");
    cr_assert_float_eq(cfg.default_threshold, 0.85, 1e-12);
    pw_config_free(&cfg);

    cr_assert_eq(config_from("# nothing set\n", &cfg, &err), 0);
    cr_assert_str_eq(cfg.rules_dir, "rules");
    pw_config_free(&cfg);
}

Test(config, yaml_syntax_error)
{
    pw_config cfg;
    pw_error err = {0};
    int rc = pw_config_load(DATA("config_syntax.yaml"), &cfg, &err);
    cr_assert_eq(rc, PW_EPARSE);
    cr_assert(ends_with(err.file, "config_syntax.yaml"), "%s", err.file);
    /* "threads: [1, 2" is never closed: libyaml notices on line 3 at the ':' of
     * "rules_dir:" and names where the flow sequence opened (line 2, column 10). */
    cr_assert_eq(err.line, 3);
    cr_assert_eq(err.col, 10);
    cr_assert(strstr(err.msg, "did not find expected ',' or ']'"), "%s", err.msg);
    cr_assert(strstr(err.msg, "line 2, column 10"), "%s", err.msg);
    cr_assert_null(cfg.database, "a failed load leaves the config zeroed");
    pw_config_free(&cfg);
}

Test(config, duplicate_key)
{
    pw_config cfg;
    pw_error err = {0};
    int rc = pw_config_load(DATA("config_duplicate.yaml"), &cfg, &err);
    cr_assert_eq(rc, PW_EPARSE);
    cr_assert(ends_with(err.file, "config_duplicate.yaml"), "%s", err.file);
    cr_assert_eq(err.line, 4);
    cr_assert_eq(err.col, 1);
    cr_assert(strstr(err.msg, "duplicate key 'database' (first at line 2, column 1)"), "%s",
              err.msg);
}

Test(config, unknown_key_with_suggestion)
{
    pw_config cfg;
    pw_error err = {0};
    int rc = pw_config_load(DATA("config_typo.yaml"), &cfg, &err);
    cr_assert_eq(rc, PW_ECONFIG);
    cr_assert_eq(err.code, PW_ECONFIG);
    cr_assert(ends_with(err.file, "config_typo.yaml"), "%s", err.file);
    cr_assert_eq(err.line, 3);
    cr_assert_eq(err.col, 1);
    cr_assert_str_eq(err.msg, "unknown key 'thraeds'; did you mean 'threads'?");
}

Test(config, unknown_key_without_close_match_lists_the_keys)
{
    pw_config cfg;
    pw_error err = {0};
    int rc = config_from("matching:\n  colour: blue\n", &cfg, &err);
    cr_assert_eq(rc, PW_ECONFIG);
    cr_assert_eq(err.line, 2);
    cr_assert_eq(err.col, 3);
    cr_assert_str_eq(err.msg, "unknown key 'colour' in matching (expected one of: "
                              "default_threshold, lists)");
}

Test(config, wrong_type)
{
    pw_config cfg;
    pw_error err = {0};
    int rc = pw_config_load(DATA("config_wrong_type.yaml"), &cfg, &err);
    cr_assert_eq(rc, PW_ECONFIG);
    cr_assert(ends_with(err.file, "config_wrong_type.yaml"), "%s", err.file);
    cr_assert_eq(err.line, 2);
    cr_assert_eq(err.col, 10);
    cr_assert_str_eq(err.msg, "threads: expected an integer from 0 to 1024, got 'many'");

    rc = config_from("database: x.db\nmatching: 0.9\n", &cfg, &err);
    cr_assert_eq(rc, PW_ECONFIG);
    cr_assert_eq(err.line, 2);
    cr_assert_eq(err.col, 11);
    cr_assert(strstr(err.msg, "matching: expected a mapping, got '0.9'"), "%s", err.msg);

    rc = config_from("matching:\n  lists:\n    UN: 0.9\n", &cfg, &err);
    cr_assert_eq(rc, PW_ECONFIG);
    cr_assert_eq(err.line, 3);
    cr_assert_eq(err.col, 9);
    cr_assert(strstr(err.msg, "matching.lists.UN: expected a mapping"), "%s", err.msg);

    rc = config_from("database:\n", &cfg, &err);
    cr_assert_eq(rc, PW_ECONFIG);
    cr_assert_eq(err.line, 1);
    cr_assert_eq(err.col, 10);
    cr_assert_str_eq(err.msg, "database: expected a string, got null");

    rc = config_from("- threads\n", &cfg, &err);
    cr_assert_eq(rc, PW_ECONFIG);
    cr_assert_eq(err.line, 1);
    cr_assert_eq(err.col, 1);
    cr_assert(strstr(err.msg, "expected a mapping, got a sequence"), "%s", err.msg);
}

Test(config, values_out_of_range)
{
    pw_config cfg;
    pw_error err = {0};
    int rc = pw_config_load(DATA("config_threshold.yaml"), &cfg, &err);
    cr_assert_eq(rc, PW_ECONFIG);
    cr_assert(ends_with(err.file, "config_threshold.yaml"), "%s", err.file);
    cr_assert_eq(err.line, 5);
    cr_assert_eq(err.col, 18);
    cr_assert_str_eq(err.msg,
                     "matching.lists.UN.threshold: expected a number from 0 to 1, got '1.5'");

    rc = config_from("matching:\n  default_threshold: -0.1\n", &cfg, &err);
    cr_assert_eq(rc, PW_ECONFIG);
    cr_assert_eq(err.line, 2);
    cr_assert_eq(err.col, 22);
    cr_assert(strstr(err.msg, "default_threshold"), "%s", err.msg);

    rc = config_from("threads: 5000\n", &cfg, &err);
    cr_assert_eq(rc, PW_ECONFIG);
    cr_assert_eq(err.line, 1);
    cr_assert_eq(err.col, 10);

    rc = config_from("threads: -1\n", &cfg, &err);
    cr_assert_eq(rc, PW_ECONFIG);
}

Test(config, list_needs_a_threshold)
{
    pw_config cfg;
    pw_error err = {0};
    int rc = config_from("matching:\n  lists:\n    UN: {}\n", &cfg, &err);
    cr_assert_eq(rc, PW_ECONFIG);
    cr_assert_eq(err.line, 3);
    cr_assert_eq(err.col, 9);
    cr_assert_str_eq(err.msg, "matching.lists.UN: missing 'threshold'");

    rc = config_from("matching:\n  lists:\n    UN:\n      treshold: 0.9\n", &cfg, &err);
    cr_assert_eq(rc, PW_ECONFIG);
    cr_assert_eq(err.line, 4);
    cr_assert_eq(err.col, 7);
    cr_assert_str_eq(err.msg,
                     "unknown key 'treshold' in matching.lists.UN; did you mean 'threshold'?");
}

Test(config, missing_file)
{
    const char *path = PW_TEST_DATA "/config_does_not_exist.yaml";
    pw_config cfg;
    pw_error err = {0};
    int rc = pw_config_load(path, &cfg, &err);
    cr_assert_eq(rc, PW_EIO);
    cr_assert_eq(err.code, PW_EIO);
    cr_assert_str_eq(err.file, path);
    cr_assert_eq(err.line, 0);
    cr_assert(strstr(err.msg, "No such file"), "%s", err.msg);

    rc = pw_config_load(PW_TEST_DATA, &cfg, &err);
    cr_assert_eq(rc, PW_EIO, "a directory is not a config file");
    cr_assert_str_eq(err.file, PW_TEST_DATA);
}

Test(errlist, collects_and_prints)
{
    pw_errlist l = {0};
    pw_error e = {0};
    for (int i = 1; i <= 20; i++) {
        pw_error_set(&e, PW_ERULE, "r.yaml", i, 2, "problem %d", i);
        cr_assert_eq(pw_errlist_add(&l, &e), 0);
    }
    cr_assert_eq(l.n, 20);
    cr_assert_eq(l.items[19].line, 20);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    pw_errlist_print(&l, out);
    fclose(out);
    cr_assert(strncmp(buf, "r.yaml:1:2: problem 1\nr.yaml:2:2: problem 2\n", 44) == 0, "%s", buf);
    free(buf);
    pw_errlist_free(&l);
    cr_assert_eq(l.n, 0);
    cr_assert_null(l.items);
}

Test(config, store_records_choice)
{
    pw_config cfg;
    pw_error err = {0};
    cr_assert_eq(pw_config_defaults(&cfg), 0);
    cr_assert_eq(cfg.store_records, PW_STORE_RECORDS_ALL, "every record by default");
    pw_config_free(&cfg);
    cr_assert_eq(config_from("store_records: alerted\n", &cfg, &err), 0, "%s", err.msg);
    cr_assert_eq(cfg.store_records, PW_STORE_RECORDS_ALERTED);
    cr_assert_str_eq(pw_store_records_name(cfg.store_records), "alerted");
    pw_config_free(&cfg);
    cr_assert_eq(config_from("store_records: alerts\n", &cfg, &err), PW_ECONFIG);
    cr_assert_eq(err.line, 1);
    cr_assert_eq(err.col, 16);
    cr_assert_str_eq(err.msg, "store_records: expected all or alerted, got 'alerts'; did you "
                              "mean 'alerted'?");
}
