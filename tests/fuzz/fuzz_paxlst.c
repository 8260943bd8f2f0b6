/*
 * Fuzz target: the PAXLST reader (engine/ingest/paxlst.c on top of the EDIFACT
 * segmenter, edifact.c) with PW_INPUT_PAXLST: envelopes, multi-part assembly, DTM
 * formats, control counts. The input is one whole file in a memory file; records,
 * rejects and data-quality findings are checked as in fuzz_jsonl.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_file f;
    fuzz_file_open(&f, "fuzz.edi", data, size);
    fuzz_counts counts;
    fuzz_drain_reader(f.path, PW_INPUT_PAXLST, &counts, NULL);
    fuzz_file_close(&f);
    return 0;
}
