/*
 * The PAXLST reader: UN/EDIFACT passenger and crew lists (WCO/IATA API guidelines,
 * directories D:02B and D:05B) into canonical traveller records, with data-quality
 * findings per sender and flight.
 *
 * Layers. edifact.c turns bytes into segments; this file keeps the envelope state
 * (interchange UNB..UNZ, optional group UNG..UNE, message UNH..UNT), and
 * paxlst_segments.c reads each message's segments into a `unit`: the flight (TDT with its LOC/DTM
 * legs), the document code (BGM), the reporting party (NAD+MS) and a list of travellers (NAD+FL
 * passenger, FM crew, DDU transit passenger, DDT transit crew, each with ATT, DTM+329,
 * LOC 22/174/178/179/180, NAT, RFF AVF/ABO/SEA and DOC groups with DTM 36/182 and
 * LOC+91). A unit is handed out only once its message is complete (UNT read): a message
 * whose syntax breaks, or that the input cuts short, goes to the dead-letter table
 * whole, as the issue asks, and none of its travellers is screened from half a message;
 * the other messages of the interchange are read on. Multi-part messages (UNH S010
 * "01:C" ... "NN:F") are assembled into one unit, keyed by sender and common access
 * reference (UNH 0068): travellers of every part are held until the final part arrives
 * (or the input ends), parts without a TDT take the flight of the first part that has
 * one, and the CNT control total is checked against the whole. Records are then emitted
 * one per pw_reader_next call, normalised by pw_reader_finish like every other format.
 * Copying a record into the caller's arena is a pair of memcpys: what the travellers of
 * a part share (flight, legs, provenance) is packed into one run when the unit
 * completes (share_part), and each traveller's values lie in one run of the unit's
 * string space (paxlst_segments.c); pw_reader_finish_spans moves the strings with them.
 *
 * Memory: each unit has its own arena, taken from a small pool and reset when the unit
 * has been handed out, so memory is bounded by the largest message (or open multi-part
 * assembly), never by the file: at most MAX_OPEN multi-part assemblies stay open, and a
 * unit over MAX_UNIT_TRAVELLERS travellers is rejected as too large.
 *
 * Dates: DTM values are read by their format code (101 YYMMDD, 102 CCYYMMDD, 201
 * YYMMDDHHMM, 203 CCYYMMDDHHMM, 204 with seconds), or by length without one. Flight
 * times with two-digit years take the nearest century to today; a date of birth
 * (DTM+329) the latest century that is not after the flight date (PW_CENTURY_PAST);
 * document expiry (DTM+36) and issue (DTM+182) the century nearest the flight date.
 *
 * Field-level problems (an invalid date, an unknown country or gender code) leave the
 * field empty and become findings with the message reference and the segment number;
 * the traveller is screened. A traveller without a name is rejected alone. Control
 * checks are findings, never failures: CNT+42 / CNT+41 against the travellers read,
 * the UNT segment count and reference, UNE and UNZ counts and references, missing
 * trailers and multi-part parts, junk after UNZ. Each traveller is also checked for a
 * date of birth, a travel document, an expired or malformed document and a placeholder
 * name (FNU, LNU, UNKNOWN...). A receipt (PW_FINDING_MESSAGE) per message gives the
 * quality report its denominators.
 *
 * Positions. A record's source_line is the ordinal of its NAD segment in the file
 * (every segment counts, UNA included); source.first_segment / last_segment number the
 * traveller's segments inside the message as UNT counts them (UNH is 1), and
 * source.offset is the NAD's byte offset. A reject's line is the file ordinal of the
 * segment at fault (for a traveller: its NAD; for a broken message: the segment where it
 * broke) and its field that segment's tag; the reason also gives the byte offset and
 * the segment number inside the message. A finding's line is the segment number inside
 * the message, or the file ordinal for findings outside any message.
 */
#include "ingest/paxlst_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- units and the arena pool ------------------------------------------------------- */

static pw_arena *take_arena(paxlst *p)
{
    if (p->n_pool)
        return p->pool[--p->n_pool];
    return pw_arena_new(16 * 1024);
}

static void give_arena(paxlst *p, pw_arena *a)
{
    if (!a)
        return;
    pw_arena_reset(a);
    if (p->n_pool < POOL_MAX)
        p->pool[p->n_pool++] = a;
    else
        pw_arena_free(a);
}

static struct unit *unit_new(paxlst *p)
{
    pw_arena *a = take_arena(p);
    if (!a)
        return NULL;
    struct unit *u = pw_arena_alloc(a, sizeof *u);
    if (!u) {
        give_arena(p, a);
        return NULL;
    }
    u->arena = a;
    return u;
}

static void unit_free(paxlst *p, struct unit *u)
{
    if (u)
        give_arena(p, u->arena);
}

/* ---- findings outside units ------------------------------------------------------------ */

/* Emits a finding about the interchange (no flight, no message). */
static void envelope_finding(pw_reader *r, enum pw_finding_kind kind, long line, const char *seg,
                             const char *detail)
{
    paxlst *p = r->paxlst;
    /* after UNZ (junk) the finding still belongs to the last interchange's sender */
    pw_finding f = {.kind = kind,
                    .sender = p->sender,
                    .interchange_ref = p->interchange_ref,
                    .line = line,
                    .segment = seg,
                    .detail = detail};
    pw_reader_emit_finding(r, &f);
    pw_arena_reset(p->note); /* the detail was formatted there: memory stays bounded */
}

/* ---- rejecting a broken message ------------------------------------------------------- */

/* Sends the message being read to the dead-letter table (reason: why, at the segment
 * with file ordinal `ordinal` and tag `tag`), with a "rejected" finding; drops its
 * travellers. The unit goes too, unless it is a multi-part assembly with other parts. */
