/*
 * Internal to ingest: an RFC 4180 CSV tokenizer over a FILE*, shared by the record
 * reader and the watchlist importers. Quoted fields may hold separators, doubled
 * quotes and newlines; CRLF, LF and a lone CR end a row; a UTF-8 BOM is skipped.
 * Input is read a line at a time, to LF or, in a file whose first line ends in a lone
 * CR (classic Mac OS), to CR: rows from a pipe come out as their lines arrive (a
 * lone-CR row once the next byte has come, as a CR may begin a CRLF).
 *
 * Thread safety: one tokenizer per thread. Ownership: field pointers stay valid
 * until the next call to pw_csv_next_row.
 */
#ifndef PW_INGEST_CSV_TOKENIZER_H
#define PW_INGEST_CSV_TOKENIZER_H

#include <stdio.h>

#include "core/core.h"

typedef struct pw_csv pw_csv;

/* Wraps fp (not closed by pw_csv_free). NULL on out of memory. */
pw_csv *pw_csv_new(FILE *fp, char separator);
void pw_csv_free(pw_csv *c);

/* Reads one row. Returns the number of fields (>= 1) with *fields pointing at
 * NUL-terminated fields, 0 at end of input, PW_EPARSE for a quote left open at end of
 * input (pw_csv_row_text then shows the partial row), PW_EIO on a read error,
 * PW_ENOMEM. Blank lines are skipped. */
int pw_csv_next_row(pw_csv *c, char ***fields);

/* 1-based line on which the last row returned started. */
long pw_csv_row_line(const pw_csv *c);

/* The last row as read (fields re-joined with the separator), for dead letters. */
const char *pw_csv_row_text(const pw_csv *c);

#endif
