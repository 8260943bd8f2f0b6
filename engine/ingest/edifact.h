/*
 * edifact: a streaming UN/EDIFACT (ISO 9735) tokenizer, internal to ingest (the PAXLST
 * reader uses it; PNRGOV will).
 *
 * It turns a byte stream into segments: a three-character tag, then data elements made
 * of components, with the release character undone. It knows just enough of the
 * service layer to read what senders really send:
 *
 *  - UNA declares the six service characters (component, element, decimal, release,
 *    repetition/reserved, segment terminator) for the interchange that follows; without
 *    UNA the ISO 9735 defaults apply (: + . ? space '). A space in the release position
 *    means "no release character". The repetition separator is not used: repeated
 *    elements are read as data, so a '*' declared there stays a '*';
 *  - after UNZ the defaults come back, so a file may hold several interchanges, each
 *    with or without its own UNA;
 *  - blanks (CR, LF, spaces, tabs) between segments are skipped, and CR and LF inside a
 *    segment are dropped, so segments may be spread over lines, several per line, with
 *    CRLF and leading spaces; spaces inside a segment are data and kept; trailing spaces
 *    in a tag ("UNG *...") are ignored;
 *  - bytes that are not EDIFACT before the first interchange or after UNZ are reported
 *    once per run as junk (PW_EDI_JUNK) and skipped up to the next line that starts with
 *    UNA or UNB;
 *  - a component that is not valid UTF-8 is read as ISO 8859-1 (the UNOC character set)
 *    and converted to UTF-8, so every value handed out is UTF-8.
 *
 * Memory stays constant with the input size: the input is read in chunks into one
 * buffer that holds at most one segment beyond a chunk, and the values of the current
 * segment are written into buffers the tokenizer keeps, with their lengths (so readers
 * need no strlen); nothing is allocated per segment once the buffers have grown. A
 * segment longer than PW_EDI_MAX_SEGMENT bytes or with more than PW_EDI_MAX_COMPONENTS
 * components is a syntax error.
 *
 * Errors: a segment that cannot be read (no valid tag, a NUL byte, too long, too many
 * components, a release character at the end of the input, a malformed UNA) comes back
 * as PW_EDI_ERROR with a pw_edi_error naming its byte offset, its ordinal and tag (when
 * one could be read) and what was expected; the tokenizer has already skipped past the
 * bad segment, so the next call goes on with the following one. A read error stops the
 * input (negative return).
 *
 * Thread safety: a pw_edi belongs to one thread. Ownership: a segment's strings point
 * into the tokenizer's buffers and are valid until the next pw_edi_next call.
 */
#ifndef PW_INGEST_EDIFACT_H
#define PW_INGEST_EDIFACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/core.h"

#define PW_EDI_MAX_SEGMENT (1u << 20) /* bytes in one segment, terminator included */
#define PW_EDI_MAX_COMPONENTS 4096    /* components in one segment, the tag included */
#define PW_EDI_MAX_ELEMENTS 512       /* data elements in one segment */

typedef struct pw_edi pw_edi;

/* The service characters in force. */
typedef struct pw_edi_delims {
    char component; /* default ':' */
    char element;   /* default '+' */
    char decimal;   /* default '.' (not interpreted) */
    char release;   /* default '?'; meaningless when has_release is false */
    char reserved;  /* default ' ' (repetition separator in syntax version 4; not used) */
    char segment;   /* default '\'' */
    bool has_release;
} pw_edi_delims;

enum pw_edi_event {
    PW_EDI_END = 0,     /* end of the input */
    PW_EDI_SEGMENT = 1, /* a segment */
    PW_EDI_JUNK = 2,    /* bytes that are not EDIFACT were skipped (see pw_edi_junk) */
    PW_EDI_ERROR = 3,   /* a segment could not be read and was skipped (see pw_edi_error) */
};