static void reject_message(pw_reader *r, long ordinal, const char *tag, const char *why)
{
    paxlst *p = r->paxlst;
    struct part *pt = p->part;
    struct unit *u = p->unit;
    const char *ref = pt && pt->ref ? pt->ref : "(no reference)";
    char reason[1024];
    snprintf(reason, sizeof reason, "message %s (UNH at segment %ld, byte %lld): %s; %s", ref,
             pt ? pt->unh_ordinal : 0, pt ? pt->unh_offset : 0, why,
             "the message was not screened");
    if (p->reject) {
        pw_reject rej = {.kind = "record",
                         .source = r->path,
                         .line = ordinal,
                         .field = tag,
                         .reason = reason,
                         .raw = p->raw_len ? p->raw : NULL};
        p->reject(p->reject_ctx, &rej);
    }
    pw_finding f = {.kind = PW_FINDING_REJECTED,
                    .sender = pt ? pt->sender : p->sender,
                    .interchange_ref = pt ? pt->interchange_ref : p->interchange_ref,
                    .message_ref = pt ? pt->ref : NULL,
                    .line = !pt           ? ordinal
                            : p->skipping ? p->skip_seg
                                          : pt->segments,
                    .segment = tag,
                    .detail = reason};
    if (pt && pt->n_legs) { /* the flight, when the message got that far */
        const struct leg *l = &pt->legs[pt->n_legs - 1];
        for (size_t i = 0; i < pt->n_legs; i++)
            if (pt->legs[i].reported)
                l = &pt->legs[i];
        f.carrier = l->carrier;
        f.flight_number = l->number;
        f.departure = l->departure;
    }
    pw_reader_emit_finding(r, &f);
    pw_finding receipt = f;
    receipt.kind = PW_FINDING_MESSAGE;
    receipt.detail = "message received and rejected";
    receipt.count = 0;
    receipt.line = 1;
    receipt.segment = "UNH";
    pw_reader_emit_finding(r, &receipt);

    if (u && !pt && !u->multipart)
        unit_free(p, u);
    if (u && pt) {
        /* take the part out of its unit */
        struct part **pp = &u->parts;
        while (*pp && *pp != pt)
            pp = &(*pp)->next;
        if (*pp) {
            *pp = pt->next;
            if (u->parts_tail == pt) {
                u->parts_tail = NULL;
                for (struct part *q = u->parts; q; q = q->next)
                    u->parts_tail = q;
            }
            u->n_parts--;
            u->n_pax -= pt->n_pax;
        }
        if (u->n_parts == 0) {
            /* nothing left: an assembly is removed from the open list */
            struct unit **up = &p->open;
            while (*up && *up != u)
                up = &(*up)->next;
            if (*up) {
                *up = u->next;
                p->n_open--;
            }
            unit_free(p, u);
        }
    }
    p->unit = NULL;
    p->part = NULL;
    p->pax = NULL;
    p->doc = NULL;
    p->skipping = false;
    p->raw_len = 0;
}

/* ---- the reader --------------------------------------------------------------------- */

int pw_paxlst_open(pw_reader *r, pw_error *err)
{
    paxlst *p = calloc(1, sizeof *p);
    if (!p)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    r->paxlst = p;
    r->canonical = true; /* records are built in normalised form (see emit) */
    p->edi = pw_edi_new(r->fp);
    p->env = pw_arena_new(4096);
    p->note = pw_arena_new(4096);
    p->grp = pw_arena_new(1024);
    if (!p->edi || !p->env || !p->note || !p->grp)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    return 0;
}

static void free_units(paxlst *p, struct unit *u)
{
    while (u) {
        struct unit *next = u->next;
        unit_free(p, u);
        u = next;
    }
}

void pw_paxlst_close(pw_reader *r)
{
    paxlst *p = r->paxlst;
    if (!p)
        return;
    if (p->unit && !p->unit->multipart)
        unit_free(p, p->unit);
    free_units(p, p->open);
    free_units(p, p->ready);
    for (size_t i = 0; i < p->n_pool; i++)
        pw_arena_free(p->pool[i]);
    pw_arena_free(p->env);
    pw_arena_free(p->note);
    pw_arena_free(p->grp);
    pw_edi_free(p->edi);
    free(p);
    r->paxlst = NULL;
}

/* Keeps the message's first bytes for a dead letter. */
static void keep_raw(paxlst *p, const char *raw, size_t n)
{
    size_t room = MSG_RAW_MAX - p->raw_len;
    if (room == 0 || !raw)
        return;
    if (n > room)
        n = pw_utf8_cut(raw, n, room);
    memcpy(p->raw + p->raw_len, raw, n);
    p->raw_len += n;
    p->raw[p->raw_len] = '\0';
}

/* ---- completing units ---------------------------------------------------------------- */

/* Resolves each part's flight: the reported leg (LOC+125/87) or else the last one, with
 * all legs when there are several; a part without TDT takes the first part's flight. */
static void resolve_flights(struct unit *u)
{
    const struct part *with = NULL;
    for (struct part *pt = u->parts; pt; pt = pt->next) {
        memset(&pt->flight, 0, sizeof pt->flight);
        if (pt->n_legs == 0)
            continue;
        const struct leg *main = &pt->legs[pt->n_legs - 1];
        for (size_t i = 0; i < pt->n_legs; i++)
            if (pt->legs[i].reported)
                main = &pt->legs[i];
        pt->flight = (pw_flight){.carrier = main->carrier,
                                 .number = main->number,
                                 .origin = main->origin,
                                 .destination = main->destination,
                                 .departure = main->departure,
                                 .arrival = main->arrival};
        if (pt->n_legs > 1) {
            pw_flight *legs = pw_arena_alloc(u->arena, pt->n_legs * sizeof *legs);
            if (legs) {
                for (size_t i = 0; i < pt->n_legs; i++)
                    legs[i] = (pw_flight){.carrier = pt->legs[i].carrier,
                                          .number = pt->legs[i].number,
                                          .origin = pt->legs[i].origin,
                                          .destination = pt->legs[i].destination,
                                          .departure = pt->legs[i].departure,
                                          .arrival = pt->legs[i].arrival};
                pt->flight.legs = legs;
                pt->flight.n_legs = pt->n_legs;
            }
        }
        if (!with)
            with = pt;
    }
    for (struct part *pt = u->parts; pt && with; pt = pt->next)
        if (pt->n_legs == 0)
            pt->flight = with->flight;
}

/* A finding about part pt of u, with its flight. */
static pw_finding part_finding(const struct part *pt, enum pw_finding_kind kind)
{
    return (pw_finding){.kind = kind,
                        .format = "paxlst",
                        .sender = pt->sender ? pt->sender : pt->flight.carrier,
                        .interchange_ref = pt->interchange_ref,
                        .message_ref = pt->ref,
                        .carrier = pt->flight.carrier,
                        .flight_number = pt->flight.number,
                        .departure = pt->flight.departure};
}

