/* libFuzzer: the sanitiser, display width, fitting and JSON string escaping, with their promises
 * checked by an independent scanner (tests/tools/reliability/relutil.h): sanitised text carries
 * no unsafe code point and no newline or tab; the ASCII form is printable ASCII; text_fit with
 * padding is exactly `cols` wide; json_append_string gives one valid JSON string, safe to print,
 * that decodes to the input whenever the input was valid UTF-8. */
#include "../tools/reliability/relutil.h"
#include "fuzz_common.h"
#include "slatop/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = fuzz_cstr(data, size);
    char why[128];

    char *safe = text_sanitize(in, false);
    if (rel_scan_unsafe(safe, strlen(safe), why, sizeof why) >= 0 || strpbrk(safe, "\n\t") != NULL)
        __builtin_trap();
    int w = text_width(safe);
    if (w < 0)
        __builtin_trap();
    int cols = (int)(size % 60);
    char *fit = text_fit(safe, cols, "\xe2\x80\xa6", true);
    if (text_width(fit) != cols)
        __builtin_trap();
    free(fit);
    fit = text_fit(safe, cols, "~", false);
    if (text_width(fit) > cols)
        __builtin_trap();
    free(fit);
    free(safe);

    char *ascii = text_sanitize(in, true);
    for (const unsigned char *p = (const unsigned char *)ascii; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            __builtin_trap();
    free(ascii);

    strbuf sb;
    sb_init(&sb);
    json_append_string(&sb, in);
    if (rel_scan_unsafe(sb.buf, sb.len, why, sizeof why) >= 0 || memchr(sb.buf, '\n', sb.len) != NULL)
        __builtin_trap();
    cJSON *j = cJSON_ParseWithLength(sb.buf, sb.len);
    if (j == NULL || !cJSON_IsString(j))
        __builtin_trap();
    if (rel_valid_utf8(in) && strcmp(j->valuestring, in) != 0)
        __builtin_trap();
    cJSON_Delete(j);
    sb_done(&sb);
    free(in);
    return 0;
}
