/* Shared by the libFuzzer targets: the entry point's prototype and the property every error must
 * keep. A broken property traps, which libFuzzer reports as a crash. (Messages may quote input
 * with newlines in it: the command line and the console sanitise them into one line.) */
#ifndef SLATOP_FUZZ_COMMON_H
#define SLATOP_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "slatop/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An error must carry its code and a message. */
static inline void fuzz_check_err(st_code rc, const st_err *err)
{
    if (rc == ST_OK)
        return;
    if (err->code != rc || err->msg[0] == '\0')
        __builtin_trap();
}

/* A NUL-terminated copy of the input (caller frees). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = xmalloc(size + 1);
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