/* Appends "a-b" or "a" ranges of the missing sequence numbers to buf. */
static void missing_parts(const unsigned char *seen, int last, char *buf, size_t size)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 1; i <= last && k + 16 < size; i++) {
        if (seen[i])
            continue;
        int j = i;
        while (j + 1 <= last && !seen[j + 1])
            j++;
        k += (size_t)snprintf(buf + k, size - k, "%s%d", k ? ", " : "", i);
        if (j > i)
            k += (size_t)snprintf(buf + k, size - k, "-%d", j);
        i = j;
    }
}

/* Makes pt's shared record: what every record of the part has in common (the flight
 * with its legs, the provenance), its strings packed into one run of the unit's arena
 * (pt->shared) when they fit, so that emit copies them with one memcpy. Out of memory
 * leaves them where they are, copied string by string. */
static void share_part(struct unit *u, struct part *pt)
{
    pw_record *rec = &pt->shared_record;
    memset(rec, 0, sizeof *rec);
    rec->flight = pt->flight;
    rec->source = (pw_provenance){.format = "paxlst",
                                  .sender = pt->sender,
                                  .recipient = pt->recipient,
                                  .interchange_ref = pt->interchange_ref,
                                  .group_ref = pt->group_ref,
                                  .message_ref = pt->ref,
                                  .part = pt->part_label,
                                  .reporting_party = pt->reporting_party,
                                  .document_code = pt->doc_code,
                                  .document_type = pt->has_bgm ? pt->doc_type : "passenger_list",
                                  .document_status = pt->doc_status,
                                  .document_action = pt->doc_action};
    pw_record packed = *rec;
    if (pw_reader_copy_record(&packed, u->arena, NULL, 0, &pt->shared) == 0)
        *rec = packed;
    else
        pt->shared = (pw_span){NULL, 0};
}

/* Runs the checks of a complete unit (multi-part completeness, CNT control totals,
 * missing BGM / TDT), emits its message-level findings and receipts, and queues it for
 * emission. `complete` is false when the input ended before the final part. */
static void complete_unit(pw_reader *r, struct unit *u, bool complete)
{
    paxlst *p = r->paxlst;
    resolve_flights(u);
    for (struct part *pt = u->parts; pt; pt = pt->next) {
        pt->doc_ref = pwp_time_date(pt->flight.departure);
        if (!pw_date_is_set(pt->doc_ref))
            pt->doc_ref = pwp_time_date(pt->flight.arrival);
        if (!pw_date_is_set(pt->doc_ref))
            pt->doc_ref = r->today;
        share_part(u, pt);
    }
    struct part *first = u->parts;
    if (!first) {
        unit_free(p, u);
        return;
    }
    struct part *last = u->parts_tail;
    pw_arena *a = u->arena;
    u->n_findings = 0; /* the cap is for findings made while reading segments: the few
                          checks below are always kept */

    if (u->multipart) {
        unsigned char seen[MAX_PARTS + 2];
        memset(seen, 0, sizeof seen);
        int top = 0, dups = 0;
        for (struct part *pt = u->parts; pt; pt = pt->next) {
            if (pt->seq >= 1 && pt->seq <= MAX_PARTS) {
                dups += seen[pt->seq];
                seen[pt->seq] = 1;
                if (pt->seq > top)
                    top = pt->seq;
            }
        }
        char gaps[256];
        missing_parts(seen, top, gaps, sizeof gaps);
        const char *access = first->access_ref ? first->access_ref : "(none)";
        if (!complete)
            pwp_unit_finding(u, PW_FINDING_CONTROL_MISMATCH, 1, "UNH",
                             pw_arena_printf(a,
                                             "multi-part message %s: the final part (F) never "
                                             "arrived; read parts up to %d%s%s",
                                             access, top, gaps[0] ? ", missing " : "", gaps));
        else if (gaps[0])
            pwp_unit_finding(u, PW_FINDING_CONTROL_MISMATCH, 1, "UNH",
                             pw_arena_printf(a, "multi-part message %s: part%s %s of %d missing",
                                             access, strpbrk(gaps, ",-") ? "s" : "", gaps, top));
        if (dups)
            pwp_unit_finding(u, PW_FINDING_CONTROL_MISMATCH, 1, "UNH",
                             pw_arena_printf(a, "multi-part message %s: %d part%s sent twice",
                                             access, dups, dups == 1 ? "" : "s"));
    }

    /* control totals: the last CNT of the unit against every traveller of it */
    long cnt42 = -1, cnt41 = -1, seg42 = 0, seg41 = 0, passengers = 0, crew = 0;
    for (struct part *pt = u->parts; pt; pt = pt->next) {
        if (pt->cnt42 >= 0) {
            cnt42 = pt->cnt42;
            seg42 = pt->cnt_seg;
        }
        if (pt->cnt41 >= 0) {
            cnt41 = pt->cnt41;
            seg41 = pt->cnt_seg;
        }
        passengers += pt->n_passengers;
        crew += pt->n_crew;
    }
    const char *why_short = u->multipart && (!complete || u->n_parts < (size_t)last->seq)
                                ? " (parts of the message are missing)"
                                : "";
    if (cnt42 >= 0 && cnt42 != passengers)
        pwp_unit_finding(u, PW_FINDING_COUNT_MISMATCH, seg42, "CNT",
                         pw_arena_printf(a, "CNT+42 gives %ld passengers, the message has %ld%s",
                                         cnt42, passengers, why_short));
    if (cnt41 >= 0 && cnt41 != crew)
        pwp_unit_finding(u, PW_FINDING_COUNT_MISMATCH, seg41, "CNT",
                         pw_arena_printf(a, "CNT+41 gives %ld crew members, the message has %ld%s",
                                         cnt41, crew, why_short));
    if (cnt42 < 0 && cnt41 < 0)
        pwp_unit_finding(u, PW_FINDING_STRUCTURE, last->segments, "UNT",
                         "no CNT+42 or CNT+41 control total");
    if (!first->has_bgm)
        pwp_unit_finding(u, PW_FINDING_STRUCTURE, 2, "BGM", "no BGM: read as a passenger list");
    if (first->flight.carrier == NULL && first->flight.number == NULL)
        pwp_unit_finding(u, PW_FINDING_STRUCTURE, 2, "TDT", "no TDT: the flight is unknown");

    /* the queued findings belong to the part named in them, else to the first part */
    for (struct mfinding *m = u->findings; m; m = m->next) {
        const struct part *pt = first;
        for (struct part *q = u->parts; q && m->message_ref; q = q->next)
            if (q->ref && strcmp(q->ref, m->message_ref) == 0)
                pt = q;
        pw_finding f = part_finding(pt, m->kind);
        f.line = m->line;
        f.segment = m->segment;
        f.detail = m->detail;
        pw_reader_emit_finding(r, &f);
    }
    for (struct part *pt = u->parts; pt; pt = pt->next) {
        pw_finding f = part_finding(pt, PW_FINDING_MESSAGE);
        f.line = 1;
        f.segment = "UNH";
        f.count = pt->n_pax;
        f.detail = pt->part_label ? pw_arena_printf(a, "message part %s received", pt->part_label)
                                  : "message received";
        if (!f.detail)
            f.detail = "message received";
        pw_reader_emit_finding(r, &f);
    }

    u->cur_part = u->parts;
    u->cur_pax = u->parts ? u->parts->pax_head : NULL;
    u->next = NULL;
    if (p->ready_tail)
        p->ready_tail->next = u;
    else
        p->ready = u;
    p->ready_tail = u;
}

