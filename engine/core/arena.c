/*
 * pw_arena: a bump allocator for data that dies together (one record, one
 * watchlist entry, one import batch).
 *
 * Memory comes from malloc'd blocks chained newest first. An allocation takes the
 * next 8-byte-aligned slice of the current block; when it does not fit, a new block
 * of block_size bytes is chained in front. An allocation bigger than a quarter of
 * block_size gets a block of its own on a separate list, so one large string does
 * not waste the rest of the current block or force an oversized block to be kept.
 *
 * The first block is allocated by pw_arena_new and stays at the tail of the chain;
 * pw_arena_reset frees every other block and rewinds it, so an arena reset once per
 * record settles at zero malloc calls per record. Memory is zeroed on allocation
 * (not on reset), which keeps reset O(blocks) and allocation proportional to size;
 * pw_arena_alloc_uninit skips the zeroing for callers that overwrite what they get
 * (string copies), and the string functions use it.
 *
 * pw_touch_pages, for fresh memory that is read before it is written, is here too.
 */
#include "core/core.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 8
#define ARENA_DEFAULT_BLOCK 16384
#define ARENA_MIN_BLOCK 256

typedef struct arena_block {
    _Alignas(ARENA_ALIGN) struct arena_block *next;
    size_t cap;  /* usable bytes after the header */
    size_t used; /* bytes handed out, always a multiple of ARENA_ALIGN */
} arena_block;

/* The header's size is a multiple of its 8-byte alignment, so data right after it
 * starts 8-byte aligned (malloc returns memory aligned for any type). */
_Static_assert(sizeof(arena_block) % ARENA_ALIGN == 0, "arena block header must keep alignment");

struct pw_arena {
    arena_block *cur;   /* normal blocks, newest first; `first` is the last one */
    arena_block *first; /* kept across resets */
    arena_block *big;   /* dedicated blocks for large allocations */
    size_t block_size;  /* usable bytes per normal block */
};

static inline unsigned char *block_data(arena_block *b)
{
    return (unsigned char *)(b + 1);
}

/* malloc a block with cap usable bytes; NULL on overflow or out of memory. */
static arena_block *block_new(size_t cap)
{
    if (cap > SIZE_MAX - sizeof(arena_block))
        return NULL;
    arena_block *b = malloc(sizeof(arena_block) + cap);
    if (!b)
        return NULL;
    b->next = NULL;
    b->cap = cap;
    b->used = 0;
    return b;
}

pw_arena *pw_arena_new(size_t block_size)
{
    if (block_size == 0)
        block_size = ARENA_DEFAULT_BLOCK;
    if (block_size < ARENA_MIN_BLOCK)
        block_size = ARENA_MIN_BLOCK;
    block_size = (block_size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

    pw_arena *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->block_size = block_size;
    a->first = block_new(block_size);
    if (!a->first) {
        free(a);
        return NULL;
    }
    a->cur = a->first;
    return a;
}

/*
 * Returns size bytes, 8-byte aligned, with whatever the block held before (callers
 * that write every byte at once need no zeroing). A zero size still returns a
 * distinct pointer (one aligned unit) so callers can treat NULL as failure only.
 */
void *pw_arena_alloc_uninit(pw_arena *a, size_t size)
{
    if (!a)
        return NULL;
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - (ARENA_ALIGN - 1))
        return NULL;
    size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

    if (rounded > a->block_size / 4) {
        arena_block *b = block_new(rounded);
        if (!b)
            return NULL;
        b->used = rounded;
        b->next = a->big;
        a->big = b;
        return block_data(b);
    }

    arena_block *b = a->cur;
    if (b->cap - b->used < rounded) {
        b = block_new(a->block_size);
        if (!b)
            return NULL;
        b->next = a->cur;
        a->cur = b;
    }
    void *p = block_data(b) + b->used;
    b->used += rounded;
    return p;
}

/* pw_arena_alloc_uninit, zeroed. */
void *pw_arena_alloc(pw_arena *a, size_t size)
{
    void *p = pw_arena_alloc_uninit(a, size);
    if (p)
        memset(p, 0, size ? size : 1);
    return p;
}

char *pw_arena_strndup(pw_arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    /* Like strndup: stop at an earlier NUL, never read past s[n - 1]. */
    const char *nul = memchr(s, '\0', n);
    if (nul)
        n = (size_t)(nul - s);
    if (n == SIZE_MAX)
        return NULL;
    char *d = pw_arena_alloc_uninit(a, n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *pw_arena_strdup(pw_arena *a, const char *s)
{
    if (!s)
        return NULL;
    return pw_arena_strndup(a, s, strlen(s));
}

/* Formats twice: once to measure, once into arena memory of the exact size. */
char *pw_arena_printf(pw_arena *a, const char *fmt, ...)
{
    if (!a || !fmt)
        return NULL;
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *d = NULL;
    if (n >= 0) {
        d = pw_arena_alloc_uninit(a, (size_t)n + 1);
        if (d)
            vsnprintf(d, (size_t)n + 1, fmt, ap2);
    }
    va_end(ap2);
    return d;
}

static void free_chain(arena_block *b, const arena_block *stop)
{
    while (b && b != stop) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
}

void pw_arena_reset(pw_arena *a)
{
    if (!a)
        return;
    free_chain(a->cur, a->first);
    free_chain(a->big, NULL);
    a->big = NULL;
    a->first->next = NULL;
    a->first->used = 0;
    a->cur = a->first;
}

void pw_arena_free(pw_arena *a)
{
    if (!a)
        return;
    free_chain(a->cur, NULL);
    free_chain(a->big, NULL);
    free(a);
}

size_t pw_arena_size(const pw_arena *a)
{
    size_t total = 0;
    for (const arena_block *b = a->cur; b; b = b->next)
        total += sizeof *b + b->cap;
    for (const arena_block *b = a->big; b; b = b->next)
        total += sizeof *b + b->cap;
    return total;
}

void pw_touch_pages(void *p, size_t size)
{
    volatile unsigned char *bytes = p;
    uintptr_t start = (uintptr_t)p;
    /* (the first byte, then the first byte of each further page) */
    for (uintptr_t at = start; at < start + size; at = (at | 4095) + 1)
        bytes[at - start] = 0;
}
