/*
 * json_events: simdjson's DOM parser behind the C interface of json_events.h.
 *
 * The parser validates the whole text (grammar, UTF-8 in strings and keys, escapes,
 * number ranges) and builds its tape in memory it keeps between parses; walk() then
 * visits the tree in document order and turns it into events, stopping at the first
 * callback that returns 0. An object's members come in the order written, duplicates
 * included. Nesting is bounded by simdjson's depth limit (1024), which also bounds
 * walk()'s recursion.
 *
 * When simdjson rejects a text it gives the kind of error but not where, so the text is
 * read again with jansson (JSON_DECODE_ANY: any value at the top; JSON_ALLOW_NUL:
 * \u0000 is simdjson's to accept; trailing text is refused as simdjson does), whose
 * json_error_t has the byte position and a message. Where jansson accepts the text
 * (simdjson's limits are narrower in places) or stops before simdjson's error (at a key
 * holding \u0000, which jansson refuses), simdjson's own message is given, with no
 * column.
 */
#include "ingest/json_events.h"

#include <cstring>
#include <new>

#include <jansson.h>
#include <simdjson.h>

extern "C" {
#include "core/core.h"
}

static_assert(PW_JSON_EVENTS_PADDING >= simdjson::SIMDJSON_PADDING,
              "PW_JSON_EVENTS_PADDING must cover simdjson's padding");

struct pw_json_events {
    simdjson::dom::parser parser;
};

extern "C" pw_json_events *pw_json_events_new(void)
{
    return new (std::nothrow) pw_json_events();
}

extern "C" void pw_json_events_free(pw_json_events *e)
{
    delete e;
}

/* Calls cb for value and everything inside it, in document order. Returns false when
 * a callback returned 0. */
static bool walk(simdjson::dom::element value, const pw_json_callbacks *cb, void *ctx)
{
    using simdjson::dom::element_type;
    switch (value.type()) {
    case element_type::OBJECT: {
        simdjson::dom::object object = value.get_object().value_unsafe();
        if (!cb->on_start_object(ctx))
            return false;
        for (simdjson::dom::key_value_pair member : object) {
            if (!cb->on_key(ctx, member.key.data(), member.key.size()) ||
                !walk(member.value, cb, ctx))
                return false;
        }
        return cb->on_end_object(ctx) != 0;
    }
    case element_type::ARRAY: {
        simdjson::dom::array array = value.get_array().value_unsafe();
        if (!cb->on_start_array(ctx))
            return false;
        for (simdjson::dom::element element : array) {
            if (!walk(element, cb, ctx))
                return false;
        }
        return cb->on_end_array(ctx) != 0;
    }
    case element_type::STRING: {
        std::string_view s = value.get_string().value_unsafe();
        return cb->on_string(ctx, s.data(), s.size()) != 0;
    }
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
        return cb->on_number(ctx) != 0;
    case element_type::BOOL:
        return cb->on_boolean(ctx) != 0;
    case element_type::NULL_VALUE:
        return cb->on_null(ctx) != 0;
    }
    return false; /* not reached: every element type is handled */
}

/* Copies message into error->message, truncated to fit. */
static void set_message(pw_json_syntax_error *error, const char *message)
{
    size_t n = strnlen(message, sizeof error->message - 1);
    memcpy(error->message, message, n);
    error->message[n] = '\0';
}

/* jansson's words for a key holding \u0000, which JSON allows and simdjson accepts: the
 * error simdjson found is elsewhere, and jansson cannot read on to it. */
static const char nul_in_key[] = "NUL byte in object key not supported";

/* Fills *error for a text simdjson rejected with code: where and why, from jansson. The
 * text ends inside a value when jansson ran out of input there (it also says "end of
 * input" for a raw NUL byte, which is not at the end). */
static void locate_error(const char *text, size_t len, simdjson::error_code code,
                         pw_json_syntax_error *error)
{
    memset(error, 0, sizeof *error);
    if (code == simdjson::DEPTH_ERROR) {
        error->too_deep = true;
        set_message(error, simdjson::error_message(code));
        return;
    }
    json_error_t why;
    json_t *value = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &why);
    json_decref(value);
    if (value || strncmp(why.text, nul_in_key, sizeof nul_in_key - 1) == 0) {
        if (code == simdjson::UNCLOSED_STRING) {
            error->column = len;
            error->ends_inside_value = true;
        }
        set_message(error, simdjson::error_message(code));
        return;
    }
    error->column = why.position > 0 ? (size_t)why.position : 1;
    error->ends_inside_value =
        (size_t)why.position == len && json_error_code(&why) == json_error_premature_end_of_input;
    set_message(error, why.text);
}

extern "C" int pw_json_events_parse(pw_json_events *e, const char *text, size_t len,
                                    size_t capacity, const pw_json_callbacks *cb, void *ctx,
                                    pw_json_syntax_error *error)
{
    bool padded = capacity >= len + simdjson::SIMDJSON_PADDING;
    simdjson::dom::element root;
    simdjson::error_code code = e->parser.parse(text, len, !padded).get(root);
    if (code == simdjson::MEMALLOC)
        return PW_ENOMEM;
    if (code) {
        locate_error(text, len, code, error);
        return PW_EPARSE;
    }
    return walk(root, cb, ctx) ? 0 : PW_JSON_EVENTS_CANCELLED;
}