/* Takes u off the open list. */
static void unlink_open(paxlst *p, struct unit *u)
{
    struct unit **up = &p->open;
    while (*up && *up != u)
        up = &(*up)->next;
    if (*up) {
        *up = u->next;
        p->n_open--;
    }
}

/* ---- envelope segments ---------------------------------------------------------------- */

/* Ends the interchange at the end of the input or at a UNB without UNZ. */
static void end_interchange_without_unz(pw_reader *r, long ordinal)
{
    paxlst *p = r->paxlst;
    if (!p->in_interchange)
        return;
    if (p->in_group)
        envelope_finding(r, PW_FINDING_CONTROL_MISMATCH, ordinal, "UNE",
                         pw_arena_printf(p->note, "group %s has no UNE trailer",
                                         p->group_ref ? p->group_ref : "(no reference)"));
    envelope_finding(r, PW_FINDING_CONTROL_MISMATCH, ordinal, "UNZ",
                     pw_arena_printf(p->note, "interchange %s has no UNZ trailer",
                                     p->interchange_ref ? p->interchange_ref : "(no reference)"));
    p->in_interchange = false;
    p->in_group = false;
}

static void on_unb(pw_reader *r, const pw_edi_segment *s)
{
    paxlst *p = r->paxlst;
    end_interchange_without_unz(r, s->ordinal);
    pw_arena_reset(p->env);
    p->in_interchange = true;
    p->seen_interchange = true;
    p->sender = pwp_dup_trim(p->env, pw_edi_value(s, 2, 1));
    p->recipient = pwp_dup_trim(p->env, pw_edi_value(s, 3, 1));
    p->interchange_ref = pwp_dup_trim(p->env, pw_edi_value(s, 5, 1));
    p->ic_messages = p->ic_groups = 0;
    p->ic_ordinal = s->ordinal;
    p->in_group = false;
    p->group_ref = NULL;
}

static void on_ung(pw_reader *r, const pw_edi_segment *s)
{
    paxlst *p = r->paxlst;
    if (p->in_group)
        envelope_finding(r, PW_FINDING_CONTROL_MISMATCH, s->ordinal, "UNE",
                         pw_arena_printf(p->note, "group %s has no UNE trailer",
                                         p->group_ref ? p->group_ref : "(no reference)"));
    if (!p->in_interchange)
        envelope_finding(r, PW_FINDING_STRUCTURE, s->ordinal, "UNG", "UNG outside an interchange");
    p->in_group = true;
    pw_arena_reset(p->grp);
    p->group_ref = pwp_dup_trim(p->grp, pw_edi_value(s, 5, 1));
    p->grp_messages = 0;
    p->ic_groups++;
}

/* Compares a trailer's count and reference with what was read. */
static void check_trailer(pw_reader *r, const pw_edi_segment *s, const char *what, long counted,
                          const char *ref)
{
    paxlst *p = r->paxlst;
    long n = pwp_count(pw_edi_value(s, 1, 1));
    const char *tref = pw_edi_value(s, 2, 1);
    if (n < 0)
        envelope_finding(r, PW_FINDING_CONTROL_MISMATCH, s->ordinal, s->tag,
                         pw_arena_printf(p->note, "%s count %s is not a number; %ld %s read",
                                         s->tag, pwp_quote(p->note, pw_edi_value(s, 1, 1)), counted,
                                         what));
    else if (n != counted)
        envelope_finding(
            r, PW_FINDING_CONTROL_MISMATCH, s->ordinal, s->tag,
            pw_arena_printf(p->note, "%s gives %ld %s, %ld read", s->tag, n, what, counted));
    if (!ref || strcmp(ref, tref) != 0)
        envelope_finding(r, PW_FINDING_CONTROL_MISMATCH, s->ordinal, s->tag,
                         pw_arena_printf(p->note, "%s reference '%s' differs from %s '%s'", s->tag,
                                         tref, strcmp(s->tag, "UNE") == 0 ? "UNG" : "UNB",
                                         ref ? ref : ""));
}

static void on_une(pw_reader *r, const pw_edi_segment *s)
{
    paxlst *p = r->paxlst;
    if (!p->in_group) {
        envelope_finding(r, PW_FINDING_STRUCTURE, s->ordinal, "UNE", "UNE without a UNG");
        return;
    }
    check_trailer(r, s, "messages", p->grp_messages, p->group_ref);
    p->in_group = false;
}

static void on_unz(pw_reader *r, const pw_edi_segment *s)
{
    paxlst *p = r->paxlst;
    if (!p->in_interchange) {
        envelope_finding(r, PW_FINDING_STRUCTURE, s->ordinal, "UNZ", "UNZ without a UNB");
        return;
    }
    if (p->in_group)
        envelope_finding(r, PW_FINDING_CONTROL_MISMATCH, s->ordinal, "UNE",
                         pw_arena_printf(p->note, "group %s has no UNE trailer",
                                         p->group_ref ? p->group_ref : "(no reference)"));
    check_trailer(r, s, p->ic_groups ? "groups" : "messages",
                  p->ic_groups ? p->ic_groups : p->ic_messages, p->interchange_ref);
    p->in_interchange = false;
    p->in_group = false;
}

