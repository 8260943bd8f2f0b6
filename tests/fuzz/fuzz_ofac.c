/*
 * Fuzz target: the OFAC SDN legacy CSV importer (engine/ingest/import_ofac.c) via
 * memory files. The input is read three ways:
 *
 *  1. as sdn.csv alone (alt.csv and add.csv NULL): rows, the remarks miner;
 *  2. as alt.csv next to a small fixed sdn.csv whose entries it can alias;
 *  3. as add.csv next to the same sdn.csv (only checked to be well-formed CSV).
 *
 * Entries and rejects are checked as in fuzz_watchlist_csv.
 */
#include "fuzz_common.h"

#include <string.h>

/* Three rows in the sdn.csv layout (12 fields, "-0- " for empty) for alt.csv rows to
 * attach to: an individual, an entity, a vessel. */
static const char fixed_sdn[] =
    "101,\"ALPHA, Bravo\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"
    "\"DOB 01 Feb 1960; nationality Iran; a.k.a. 'DELTA, Echo'.\"\r\n"
    "102,\"GOLF HOTEL LTD.\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
    "103,\"INDIA\",\"vessel\",\"CUBA\",-0- ,-0- ,\"Cargo\",-0- ,-0- ,\"Panama\",-0- ,-0- \r\n"
    "\x1a\r\n";

static void run(const char *sdn, const char *alt, const char *add)
{
    fuzz_counts counts = {0};
    pw_import_callbacks cb = {.entry = fuzz_on_entry, .reject = fuzz_on_reject, .ctx = &counts};
    pw_import_stats stats;
    pw_error err = {0};
    int rc = pw_import_ofac_sdn(sdn, alt, add, &cb, &stats, &err);
    if (rc == 0) {
        FUZZ_CHECK(stats.imported == counts.good, "imported counts the entry callbacks");
        FUZZ_CHECK(stats.imported + stats.skipped == stats.rows, "rows imported or skipped");
        FUZZ_CHECK(stats.skipped <= counts.rejects, "every skipped row is rejected");
    } else {
        FUZZ_CHECK(rc < 0 && err.code == rc && err.msg[0], "an import error is reported");
    }
    fuzz_counts_free(&counts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_file in, sdn;
    fuzz_file_open(&in, "sdn.csv", data, size);
    run(in.path, NULL, NULL);
    fuzz_file_open(&sdn, "sdn.csv", fixed_sdn, sizeof fixed_sdn - 1);
    run(sdn.path, in.path, NULL);
    run(sdn.path, NULL, in.path);
    fuzz_file_close(&sdn);
    fuzz_file_close(&in);
    return 0;
}
