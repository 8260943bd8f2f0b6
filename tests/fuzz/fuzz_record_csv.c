/*
 * Fuzz target: the CSV traveller reader (engine/ingest/record_csv.c: header mapping,
 * columns to fields, the tokenizer underneath) with PW_INPUT_CSV. The input is one
 * whole file in a memory file; records and rejects are checked as in fuzz_jsonl.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_file f;
    fuzz_file_open(&f, "fuzz.csv", data, size);
    fuzz_counts counts;
    fuzz_drain_reader(f.path, PW_INPUT_CSV, &counts, NULL);
    fuzz_file_close(&f);
    return 0;
}