/* Starts a message at UNH. */
static void on_unh(pw_reader *r, const pw_edi_segment *s)
{
    paxlst *p = r->paxlst;
    if (!p->in_interchange)
        envelope_finding(r, PW_FINDING_STRUCTURE, s->ordinal, "UNH",
                         "UNH outside an interchange (no UNB)");
    p->ic_messages++;
    if (p->in_group)
        p->grp_messages++;

    /* multi-part? S010: sequence number : first/last indicator */
    size_t sn, fn;
    const char *seq = pwp_trimmed(pw_edi_value(s, 4, 1), &sn);
    const char *flag = pwp_trimmed(pw_edi_value(s, 4, 2), &fn);
    int seq_no = pwp_all_digits(seq, sn) && sn <= 4 ? pwp_num(seq, sn) : 0;
    bool multipart = fn == 1 && (flag[0] == 'C' || (flag[0] == 'F' && seq_no != 1));
    bool final = fn == 1 && flag[0] == 'F';
    size_t an;
    const char *access = pwp_trimmed(pw_edi_value(s, 3, 1), &an);

    struct unit *u = NULL;
    if (multipart) {
        char key[256];
        snprintf(key, sizeof key, "%s\x1f%s\x1f%.*s", p->sender ? p->sender : "",
                 p->recipient ? p->recipient : "", (int)an, access);
        for (struct unit *o = p->open; o; o = o->next)
            if (strcmp(o->key, key) == 0)
                u = o;
        if (!u) {
            if (p->n_open >= MAX_OPEN) { /* the oldest assembly gives up waiting */
                struct unit *old = p->open;
                unlink_open(p, old);
                complete_unit(r, old, false);
            }
            u = unit_new(p);
            if (u) {
                u->multipart = true;
                u->key = pw_arena_strdup(u->arena, key);
                u->next = p->open;
                p->open = u;
                p->n_open++;
            }
        }
    } else {
        u = unit_new(p);
    }
    p->unit = u;
    p->part = NULL;
    p->pax = NULL;
    p->doc = NULL;
    p->ctx = CTX_HEADER;
    p->cur_leg = -1;
    p->last_loc = 0;
    p->skipping = false;
    p->raw_len = 0;
    keep_raw(p, s->raw, s->raw_len);
    if (!u)
        return; /* out of memory: the message is skipped */
    pw_arena *a = u->arena;
    struct part *pt = pw_arena_alloc(a, sizeof *pt);
    if (!pt) {
        p->unit = NULL;
        return;
    }
    pt->ref = pwp_dup_trim(a, pw_edi_value(s, 1, 1));
    pt->access_ref = an ? pw_arena_strndup(a, access, an) : NULL;
    pt->seq = multipart ? seq_no : 0;
    pt->final = final;
    pt->part_label = multipart ? pw_arena_printf(a, "%d:%c", seq_no, final ? 'F' : 'C') : NULL;
    pt->sender = p->sender ? pw_arena_strdup(a, p->sender) : NULL;
    pt->recipient = p->recipient ? pw_arena_strdup(a, p->recipient) : NULL;
    pt->interchange_ref = p->interchange_ref ? pw_arena_strdup(a, p->interchange_ref) : NULL;
    pt->group_ref = p->in_group && p->group_ref ? pw_arena_strdup(a, p->group_ref) : NULL;
    pt->cnt42 = pt->cnt41 = -1;
    pt->segments = 1;
    pt->unh_ordinal = s->ordinal;
    pt->unh_offset = s->offset;
    p->part = pt;
    if (u->parts_tail)
        u->parts_tail->next = pt;
    else
        u->parts = pt;
    u->parts_tail = pt;
    u->n_parts++;

    const char *type = pw_edi_value(s, 2, 1);
    if (!pwp_is(type, "PAXLST")) {
        p->skipping = true;
        p->skip_ordinal = s->ordinal;
        p->skip_seg = 1;
        p->skip_tag = "UNH";
        p->skip_reason = pw_arena_printf(
            a, "message type %s is not PAXLST (UNH element 2): expected PAXLST:D:02B or D:05B",
            pwp_quote(a, type));
    } else if (multipart && (seq_no < 1 || seq_no > MAX_PARTS)) {
        p->skipping = true;
        p->skip_ordinal = s->ordinal;
        p->skip_seg = 1;
        p->skip_tag = "UNH";
        p->skip_reason = pw_arena_printf(a, "multi-part sequence number %s: expected 1 to %d",
                                         pwp_quote(a, seq), MAX_PARTS);
    }
}

/* UNT: checks the segment count and reference; the message is complete. */
static void on_unt(pw_reader *r, const pw_edi_segment *s)
{
    paxlst *p = r->paxlst;
    struct unit *u = p->unit;
    struct part *pt = p->part;
    if (p->skipping) {
        reject_message(r, p->skip_ordinal, p->skip_tag, p->skip_reason);
        return;
    }
    pw_arena *a = u->arena;
    long n = pwp_count(pw_edi_value(s, 1, 1));
    const char *ref = pw_edi_value(s, 2, 1);
    if (n != pt->segments) {
        struct mfinding *before = u->findings_tail;
        pwp_unit_finding(u, PW_FINDING_CONTROL_MISMATCH, pt->segments, "UNT",
                         n < 0 ? pw_arena_printf(a,
                                                 "UNT segment count %s is not a number; the "
                                                 "message has %ld segments",
                                                 pwp_quote(a, pw_edi_value(s, 1, 1)), pt->segments)
                               : pw_arena_printf(a, "UNT gives %ld segments, the message has %ld",
                                                 n, pt->segments));
        if (u->findings_tail != before)
            u->findings_tail->message_ref = pt->ref;
    }
    if (!pt->ref || strcmp(ref, pt->ref) != 0) {
        struct mfinding *before = u->findings_tail;
        pwp_unit_finding(u, PW_FINDING_CONTROL_MISMATCH, pt->segments, "UNT",
                         pw_arena_printf(a, "UNT reference %s differs from UNH reference %s",
                                         pwp_quote(a, ref), pwp_quote(a, pt->ref ? pt->ref : "")));
        if (u->findings_tail != before)
            u->findings_tail->message_ref = pt->ref;
    }
    p->unit = NULL;
    p->part = NULL;
    p->pax = NULL;
    p->doc = NULL;
    p->raw_len = 0;
    if (!u->multipart) {
        complete_unit(r, u, true);
    } else if (pt->final) {
        unlink_open(p, u);
        complete_unit(r, u, true);
    }
}

