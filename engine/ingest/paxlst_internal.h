/*
 * Internal to the PAXLST reader (paxlst.c: envelope, units, emission, traveller checks;
 * paxlst_segments.c: the segments inside a message, dates, countries): the state of a
 * message being read and of the units waiting to be handed out, and the helpers the two
 * files share. See paxlst.c for the design.
 *
 * Thread safety: a pw_paxlst belongs to one reader, so to one thread. Ownership: a unit's
 * strings live in its arena until the unit has been handed out.
 */
#ifndef PW_INGEST_PAXLST_INTERNAL_H
#define PW_INGEST_PAXLST_INTERNAL_H

#include "ingest/edifact.h"
#include "ingest/ingest.h"
#include "ingest/reader_internal.h"

#define MAX_OPEN 8                 /* multi-part assemblies waiting for more parts */
#define MAX_UNIT_TRAVELLERS 100000 /* travellers in one unit (message or assembly) */
#define MAX_PARTS 999              /* highest multi-part sequence number accepted */
#define POOL_MAX 16                /* idle unit arenas kept for reuse */
#define MSG_RAW_MAX PW_REJECT_RAW_MAX
#define SAMPLE_MAX 20         /* bytes of junk quoted in a finding */
#define MAX_DOCS 32           /* documents kept per traveller */
#define MAX_UNIT_FINDINGS 256 /* message-level findings kept per unit */
#define STR_BLOCK 4096        /* bytes of a unit's string space taken at a time */
#define PAX_ROOM 256          /* a traveller starts in a block with this much room left */

/* ---- what a message holds ------------------------------------------------------ */

struct leg {
    const char *carrier, *number, *origin, *destination, *departure, *arrival;
    bool reported; /* built from LOC+125 / LOC+87: the leg the message reports */
    int tdt;       /* which TDT group it belongs to */
};

struct doc {
    pw_document d;
    long seg; /* segment number of the DOC in the message */
    bool bad_type;
    struct doc *next;
};

struct issue {
    pw_issue is;
    struct issue *next;
};

struct pax {
    enum pw_role role;
    const char *surname, *given;
    char gender;
    pw_date dob;
    bool dob_given; /* a DTM+329 was sent (valid or not) */
    const char *nationality, *residence, *birth_place, *embarkation, *debarkation;
    const char *clearance, *booking_ref, *passenger_ref, *seat;
    struct doc *docs, *docs_tail;
    size_t n_docs;
    struct issue *issues, *issues_tail;
    size_t n_issues;
    long first_seg, last_seg; /* in the message */
    long ordinal;             /* of the NAD in the file */
    long long offset;
    const char *nad_raw; /* the NAD segment's text, for a reject */
    /* the traveller's values lie at strings[0..strings_len) of the unit's string space
     * unless they spread over two blocks of it (strings_block is the block they start
     * in, split says they did not stay there) */
    const char *strings;
    size_t strings_len;
    unsigned strings_block;
    bool split;
    struct part *part;
    struct pax *next;
};

/* A message-level finding waiting for its unit to complete. */
struct mfinding {
    enum pw_finding_kind kind;
    long line;
    const char *segment;
    const char *detail;
    const char *message_ref; /* NULL: the part's */
    struct mfinding *next;
};

/* One UNH..UNT message. */
struct part {
    const char *ref, *access_ref;
    const char *part_label; /* "2:C", NULL when not multi-part */
    int seq;                /* multi-part sequence number; 0 when not multi-part */
    bool final;
    const char *sender, *recipient, *interchange_ref, *group_ref;
    const char *doc_code, *doc_type, *doc_status, *doc_action, *reporting_party;
    bool has_bgm;
    struct leg *legs;
    size_t n_legs, cap_legs;
    int n_tdt;
    long cnt42, cnt41; /* -1 when absent */
    long cnt_seg;
    long n_pax, n_passengers, n_crew;
    struct pax *pax_head, *pax_tail;
    long segments; /* UNH .. current, counted as UNT counts */
    long unh_ordinal;
    long long unh_offset;
    pw_flight flight; /* resolved when the unit completes */
    pw_date doc_ref;  /* the date documents must be valid on: the flight's, else today */
    /* what every record of the part shares (flight, legs, provenance), made when the
     * unit completes, its strings packed in `shared` when they fit one run */
    pw_record shared_record;
    pw_span shared;
    struct part *next;
};

