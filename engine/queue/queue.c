/*
 * The alert queue's sinks. The store sink relies on pw_store_put_alert's key-based
 * de-duplication; the JSON Lines sink writes every alert it is given (a re-screen
 * reports its alerts again, while the store keeps one); the report sink parses each
 * hit's explanation with jansson to lay it out for a person.
 */
#include "queue/queue.h"

#include <jansson.h>
#include <stdlib.h>

struct pw_alert_queue {
    pw_alert_queue_options opts;
    pw_strbuf line;
};

int pw_alert_queue_open(const pw_alert_queue_options *opts, pw_alert_queue **out, pw_error *err)
{
    pw_alert_queue *q = calloc(1, sizeof *q);
    if (!q)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    q->opts = *opts;
    *out = q;
    return 0;
}

void pw_alert_queue_close(pw_alert_queue *q)
{
    if (!q)
        return;
    pw_strbuf_free(&q->line);
    free(q);
}

int pw_alert_queue_flush(pw_alert_queue *q, pw_error *err)
{
    if ((q->opts.jsonl && fflush(q->opts.jsonl)) || (q->opts.report && fflush(q->opts.report)))
        return pw_error_set(err, PW_EIO, NULL, 0, 0, "cannot write the alert stream");
    return 0;
}

int pw_alert_queue_publish(pw_alert_queue *q, const pw_alert *alert, pw_arena *scratch,
                           bool *created, pw_error *err)
{
    *created = true;
    if (q->opts.store) {
        int rc = pw_store_put_alert(q->opts.store, alert, created, NULL, err);
        if (rc)
            return rc;
    }
    if (q->opts.jsonl) {
        pw_strbuf_reset(&q->line);
        pw_alert_to_json(alert, scratch, &q->line);
        pw_strbuf_append(&q->line, "\n");
        if (q->line.oom)
            return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory writing an alert");
        if (fwrite(q->line.data, 1, q->line.len, q->opts.jsonl) != q->line.len)
            return pw_error_set(err, PW_EIO, NULL, 0, 0, "cannot write the alerts output");
    }
    if (q->opts.report)
        pw_alert_write_report(alert, scratch, q->opts.report);
    return 0;
}

/* Prints one explanation value: strings as they are, token alignments as a table. */
static void report_explanation(json_t *exp, FILE *out)
{
    const char *key;
    json_t *val;
    json_object_foreach(exp, key, val)
    {
        if (json_is_array(val)) {
            fprintf(out, "        %-12s", key);
            size_t i;
            json_t *item;
            json_array_foreach(val, i, item)
            {
                const char *q = json_string_value(json_object_get(item, "query"));
                const char *e = json_string_value(json_object_get(item, "entry"));
                const char *how = json_string_value(json_object_get(item, "how"));
                fprintf(out, "%s%s=%s (%s)", i ? ", " : "", q ? q : "-", e ? e : "-",
                        how ? how : "");
            }
            fputc('\n', out);
        } else if (json_is_string(val)) {
            fprintf(out, "        %-12s%s\n", key, json_string_value(val));
        } else if (json_is_number(val)) {
            fprintf(out, "        %-12s%.3g\n", key, json_number_value(val));
        }
    }
}

void pw_alert_write_report(const pw_alert *alert, pw_arena *scratch, FILE *out)
{
    const pw_record *r = alert->record;
    const pw_flight *f = &r->flight;
    char dob[11];
    pw_date_format(r->traveller.dob, dob);
    fprintf(out, "ALERT %s  severity %s  score %.2f  (%zu hit%s)\n", alert->alert_id,
            pw_severity_name(alert->severity), alert->score, alert->n_hits,
            alert->n_hits == 1 ? "" : "s");
    fprintf(out, "  traveller  %s%s%s%s%s\n", pw_record_display_name(r, scratch),
            dob[0] ? "  born " : "", dob, r->traveller.nationality ? "  " : "",
            r->traveller.nationality ? r->traveller.nationality : "");
    if (f->carrier || f->number)
        fprintf(out, "  flight     %s%s  %s -> %s  %s\n", f->carrier ? f->carrier : "",
                f->number ? f->number : "", f->origin ? f->origin : "?",
                f->destination ? f->destination : "?", f->departure ? f->departure : "");
    fprintf(out, "  source     %s:%ld  record %s\n", r->source_file ? r->source_file : "-",
            r->source_line, r->record_id ? r->record_id : "-");
    for (size_t i = 0; i < alert->n_hits; i++) {
        const pw_hit *h = &alert->hits[i];
        if (h->list)
            fprintf(out, "  hit %zu      %s v%d: %s v%d entry %s \"%s\" matched \"%s\" score %.2f\n",
                    i + 1, h->rule_id, h->rule_version, h->list, h->list_version, h->entry_id,
                    h->entry_name ? h->entry_name : "", h->matched_name ? h->matched_name : "",
                    h->score);
        else
            fprintf(out, "  hit %zu      %s v%d score %.2f\n", i + 1, h->rule_id,
                    h->rule_version, h->score);
        json_t *exp = h->explanation ? json_loads(h->explanation, 0, NULL) : NULL;
        if (json_is_object(exp))
            report_explanation(exp, out);
        json_decref(exp);
    }
    fputc('\n', out);
}
