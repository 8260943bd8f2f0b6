/*
 * Fuzz target: the JSON Lines traveller reader (engine/ingest/jsonl.c) and, through it,
 * pw_record_normalise. The input is one whole file, put in a memory file because
 * pw_reader_open takes a path; every record is checked against the promises of
 * core.h (fuzz_check_record) and every reject must carry a reason.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_file f;
    fuzz_file_open(&f, "fuzz.jsonl", data, size);
    fuzz_counts counts;
    fuzz_drain_reader(f.path, PW_INPUT_JSONL, &counts, NULL);
    fuzz_file_close(&f);
    return 0;
}
