/* text: UTF-8 decoding, display width, truncation to columns, and sanitising of untrusted
 * text (ticket titles, customer names, reasons) for terminals and for JSON. Pure. */
#ifndef SLATOP_TEXT_H
#define SLATOP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slatop/util.h"

/* Decodes one UTF-8 sequence from s[0..n). Returns the bytes consumed (>= 1 when n > 0) and sets
 * *cp, or sets *cp = -1 for an invalid/overlong/surrogate/truncated sequence (consuming 1 byte). */
size_t utf8_decode(const char *s, size_t n, int32_t *cp);
/* True when s[0..n) is entirely valid UTF-8 (no overlongs, surrogates or truncated sequences). */
bool utf8_valid(const char *s, size_t n);
/* Appends the UTF-8 encoding of cp to sb. */
void utf8_encode(strbuf *sb, int32_t cp);
/* A copy of s[0..n) as valid UTF-8: every invalid byte becomes U+FFFD, everything else (line
 * breaks included) is kept. A NUL byte is refused (ST_INVALID naming `what`), never cut at;
 * so is a result longer than max_bytes. Caller owns *out (free). */
st_code utf8_repair(const char *s, size_t n, size_t max_bytes, const char *what, char **out, st_err *err);

/* True for code points that must never reach a terminal raw: C0 (except none), DEL, C1,
 * bidi controls (U+061C, U+200E/F, U+202A-202E, U+2066-2069), zero-width and invisible format
 * characters (U+200B-200D, U+2060-2064, U+FEFF, U+180E, U+00AD), line/paragraph separators. */
bool text_is_unsafe(int32_t cp);

/* Sanitises untrusted text for a terminal: every unsafe code point and invalid byte becomes a
 * visible placeholder. With ascii=false: C0 -> control pictures (U+2400+c, ESC shows as U+241B),
 * DEL -> U+2421, everything else unsafe or invalid -> U+FFFD. With ascii=true the output is pure
 * printable ASCII: unsafe -> '?', non-ASCII -> '?'. Newlines and tabs are unsafe too (one line).
 * Caller owns the result (free). */
char *text_sanitize(const char *s, bool ascii);
/* Same, appending to sb. */
void text_sanitize_into(strbuf *sb, const char *s, bool ascii);

/* Display width in terminal columns of already-sanitised UTF-8 text (wcwidth semantics:
 * wide CJK = 2, combining = 0). Uses its own table, so it does not depend on the locale. */
int text_width(const char *s);
int text_cp_width(int32_t cp);
/* Truncates sanitised s to at most `cols` columns, appending `ellipsis` (e.g. "…" or "~", may be
 * NULL) when cut, and pads with spaces to exactly `cols` when pad is true. Caller owns result. */
char *text_fit(const char *s, int cols, const char *ellipsis, bool pad);

/* Appends s as a JSON string literal (with quotes) to sb: valid UTF-8 out (invalid bytes become
 * U+FFFD), '"' and '\\' escaped, and every C0, DEL, C1, bidi, zero-width and invisible format
 * character written as a \uXXXX escape (SPEC §3). NULL appends `null`. */
void json_append_string(strbuf *sb, const char *s);

#endif
