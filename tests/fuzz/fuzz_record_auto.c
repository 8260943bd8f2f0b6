/*
 * Fuzz target: format auto-detection in pw_reader_open (engine/ingest/reader.c), by
 * difference. The same bytes are read three ways:
 *
 *  1. PW_INPUT_AUTO from a memory file, which detect() peeks at and rewinds;
 *  2. PW_INPUT_AUTO from standard input ("-") fed by a pipe, which cannot be
 *     rewound, so detect() replays the peeked bytes through its fopencookie stream
 *     (only when the input fits in the pipe buffer: nothing drains the pipe while it
 *     is written);
 *  3. the detected format asked for explicitly, from a memory file.
 *
 * reader.c promises that the format reader sees the input from its first byte either
 * way, so all three must agree on the format, the records, the rejects and their
 * lines; any difference aborts. A PAXLST input (not supported yet) fails to open
 * every way.
 */
#include "fuzz_common.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Reads the input as standard input ("-") from a pipe: fills the pipe, closes its
 * write end (so the reader meets end of input after the data) and puts the read end
 * on descriptor 0 for the call, restoring the old one afterwards. A pipe cannot be
 * opened again by path without waiting for a writer, hence "-". Returns false when
 * the input does not fit in the pipe buffer. */
static bool drain_pipe(const uint8_t *data, size_t size, int *rc, fuzz_counts *counts,
                       enum pw_input_format *fmt)
{
    int p[2];
    FUZZ_CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe2");
    int cap = fcntl(p[1], F_GETPIPE_SZ);
    if (cap < 0 || size > (size_t)cap) {
        close(p[0]);
        close(p[1]);
        return false;
    }
    size_t done = 0;
    while (done < size) {
        ssize_t k = write(p[1], data + done, size - done);
        FUZZ_CHECK(k > 0, "write to pipe");
        done += (size_t)k;
    }
    close(p[1]);
    int saved = dup(0); /* -1 when descriptor 0 was closed: close it again after */
    FUZZ_CHECK(dup2(p[0], 0) == 0, "dup2 onto standard input");
    close(p[0]);
    *rc = fuzz_drain_reader("-", PW_INPUT_AUTO, counts, fmt);
    if (saved >= 0) {
        dup2(saved, 0);
        close(saved);
    } else {
        close(0);
    }
    return true;
}

static void same(int rc_a, const fuzz_counts *a, enum pw_input_format fa, int rc_b,
                 const fuzz_counts *b, enum pw_input_format fb, const char *what)
{
    if (rc_a == rc_b && (rc_a < 0 || fa == fb) && a->good == b->good && a->rejects == b->rejects &&
        a->line_sum == b->line_sum)
        return;
    fprintf(stderr, "rc %d/%d, format %d/%d, records %ld/%ld, rejects %ld/%ld, lines %ld/%ld\n",
            rc_a, rc_b, (int)fa, (int)fb, a->good, b->good, a->rejects, b->rejects, a->line_sum,
            b->line_sum);
    FUZZ_CHECK(false, what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_file f;
    fuzz_file_open(&f, "fuzz.auto", data, size);
    fuzz_counts file_counts;
    enum pw_input_format fmt = PW_INPUT_AUTO;
    int rc = fuzz_drain_reader(f.path, PW_INPUT_AUTO, &file_counts, &fmt);

    if (fmt != PW_INPUT_AUTO) { /* opened: read it again as the detected format */
        fuzz_counts explicit_counts;
        enum pw_input_format fmt2 = PW_INPUT_AUTO;
        int rc2 = fuzz_drain_reader(f.path, fmt, &explicit_counts, &fmt2);
        same(rc, &file_counts, fmt, rc2, &explicit_counts, fmt2,
             "auto-detected input reads as the explicit format does");
    }
    fuzz_file_close(&f);

    fuzz_counts pipe_counts;
    enum pw_input_format pipe_fmt = PW_INPUT_AUTO;
    int pipe_rc = 0;
    if (drain_pipe(data, size, &pipe_rc, &pipe_counts, &pipe_fmt))
        same(rc, &file_counts, fmt, pipe_rc, &pipe_counts, pipe_fmt,
             "a pipe reads as a seekable file does");
    return 0;
}
