/*
 * Fuzz target: the UN consolidated list XML importer (engine/ingest/import_unxml.c,
 * libxml2's streaming reader underneath) via a memory file. Entries and rejects are
 * checked as in fuzz_watchlist_csv; a failed import must say why. The seeds and the
 * dictionary (un_xml.dict) carry the element names, which the fuzzer would otherwise
 * take long to guess.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_file f;
    fuzz_file_open(&f, "un.xml", data, size);
    fuzz_counts counts = {0};
    pw_import_callbacks cb = {.entry = fuzz_on_entry, .reject = fuzz_on_reject, .ctx = &counts};
    pw_import_stats stats;
    pw_error err = {0};
    int rc = pw_import_un_xml(f.path, &cb, &stats, &err);
    fuzz_file_close(&f);
    if (rc == 0) {
        FUZZ_CHECK(stats.imported == counts.good, "imported counts the entry callbacks");
        FUZZ_CHECK(stats.imported + stats.skipped == stats.rows, "records imported or skipped");
        FUZZ_CHECK(stats.skipped == counts.rejects, "every skipped record is rejected, once");
    } else {
        FUZZ_CHECK(rc < 0 && err.code == rc && err.msg[0], "an import error is reported");
    }
    fuzz_counts_free(&counts);
    return 0;
}
