/* cli_stream: long output (list, audit, audit export) written as it is made, so that a million
 * rows cost a buffer's worth of memory, not the whole text. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli_internal.h"

/* Large enough that stdio's writes stay few, small beside the 16 MB budget of SPEC §11. */
#define STREAM_CHUNK (64 * 1024)

st_code cli_stream_flush(strbuf *out, bool force, st_err *err)
{
    if (out->len == 0 || (!force && out->len < STREAM_CHUNK))
        return ST_OK;
    size_t len = out->len;
    bool ok = fwrite(out->buf, 1, len, stdout) == len;
    sb_reset(out);
    if (!ok || (force && fflush(stdout) != 0) || ferror(stdout))
        return st_fail(err, ST_IO, "stdout: write error: %s", strerror(errno));
    return ST_OK;
}
