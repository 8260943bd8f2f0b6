/*
 * Fuzz target: the native watchlist CSV importer (engine/ingest/import_csv.c) via a
 * memory file. Every entry is checked against core.h (fuzz_check_entry: a primary
 * name, calendar-valid dates of birth, alpha-3 nationalities, well-formed UTF-8),
 * every reject must carry a reason, and the stats must add up: each row is imported
 * or skipped (and then rejected once), never both; warnings are not rejects.
 */
#include "fuzz_common.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_file f;
    fuzz_file_open(&f, "watchlist.csv", data, size);
    fuzz_counts counts = {0};
    pw_import_callbacks cb = {.entry = fuzz_on_entry, .reject = fuzz_on_reject, .ctx = &counts};
    pw_import_stats stats;
    pw_error err = {0};
    int rc = pw_import_csv(f.path, &cb, &stats, &err);
    fuzz_file_close(&f);
    if (rc == 0) {
        FUZZ_CHECK(stats.imported == counts.good, "imported counts the entry callbacks");
        FUZZ_CHECK(stats.imported + stats.skipped == stats.rows, "rows imported or skipped");
        FUZZ_CHECK(stats.skipped == counts.rejects, "every skipped row is rejected, once");
        long by_type = 0;
        for (int i = 0; i < 4; i++)
            by_type += stats.by_type[i];
        FUZZ_CHECK(by_type == stats.imported, "by_type adds up");
    } else {
        FUZZ_CHECK(rc < 0 && err.code == rc && err.msg[0], "an import error is reported");
    }
    fuzz_counts_free(&counts);
    return 0;
}