/* One segment, valid until the next pw_edi_next call. */
typedef struct pw_edi_segment {
    char tag[4];         /* "UNB", "NAD", ... */
    uint32_t code;       /* the tag as PW_EDI_TAG packs it (pw_edi_tag) */
    unsigned n_elements; /* data elements after the tag */
    long ordinal;        /* 1-based position among the input's segments (UNA included) */
    long long offset;    /* byte offset of the segment's first byte in the input */
    long line;           /* 1-based line of the segment's first byte */
    bool unterminated;   /* the input ended before the segment terminator */
    const char *raw;     /* the segment's bytes as read (terminator included) */
    size_t raw_len;
    /* for pw_edi_value: comp[elem[e] + c - 1] is component c of element e; element e
     * has elem[e + 1] - elem[e] components; element 0 is the tag */
    const uint32_t *elem;
    const char *const *comp;
    const uint32_t *len; /* len[i] is the length of comp[i] */
} pw_edi_segment;

/* A segment that could not be read. */
typedef struct pw_edi_error {
    long long offset; /* byte offset of the problem */
    long ordinal;     /* ordinal the segment would have had */
    long line;        /* 1-based line of the segment's first byte */
    char tag[8];      /* what could be read of the tag; "" when nothing */
    char msg[256];    /* what was expected and what was found */
    const char *raw;  /* the bad segment's bytes (up to PW_EDI_MAX_SEGMENT), valid until
                         the next call; NULL when they could not be kept */
    size_t raw_len;
} pw_edi_error;

/* Bytes that were skipped between interchanges. */
typedef struct pw_edi_junk {
    long long offset; /* where they start */
    long line;
    long long length;
    char sample[48]; /* the first bytes, control characters shown as '.' */
    bool after_unz;  /* true after an interchange, false before the first one */
} pw_edi_junk;

/* A tokenizer reading fp (not closed by pw_edi_free). NULL on out of memory. */
pw_edi *pw_edi_new(FILE *fp);
void pw_edi_free(pw_edi *e);

/* Reads the next event. PW_EDI_SEGMENT fills *seg, PW_EDI_ERROR fills *err,
 * PW_EDI_JUNK fills *junk (either pointer may be NULL when the caller does not care).
 * Returns PW_EDI_END at the end of the input, or negative (PW_EIO, PW_ENOMEM) when
 * reading failed, with *fail set. */
int pw_edi_next(pw_edi *e, pw_edi_segment *seg, pw_edi_error *err, pw_edi_junk *junk,
                pw_error *fail);

/* The service characters of the interchange being read. */
pw_edi_delims pw_edi_current_delims(const pw_edi *e);
/* The default service characters (no UNA). */
pw_edi_delims pw_edi_default_delims(void);

/* Bytes consumed so far (the offset of the next unread byte). */
long long pw_edi_position(const pw_edi *e);

/* Component c (1-based) of data element e (1-based; 0 is the tag) of seg, "" when the
 * segment has no such element or component. Never NULL. */
static inline const char *pw_edi_value(const pw_edi_segment *seg, unsigned e, unsigned c)
{
    if (e > seg->n_elements || c == 0)
        return "";
    uint32_t first = seg->elem[e], n = seg->elem[e + 1] - first;
    return c <= n ? seg->comp[first + c - 1] : "";
}

/* pw_edi_value with the value's length in *len (no strlen needed). */
static inline const char *pw_edi_value_len(const pw_edi_segment *seg, unsigned e, unsigned c,
                                           size_t *len)
{
    *len = 0;
    if (e > seg->n_elements || c == 0)
        return "";
    uint32_t first = seg->elem[e], n = seg->elem[e + 1] - first;
    if (c > n)
        return "";
    *len = seg->len[first + c - 1];
    return seg->comp[first + c - 1];
}

/* Number of components of data element e (0 when absent). */
static inline unsigned pw_edi_components(const pw_edi_segment *seg, unsigned e)
{
    if (e > seg->n_elements)
        return 0;
    return seg->elem[e + 1] - seg->elem[e];
}

/* The three-character tag of seg packed as an integer, for switch statements:
 * PW_EDI_TAG('U','N','H'). */
#define PW_EDI_TAG(a, b, c) (((uint32_t)(a) << 16) | ((uint32_t)(b) << 8) | (uint32_t)(c))
static inline uint32_t pw_edi_tag(const pw_edi_segment *seg)
{
    return seg->code;
}

#endif
