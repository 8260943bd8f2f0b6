/*
 * index: the watchlist snapshot that screening reads.
 *
 * Built once from the store's current list versions: every entry is copied into the
 * index's own arena, and every name of every entry (primary, aliases, original script)
 * is filed under its token-set key (see names.h) in an open-addressing hash table over
 * sorted postings. A look-up is one hash probe: it never scans the list. The fuzzy,
 * phonetic and document indexes of the index work slot in beside this table.
 *
 * Thread safety: a builder belongs to one thread; a finished pw_index is immutable and
 * may be queried by any number of threads at once.
 * Ownership: entries and postings returned by queries borrow from the index and live
 * until pw_index_free.
 */
#ifndef PW_INDEX_H
#define PW_INDEX_H

#include "core/core.h"

typedef struct pw_index pw_index;
typedef struct pw_index_builder pw_index_builder;

/* One name of one entry. */
typedef struct pw_posting {
    uint32_t entry; /* index into the snapshot's entries */
    uint32_t name;  /* index into that entry's names */
} pw_posting;

pw_index_builder *pw_index_builder_new(void);
/* Copies the entry (with all its strings) into the index being built. */
int pw_index_builder_add(pw_index_builder *b, const pw_entry *entry, pw_error *err);
/* An entry callback (pw_entry_fn) that adds to the builder passed as ctx, so that
 * pw_store_each_entry can feed the builder directly. */
int pw_index_builder_add_fn(void *builder, const pw_entry *entry, pw_error *err);
/* Finishes the index; the builder is freed whatever the outcome. */
int pw_index_builder_finish(pw_index_builder *b, pw_index **out, pw_error *err);
void pw_index_builder_free(pw_index_builder *b);
void pw_index_free(pw_index *idx);

size_t pw_index_entry_count(const pw_index *idx);
size_t pw_index_name_count(const pw_index *idx);
const pw_entry *pw_index_entry(const pw_index *idx, uint32_t i);

/* Postings whose token-set key equals key (from pw_names_token_set_key). Returns the
 * count; *out points into the index. */
size_t pw_index_lookup_token_set(const pw_index *idx, const char *key, const pw_posting **out);

#endif