/* Ends a message that breaks off: at a segment that cannot be inside it (UNB, UNG, UNE,
 * UNZ, UNH) or at the end of the input. When a syntax error broke the message before,
 * that first error is the reason given. */
static void broken(pw_reader *r, long ordinal, const char *tag, const char *why)
{
    paxlst *p = r->paxlst;
    if (!p->unit) {
        p->part = NULL;
        return;
    }
    if (p->skipping)
        reject_message(r, p->skip_ordinal, p->skip_tag, p->skip_reason);
    else
        reject_message(r, ordinal, tag, why);
}

/* A syntax error inside a message: the message is broken, and its remaining segments are
 * skipped up to its UNT (or whatever ends it), where it goes to the dead-letter table
 * with this first error as the reason. */
static void break_message(pw_reader *r, long ordinal, const char *tag, const char *why)
{
    paxlst *p = r->paxlst;
    if (p->skipping || !p->unit)
        return;
    pw_arena *a = p->unit->arena;
    p->skipping = true;
    p->skip_ordinal = ordinal;
    p->skip_seg = p->part ? p->part->segments : 0;
    p->skip_tag = tag ? pw_arena_strdup(a, tag) : NULL;
    p->skip_reason = pw_arena_strdup(a, why);
    if (!p->skip_reason)
        p->skip_reason = "syntax error";
}

/* Handles one segment. */
static void on_segment(pw_reader *r, const pw_edi_segment *s)
{
    paxlst *p = r->paxlst;
    uint32_t tag = pw_edi_tag(s);
    bool in_msg = p->unit != NULL || p->part != NULL;
    if (in_msg) {
        if (p->part)
            p->part->segments++;
        if (p->raw_len < MSG_RAW_MAX) /* the first bytes only */
            keep_raw(p, s->raw, s->raw_len);
    }
    switch (tag) {
    case PW_EDI_TAG('U', 'N', 'A'):
        if (in_msg)
            broken(r, s->ordinal, "UNA",
                   "a UNA inside the message: expected UNT before a new interchange");
        return;
    case PW_EDI_TAG('U', 'N', 'B'):
    case PW_EDI_TAG('U', 'N', 'G'):
    case PW_EDI_TAG('U', 'N', 'E'):
    case PW_EDI_TAG('U', 'N', 'Z'):
    case PW_EDI_TAG('U', 'N', 'H'):
        if (in_msg) {
            char why[128];
            snprintf(why, sizeof why, "%s at segment %ld of the message: expected UNT first",
                     s->tag, p->part ? p->part->segments : 0L);
            broken(r, s->ordinal, s->tag, why);
        }
        if (tag == PW_EDI_TAG('U', 'N', 'B'))
            on_unb(r, s);
        else if (tag == PW_EDI_TAG('U', 'N', 'G'))
            on_ung(r, s);
        else if (tag == PW_EDI_TAG('U', 'N', 'E'))
            on_une(r, s);
        else if (tag == PW_EDI_TAG('U', 'N', 'Z'))
            on_unz(r, s);
        else
            on_unh(r, s);
        return;
    case PW_EDI_TAG('U', 'N', 'T'):
        if (!in_msg) {
            envelope_finding(r, PW_FINDING_STRUCTURE, s->ordinal, "UNT",
                             "UNT without a UNH: ignored");
            return;
        }
        if (!p->part) { /* out of memory at UNH */
            if (p->unit && !p->unit->multipart)
                unit_free(p, p->unit);
            p->unit = NULL;
            return;
        }
        on_unt(r, s);
        return;
    default:
        break;
    }
    if (!in_msg) {
        envelope_finding(r, PW_FINDING_STRUCTURE, s->ordinal, s->tag,
                         pw_arena_printf(p->note,
                                         "segment %s outside a message (UNH..UNT): "
                                         "ignored",
                                         s->tag));
        return;
    }
    if (!p->part || p->skipping)
        return;
    pwp_message_segment(r, s);
}

/* The end of the input: a message still open is broken; assemblies still waiting are
 * completed as they are; an interchange without UNZ is reported. */
static void at_end(pw_reader *r, long long offset, long ordinal)
{
    paxlst *p = r->paxlst;
    if (p->unit || p->part) {
        char why[160];
        snprintf(why, sizeof why, "the input ends at byte %lld inside the message: expected UNT",
                 offset);
        broken(r, ordinal, "UNT", why);
    }
    while (p->open) {
        struct unit *u = p->open;
        unlink_open(p, u);
        complete_unit(r, u, false);
    }
    end_interchange_without_unz(r, ordinal + 1);
    if (!p->seen_interchange && p->reject) {
        pw_reject rej = {.kind = "record",
                         .source = r->path,
                         .line = 0,
                         .field = "UNB",
                         .reason = "not a UN/EDIFACT interchange: no UNB interchange header "
                                   "found (expected UNA or UNB)"};
        p->reject(p->reject_ctx, &rej);
    }
    p->done = true;
}

/* A message whose UNH could not be read: its segments are skipped up to UNT, and then
 * it goes to the dead-letter table with the syntax error as the reason. */
static void start_broken_message(pw_reader *r, const pw_edi_error *perr, const char *why)
{
    paxlst *p = r->paxlst;
    p->ic_messages++;
    if (p->in_group)
        p->grp_messages++;
    struct unit *u = unit_new(p);
    if (!u)
        return;
    struct part *pt = pw_arena_alloc(u->arena, sizeof *pt);
    if (!pt) {
        unit_free(p, u);
        return;
    }
    pt->sender = p->sender ? pw_arena_strdup(u->arena, p->sender) : NULL;
    pt->interchange_ref = p->interchange_ref ? pw_arena_strdup(u->arena, p->interchange_ref) : NULL;
    pt->cnt42 = pt->cnt41 = -1;
    pt->segments = 1;
    pt->unh_ordinal = perr->ordinal;
    pt->unh_offset = perr->offset;
    u->parts = u->parts_tail = pt;
    u->n_parts = 1;
    p->unit = u;
    p->part = pt;
    p->pax = NULL;
    p->doc = NULL;
    p->raw_len = 0;
    keep_raw(p, perr->raw, perr->raw_len);
    p->skipping = true;
    p->skip_ordinal = perr->ordinal;
    p->skip_seg = 1;
    p->skip_tag = "UNH";
    p->skip_reason = pw_arena_strdup(u->arena, why);
    if (!p->skip_reason)
        p->skip_reason = "the UNH segment cannot be read";
}

