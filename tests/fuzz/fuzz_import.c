/* libFuzzer: the ticket file of `slatop import` (JSON array or JSON lines), with `body` and
 * `messages` (SPEC §8). */
#include "fuzz_common.h"
#include "slatop/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    import_batch b;
    st_err err;
    st_err_clear(&err);
    st_code rc = import_parse((const char *)data, size, "fuzz.json", &b, &err);
    fuzz_check_err(rc, &err);
    if (rc == ST_OK) {
        for (size_t i = 0; i < b.n; i++) {
            const ops_new_ticket *r = &b.records[i];
            if (r->title == NULL || (r->body && strlen(r->body) != r->body_len) ||
                (r->n_messages > 0 && r->messages == NULL))
                __builtin_trap();
            st_time prev = ST_TIME_NONE;
            for (size_t k = 0; k < r->n_messages; k++) {
                const ops_new_message *m = &r->messages[k];
                /* Bodies whole (a NUL escape is refused, never cut), kinds known, given times ascending. */
                if (!m->body || strlen(m->body) != m->body_len || (unsigned)m->kind > MSG_NOTE)
                    __builtin_trap();
                if (m->at != ST_TIME_NONE) {
                    if (prev != ST_TIME_NONE && m->at < prev)
                        __builtin_trap();
                    prev = m->at;
                }
            }
        }
    } else if (b.n != 0) {
        __builtin_trap(); /* "on error it is left empty" */
    }
    import_batch_done(&b);
    return 0;
}
