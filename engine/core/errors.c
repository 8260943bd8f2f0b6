/*
 * Error codes and the caller-owned pw_error. A function that fails returns a
 * negative PW_E* code and, when the caller passed a pw_error, fills it with the
 * code, an optional source position (file:line:col) and a formatted message.
 * Nothing here allocates: pw_error is a fixed-size struct, messages are truncated
 * to fit it, and pw_strerror() returns static strings.
 */
#include "core/core.h"

#include <string.h>

const char *pw_strerror(int code)
{
    switch (code) {
    case PW_OK:
        return "success";
    case PW_ENOMEM:
        return "out of memory";
    case PW_EINVAL:
        return "invalid argument or value";
    case PW_EIO:
        return "input/output error";
    case PW_EPARSE:
        return "syntax error";
    case PW_EDB:
        return "database error";
    case PW_ENOTFOUND:
        return "not found";
    case PW_ECONFIG:
        return "invalid configuration";
    case PW_ERULE:
        return "invalid rule";
    case PW_EINTERNAL:
        return "internal error";
    }
    return "unknown error";
}

/*
 * Fills *err and returns code. The message is formatted into a local buffer
 * first and the file name is moved with memmove, so a caller may pass err->msg or
 * err->file themselves as arguments (re-raising an error with more context).
 * A NULL fmt leaves the message as pw_strerror(code).
 */
int pw_error_set(pw_error *err, int code, const char *file, int line, int col, const char *fmt, ...)
{
    if (!err)
        return code;

    char msg[sizeof err->msg];
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (n < 0)
            snprintf(msg, sizeof msg, "%s", pw_strerror(code));
    } else {
        snprintf(msg, sizeof msg, "%s", pw_strerror(code));
    }

    if (file) {
        size_t n = strnlen(file, sizeof err->file - 1);
        memmove(err->file, file, n);
        err->file[n] = '\0';
    } else {
        err->file[0] = '\0';
    }
    err->code = code;
    err->line = line > 0 ? line : 0;
    err->col = col > 0 ? col : 0;
    memcpy(err->msg, msg, sizeof msg);
    return code;
}

/*
 * "file:line:col: msg", dropping the parts that are unknown: no file gives just
 * the message (a line number without a file would mean nothing to a user), line 0
 * gives "file: msg", col 0 gives "file:line: msg". An empty message falls back to
 * the code's name so the line never ends in ": ".
 */
void pw_error_print(const pw_error *err, FILE *out)
{
    if (!err || !out)
        return;
    const char *msg = err->msg[0] ? err->msg : pw_strerror(err->code);
    if (!err->file[0])
        fprintf(out, "%s\n", msg);
    else if (err->line <= 0)
        fprintf(out, "%s: %s\n", err->file, msg);
    else if (err->col <= 0)
        fprintf(out, "%s:%d: %s\n", err->file, err->line, msg);
    else
        fprintf(out, "%s:%d:%d: %s\n", err->file, err->line, err->col, msg);
}
