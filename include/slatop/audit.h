/* audit: the canonical content of an audit entry, its SHA-256 (OpenSSL EVP), chain verification,
 * and the syslog copy of each committed entry. No SQL here: the store feeds it entries. */
#ifndef SLATOP_AUDIT_H
#define SLATOP_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/model.h"
#include "slatop/util.h"

#define AUDIT_GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* Hex SHA-256 of arbitrary bytes into out (65 bytes, caller's). Errors: ST_IO when libcrypto.so.3
 * cannot be loaded (on the first hash) or the digest fails. */
st_code audit_sha256_hex(const void *data, size_t len, char out[65], st_err *err);
/* The canonical content of e (every field but `hash`, length-prefixed, fixed order, prev_hash
 * included) into sb, and its hex SHA-256 into out (errors as audit_sha256_hex). */
void audit_canonical(const st_audit_entry *e, strbuf *sb);
st_code audit_compute_hash(const st_audit_entry *e, char out[65], st_err *err);

/* Incremental verifier: feed entries in seq order. The first problem is kept in err
 * (ST_VERIFY, naming the entry: "audit entry 7: content does not match its hash (edited)",
 * "audit entry 7: expected sequence 5 (entries removed or reordered)",
 * "audit entry 7: previous-hash link broken (an entry before it was removed, edited or reordered)").
 * Embedded by value. */
typedef struct {
    int64_t expect_seq;
    char last_hash[65];
    int64_t checked;
    bool failed;
} audit_verifier;
void audit_verifier_init(audit_verifier *v);
st_code audit_verifier_feed(audit_verifier *v, const st_audit_entry *e, st_err *err);

/* Parses "SEQ:HASH" (ST_USAGE on malformed). */
st_code audit_anchor_parse(const char *s, int64_t *seq, char hash[65], st_err *err);

/* Sends "slatop audit seq=N hash=H kind=K ticket=T actor=A" to syslog (LOG_AUTHPRIV|LOG_NOTICE).
 * Called only after the entry's transaction committed. */
void audit_syslog(const st_audit_entry *e);

#endif