/* Reads events until a unit is ready or the input ends. */
static int advance(pw_reader *r, pw_error *err)
{
    paxlst *p = r->paxlst;
    pw_edi_segment seg;
    pw_edi_error perr;
    pw_edi_junk junk;
    while (!p->ready && !p->done) {
        int ev = pw_edi_next(p->edi, &seg, &perr, &junk, err);
        if (ev < 0) {
            if (err) {
                snprintf(err->file, sizeof err->file, "%s", r->path);
                err->line = 0;
            }
            return ev;
        }
        switch (ev) {
        case PW_EDI_END:
            at_end(r, pw_edi_position(p->edi), p->last_ordinal);
            break;
        case PW_EDI_SEGMENT:
            p->last_ordinal = seg.ordinal;
            on_segment(r, &seg);
            break;
        case PW_EDI_JUNK: {
            char detail[160];
            char shown[SAMPLE_MAX + 1];
            snprintf(shown, sizeof shown, "%.*s", SAMPLE_MAX, junk.sample);
            snprintf(detail, sizeof detail,
                     "%lld byte%s that are not EDIFACT %s (at byte %lld, line %ld, starting "
                     "'%s'): ignored",
                     junk.length, junk.length == 1 ? "" : "s",
                     junk.after_unz ? "after UNZ" : "before the first UNB", junk.offset, junk.line,
                     shown);
            envelope_finding(r, PW_FINDING_STRUCTURE, 0, NULL, detail);
            break;
        }
        case PW_EDI_ERROR: {
            p->last_ordinal = perr.ordinal;
            char why[512];
            long in_msg_seg = p->part ? p->part->segments + 1 : 0;
            if (p->part)
                p->part->segments++;
            if (in_msg_seg)
                snprintf(why, sizeof why,
                         "syntax error at byte %lld, segment %ld of the input (%ld of the "
                         "message)%s%s: %s",
                         perr.offset, perr.ordinal, in_msg_seg, perr.tag[0] ? ", " : "", perr.tag,
                         perr.msg);
            else
                snprintf(why, sizeof why, "syntax error at byte %lld, segment %ld%s%s: %s",
                         perr.offset, perr.ordinal, perr.tag[0] ? ", " : "", perr.tag, perr.msg);
            if (p->unit || p->part) {
                keep_raw(p, perr.raw, perr.raw_len);
                break_message(r, perr.ordinal, perr.tag[0] ? perr.tag : NULL, why);
            } else if (strncmp(perr.tag, "UNH", 3) == 0) {
                /* a message whose UNH cannot be read: skip it whole, to its UNT */
                start_broken_message(r, &perr, why);
            } else {
                envelope_finding(r, PW_FINDING_STRUCTURE, perr.ordinal,
                                 perr.tag[0] ? perr.tag : NULL, why);
            }
            break;
        }
        default:
            break;
        }
    }
    return 0;
}

/* ---- emitting travellers ---------------------------------------------------------------- */

static bool placeholder(const char *s)
{
    static const struct {
        const char *word;
        size_t n;
    } words[] = {{"FNU", 3},  {"LNU", 3},     {"NFN", 3},    {"NLN", 3},  {"UNK", 3},
                 {"UNKN", 4}, {"UNKNOWN", 7}, {"NONAME", 6}, {"NONE", 4}, {"XX", 2},
                 {"XXX", 3},  {"XXXX", 4},    {"TBA", 3},    {"TBN", 3}};
    if (!s)
        return false;
    /* any of the name's words */
    const char *w = s;
    while (*w) {
        while (*w == ' ')
            w++;
        const char *e = w;
        while (*e && *e != ' ')
            e++;
        size_t n = (size_t)(e - w);
        char c = (char)(*w & ~0x20); /* placeholders start with F L N T U X: skip the rest */
        bool may = n >= 2 && n <= 7 &&
                   (c == 'F' || c == 'L' || c == 'N' || c == 'T' || c == 'U' || c == 'X');
        for (size_t i = 0; may && i < sizeof words / sizeof words[0]; i++)
            if (words[i].n == n && strncasecmp(words[i].word, w, n) == 0)
                return true;
        w = e;
    }
    return false;
}

/* A document number is well formed when it is 1 to 25 letters and digits (what an MRZ can
 * hold); a document type when it is 1 to 3 capital letters. */
static bool number_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 25)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

static bool type_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 3)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 'A' || s[i] > 'Z')
            return false;
    return true;
}

/* The checks of a traveller who was screened: date of birth, documents (present, well
 * formed, valid on the flight date), placeholder names. */
static void traveller_checks(pw_reader *r, const struct pax *x, const pw_record *rec)
{
    const struct part *pt = x->part;
    pw_finding base = part_finding(pt, PW_FINDING_MISSING_DOB);
    base.carrier = rec->flight.carrier;
    base.flight_number = rec->flight.number;
    base.departure = rec->flight.departure;
    base.record_id = rec->record_id;
    base.line = x->first_seg;
    base.segment = "NAD";
    const pw_traveller *t = &rec->traveller;
    bool bad_dob = false, malformed = false;
    for (const struct issue *i = x->issues; i; i = i->next)
        if (i->is.field && strcmp(i->is.field, "traveller.dob") == 0)
            bad_dob = true;
    if (!x->dob_given && !bad_dob) {
        pw_finding f = base;
        f.field = "traveller.dob";
        f.detail = "no date of birth (DTM+329)";
        pw_reader_emit_finding(r, &f);
    }
    pw_date ref = pt->doc_ref;
    int k = 0;
    for (const struct doc *d = x->docs; d; d = d->next) {
        k++;
        pw_finding f = base;
        f.kind = PW_FINDING_MALFORMED_DOCUMENT;
        f.line = d->seg;
        f.segment = "DOC";
        f.field = "traveller.documents";
        char detail[200];
        if (!d->d.number) {
            malformed = true; /* reported when it was left out (emit) */
            continue;
        }
        if (!number_ok(d->d.number)) {
            snprintf(detail, sizeof detail,
                     "document %d: the number is not 1 to 25 letters and digits", k);
        } else if (d->d.type && !type_ok(d->d.type)) {
            snprintf(detail, sizeof detail,
                     "document %d: the type is not a document code (1 to 3 capital letters)", k);
        } else {
            detail[0] = '\0';
        }
        if (detail[0]) {
            malformed = true;
            f.detail = detail;
            pw_reader_emit_finding(r, &f);
        }
        if (d->d.number && pw_date_is_set(d->d.expiry) && pw_date_compare(d->d.expiry, ref) < 0) {
            char exp[11], when[11];
            pw_date_format(d->d.expiry, exp);
            pw_date_format(ref, when);
            snprintf(detail, sizeof detail,
                     "document %d (%s) expired on %s, before the flight on %s", k,
                     d->d.type ? d->d.type : "no type", exp, when);
            f.kind = PW_FINDING_EXPIRED_DOCUMENT;
            f.detail = detail;
            pw_reader_emit_finding(r, &f);
        }
    }
    if (t->n_documents == 0 && !malformed) {
        pw_finding f = base;
        f.kind = PW_FINDING_MISSING_DOCUMENT;
        f.field = "traveller.documents";
        f.detail = "no travel document (DOC)";
        pw_reader_emit_finding(r, &f);
    }
    if (placeholder(t->surname) || placeholder(t->given_names)) {
        pw_finding f = base;
        f.kind = PW_FINDING_PLACEHOLDER_NAME;
        f.field = placeholder(t->surname) ? "traveller.surname" : "traveller.given_names";
        f.detail = placeholder(t->surname) ? "a placeholder (FNU, LNU, UNKNOWN...) as the surname"
                                           : "a placeholder (FNU, UNKNOWN...) as a given name";
        pw_reader_emit_finding(r, &f);
    }
}

