/*
 * A main() for the fuzz targets when they are not built for libFuzzer: it runs
 * LLVMFuzzerTestOneInput once over every file named on the command line, and over
 * every regular file under every directory named (recursively, hidden files skipped,
 * in name order so runs are reproducible). This is how CTest replays the corpus with
 * gcc on every build, as uber/h3 does: the same target source serves both.
 *
 * Each input is read into a buffer of exactly its size, so a sanitizer build catches a
 * read one byte past the end. The run fails when an argument cannot be read or when no
 * input was found at all (an empty corpus would make the test pass without testing).
 * A crash or a failed invariant aborts with the input's name printed just before.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long n_inputs;

/* Reads path whole into a malloc'ed buffer of exactly its size (1 byte for an empty
 * file, so the pointer is never NULL). */
static int read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, fp);
        if (n < cap)
            break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int bad = !buf || ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        return -1;
    }
    uint8_t *exact = malloc(n ? n : 1); /* exactly n bytes: overreads show */
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    *out = exact;
    *len = n;
    return 0;
}

static int run_path(const char *path);

static int run_dir(const char *path)
{
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "fuzz_replay: cannot read directory %s: %s\n", path, strerror(errno));
        return 1;
    }
    int failed = 0;
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.' && !failed) {
            size_t len = strlen(path) + strlen(names[i]->d_name) + 2;
            char *child = malloc(len);
            if (!child) {
                failed = 1;
            } else {
                snprintf(child, len, "%s/%s", path, names[i]->d_name);
                failed = run_path(child);
                free(child);
            }
        }
        free(names[i]);
    }
    free(names);
    return failed;
}

static int run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "fuzz_replay: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (S_ISDIR(st.st_mode))
        return run_dir(path);
    if (!S_ISREG(st.st_mode))
        return 0;
    uint8_t *data;
    size_t len;
    if (read_file(path, &data, &len) != 0) {
        fprintf(stderr, "fuzz_replay: cannot read %s\n", path);
        return 1;
    }
    fprintf(stderr, "fuzz_replay: %s (%zu bytes)\n", path, len);
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    n_inputs++;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr,
                "usage: %s FILE|DIR...\n"
                "Runs the fuzz target once over each file (directories recursively).\n",
                argv[0]);
        return 2;
    }
    int failed = 0;
    for (int i = 1; i < argc && !failed; i++)
        failed = run_path(argv[i]);
    if (failed)
        return 1;
    if (n_inputs == 0) {
        fprintf(stderr, "fuzz_replay: no inputs found\n");
        return 1;
    }
    fprintf(stderr, "fuzz_replay: %ld inputs OK\n", n_inputs);
    return 0;
}