/* What is handed out together: one message, or the parts of a multi-part message. */
struct unit {
    pw_arena *arena;
    struct part *parts, *parts_tail;
    size_t n_parts;
    long n_pax;
    bool multipart;
    const char *key; /* sender + access reference, for multi-part assembly */
    char *str;       /* string space (paxlst_segments.c): str_room bytes left at str */
    size_t str_room;
    unsigned str_blocks; /* blocks of string space taken so far */
    pw_date ref_date;    /* the flight date known so far (for two-digit years) */
    struct mfinding *findings, *findings_tail;
    size_t n_findings;
    /* emission cursor */
    struct part *cur_part;
    struct pax *cur_pax;
    struct unit *next;
};

enum context { CTX_HEADER, CTX_PAX, CTX_DOC, CTX_TRAILER };

struct pw_paxlst {
    pw_edi *edi;
    bool done;
    /* interchange */
    bool in_interchange;
    bool seen_interchange;
    const char *sender, *recipient, *interchange_ref; /* in `env` */
    long ic_messages, ic_groups;
    long ic_ordinal; /* UNB's ordinal */
    bool in_group;
    const char *group_ref;
    long grp_messages;
    pw_arena *env;  /* interchange and group strings; reset at each UNB */
    pw_arena *note; /* details of envelope findings; reset after each one */
    pw_arena *grp;  /* the group reference; reset at each UNG */
    /* the message being read */
    struct unit *unit; /* the unit it goes to; NULL outside a message */
    struct part *part;
    bool skipping;     /* a broken message: segments ignored up to UNT */
    long last_ordinal; /* of the last segment read */
    long skip_seg;     /* where the broken message broke, numbered in the message */
    const char *skip_reason;
    long skip_ordinal;
    const char *skip_tag;
    enum context ctx;
    struct pax *pax;
    struct doc *doc;
    int cur_leg;               /* index of the leg the last LOC set, -1 none */
    int last_loc;              /* qualifier of the last flight LOC */
    char raw[MSG_RAW_MAX + 1]; /* the message's first bytes, for a dead letter */
    size_t raw_len;
    /* units */
    struct unit *open; /* multi-part assemblies waiting for parts */
    size_t n_open;
    struct unit *ready, *ready_tail; /* complete units, in order */
    pw_arena *pool[POOL_MAX];
    size_t n_pool;
    pw_document docs[MAX_DOCS]; /* the documents of the record being emitted */
    /* caches */
    struct {
        uint32_t key;
        const char *a3; /* NULL: unknown */
    } countries[256];
    /* the reject callback of the pw_reader_next call in progress */
    pw_reject_fn reject;
    void *reject_ctx;
};

typedef struct pw_paxlst paxlst;

/* ---- shared helpers (paxlst_segments.c) ------------------------------------------ */

/* The blanks normalisation trims (space, tab, CR, LF, FF, VT; CR and LF never reach
 * here: the tokenizer drops them). */
static inline bool pwp_blank(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Component c of element e of s without those blanks, as a view: *len bytes at the
 * returned pointer. The tokenizer hands out every value's length: nothing is scanned
 * for its end. */
static inline const char *pwp_value(const pw_edi_segment *s, unsigned e, unsigned c, size_t *len)
{
    size_t n;
    const char *v = pw_edi_value_len(s, e, c, &n);
    /* the blanks are all at most ' ': a value that starts and ends above (the usual) is
     * taken as it is */
    if (n > 0 && ((unsigned char)v[0] <= ' ' || (unsigned char)v[n - 1] <= ' ')) {
        while (n > 0 && pwp_blank(*v)) {
            v++;
            n--;
        }
        while (n > 0 && pwp_blank(v[n - 1]))
            n--;
    }
    *len = n;
    return v;
}

/* A copy of s in a without the blanks normalisation trims, NULL when nothing is left. */
const char *pwp_dup_trim(pw_arena *a, const char *s);
/* s without those blanks, as a view: *len bytes at the returned pointer. */
const char *pwp_trimmed(const char *s, size_t *len);
/* True when s, trimmed, is word. */
bool pwp_is(const char *s, const char *word);
/* True when the n bytes at s are digits (and n > 0); their value. */
bool pwp_all_digits(const char *s, size_t n);
int pwp_num(const char *s, size_t n);
/* A non-negative count in s (trimmed), or -1. */
long pwp_count(const char *s);
/* The date of a "YYYY-MM-DD..." time, unset when it is not one. */
pw_date pwp_time_date(const char *t);
/* A value quoted and cut for a finding: "'XXQ'". */
const char *pwp_quote(pw_arena *a, const char *v);
/* Queues a message-level finding on the unit, emitted when the unit completes. */
void pwp_unit_finding(struct unit *u, enum pw_finding_kind kind, long line, const char *seg,
                      const char *detail);
/* Reads one segment inside a message (UNH .. UNT excluded) into the message. */
void pwp_message_segment(pw_reader *r, const pw_edi_segment *s);

#endif