/* Builds, normalises and hands out traveller x of unit u. Returns 1 with a record, 0
 * when the traveller was rejected, PW_ENOMEM. */
static int emit(pw_reader *r, struct pax *x, pw_arena *arena, pw_record *out, pw_error *err)
{
    paxlst *p = r->paxlst;
    const struct part *pt = x->part;
    pw_reader_begin_record(r);
    pw_record rec = pt->shared_record;
    pw_traveller *t = &rec.traveller;
    t->role = x->role;
    t->surname = x->surname;
    t->given_names = x->given;
    t->gender = x->gender;
    t->dob = x->dob;
    t->nationality = x->nationality;
    t->residence = x->residence;
    t->birth_place = x->birth_place;
    t->embarkation = x->embarkation;
    t->debarkation = x->debarkation;
    t->booking_ref = x->booking_ref;
    t->passenger_ref = x->passenger_ref;
    t->seat = x->seat;
    t->clearance = x->clearance;
    if (x->n_docs) {            /* n_docs counts the DOCs sent, MAX_DOCS at most were kept */
        t->documents = p->docs; /* copied with the record */
        size_t i = 0, k = 0;
        for (const struct doc *d = x->docs; d; d = d->next) {
            k++;
            if (d->d.number) {
                t->documents[i++] = d->d;
                continue;
            }
            if (r->issues.n < PW_ISSUES_MAX) /* dropped here, with the DOC's position */
                r->issues.items[r->issues.n++] = (pw_issue){
                    .kind = PW_FINDING_MALFORMED_DOCUMENT,
                    .field = "traveller.documents",
                    .detail = k == 1 ? "DOC without a document number: left out"
                                     : "a further DOC without a document number: left out",
                    .line = d->seg,
                    .segment = "DOC"};
        }
        t->n_documents = i;
        if (i == 0)
            t->documents = NULL;
    }
    rec.source.first_segment = x->first_seg;
    rec.source.last_segment = x->last_seg;
    rec.source.offset = x->offset;
    for (const struct issue *i = x->issues; i; i = i->next)
        if (r->issues.n < PW_ISSUES_MAX)
            r->issues.items[r->issues.n++] = i->is;
    /* the shared strings and the traveller's values are copied a run at a time */
    pw_span spans[2];
    size_t n_spans = 0;
    if (pt->shared.len)
        spans[n_spans++] = pt->shared;
    if (!x->split && x->strings_len)
        spans[n_spans++] = (pw_span){x->strings, x->strings_len};
    const char *field = NULL, *reason = NULL;
    int rc =
        pw_reader_finish_spans(r, &rec, x->ordinal, arena, out, &field, &reason, spans, n_spans);
    if (rc == PW_ENOMEM)
        return pw_error_set(err, PW_ENOMEM, r->path, x->ordinal, 0, "out of memory");
    if (rc) {
        char why[512];
        snprintf(why, sizeof why, "traveller at segment %ld of message %s (byte %lld, NAD+%s): %s",
                 x->first_seg, pt->ref ? pt->ref : "(no reference)", x->offset,
                 x->role == PW_ROLE_CREW                ? "FM"
                 : x->role == PW_ROLE_TRANSIT_CREW      ? "DDT"
                 : x->role == PW_ROLE_TRANSIT_PASSENGER ? "DDU"
                                                        : "FL",
                 reason ? reason : "invalid");
        if (p->reject) {
            pw_reject rej = {.kind = "record",
                             .source = r->path,
                             .line = x->ordinal,
                             .field = "NAD",
                             .reason = why,
                             .raw = x->nad_raw};
            p->reject(p->reject_ctx, &rej);
        }
        pw_finding f = part_finding(pt, PW_FINDING_REJECTED);
        f.line = x->first_seg;
        f.segment = "NAD";
        f.field = field;
        f.detail = why;
        pw_reader_emit_finding(r, &f);
        return 0;
    }
    if (r->on_finding)
        traveller_checks(r, x, out);
    return 1;
}

int pw_paxlst_next(pw_reader *r, pw_arena *arena, pw_record *out, pw_reject_fn reject, void *ctx,
                   pw_error *err)
{
    paxlst *p = r->paxlst;
    p->reject = reject;
    p->reject_ctx = ctx;
    for (;;) {
        struct unit *u = p->ready;
        if (u) {
            while (u->cur_part && !u->cur_pax) {
                u->cur_part = u->cur_part->next;
                u->cur_pax = u->cur_part ? u->cur_part->pax_head : NULL;
            }
            if (u->cur_pax) {
                struct pax *x = u->cur_pax;
                u->cur_pax = x->next;
                int rc = emit(r, x, arena, out, err);
                if (rc != 0)
                    return rc;
                continue;
            }
            p->ready = u->next;
            if (!p->ready)
                p->ready_tail = NULL;
            unit_free(p, u);
            continue;
        }
        if (p->done)
            return 0;
        int rc = advance(r, err);
        if (rc < 0)
            return rc;
    }
}
