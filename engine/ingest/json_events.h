/*
 * json_events: one JSON text parsed and fully validated by simdjson's DOM parser, then
 * handed to C as events in document order (an object's start, each member's key then
 * its value, its end; an array's start, its elements, its end), the shape of a
 * streaming parser's callbacks. Strings and keys arrive decoded (escapes resolved,
 * UTF-8 already validated by simdjson) as pointer and length, borrowed until the next
 * parse; numbers, booleans and nulls arrive as their type only. Duplicate keys are
 * kept, in member order.
 *
 * simdjson reports no position for a syntax error, so a rejected text is read again
 * with jansson, which says where (its byte position) and what; this costs nothing on
 * valid input.
 *
 * Thread safety: a pw_json_events is used by one thread at a time (one per reader).
 * Ownership: the caller owns the text; the parser's memory is reused across parses.
 */
#ifndef PW_INGEST_JSON_EVENTS_H
#define PW_INGEST_JSON_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Readable bytes a text must have after its end to be parsed in place (simdjson's
 * SIMDJSON_PADDING; their contents do not matter). A text without them is copied. */
#define PW_JSON_EVENTS_PADDING 64

typedef struct pw_json_events pw_json_events;

/* What a walk calls. Each returns nonzero to go on, 0 to stop the walk (cancel). */
typedef struct pw_json_callbacks {
    int (*on_null)(void *ctx);
    int (*on_boolean)(void *ctx);
    int (*on_number)(void *ctx);
    int (*on_string)(void *ctx, const char *s, size_t len);
    int (*on_start_object)(void *ctx);
    int (*on_key)(void *ctx, const char *s, size_t len);
    int (*on_end_object)(void *ctx);
    int (*on_start_array)(void *ctx);
    int (*on_end_array)(void *ctx);
} pw_json_callbacks;

/* Why a text is not JSON. */
typedef struct pw_json_syntax_error {
    size_t column;          /* 1-based byte column of the error, 0 when not known */
    bool ends_inside_value; /* the text ends inside an object, array or string */
    bool too_deep;          /* nested deeper than the parser's limit (1024) */
    char message[160];      /* jansson's words, or simdjson's when jansson has none */
} pw_json_syntax_error;

/* pw_json_events_parse's return when a callback stopped the walk. */
#define PW_JSON_EVENTS_CANCELLED 1

/* A parser; NULL on out of memory. */
pw_json_events *pw_json_events_new(void);
void pw_json_events_free(pw_json_events *e);

/*
 * Parses the len bytes at text as one JSON value (surrounding whitespace allowed,
 * nothing else after it) and walks it, calling cb with ctx. capacity is the number of
 * readable bytes at text: at least len + PW_JSON_EVENTS_PADDING parses in place.
 * Returns 0 when the whole value was walked, PW_JSON_EVENTS_CANCELLED when a callback
 * returned 0, PW_EPARSE with *error filled when the text is not JSON (no event has
 * been called), PW_ENOMEM.
 */
int pw_json_events_parse(pw_json_events *e, const char *text, size_t len, size_t capacity,
                         const pw_json_callbacks *cb, void *ctx, pw_json_syntax_error *error);

#ifdef __cplusplus
}
#endif

#endif
