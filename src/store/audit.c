/* audit: see audit.h. The canonical content is length-prefixed so that no choice of field values
 * can make two different entries serialise alike (a reason containing "\nactor=" stays inside its
 * own length), and NULL is written differently from the empty string. */
#include "slatop/audit.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <openssl/evp.h>

/* libcrypto is loaded on the first hash rather than linked: linking it costs ~1.2 ms at every
 * start, before the first screen, and most runs never hash. evp.h still supplies the types. */
static struct {
    __typeof__(EVP_Digest) *digest;
    __typeof__(EVP_sha256) *sha256;
} evp;

static void evp_load(void)
{
    void *h = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    void *digest = h ? dlsym(h, "EVP_Digest") : NULL;
    void *sha256 = h ? dlsym(h, "EVP_sha256") : NULL;
    if (!digest || !sha256)
        return; /* evp stays empty: every hash reports it (audit_sha256_hex) */
    /* memcpy: ISO C has no conversion from dlsym's void * to a function pointer. */
    memcpy(&evp.digest, &digest, sizeof evp.digest);
    memcpy(&evp.sha256, &sha256, sizeof evp.sha256);
}

st_code audit_sha256_hex(const void *data, size_t len, char out[65], st_err *err)
{
    static const char hex[] = "0123456789abcdef";
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    pthread_once(&once, evp_load);
    /* Without a hash no audit entry can be written or checked: the change or check is refused. */
    if (!evp.digest)
        return st_fail(err, ST_IO, "libcrypto.so.3 not found (or without EVP_Digest): install libssl3");
    /* EVP_Digest only fails on allocation failure inside OpenSSL. */
    if (evp.digest(data, len, md, &md_len, evp.sha256(), NULL) != 1 || md_len != 32)
        return st_fail(err, ST_IO, "OpenSSL SHA-256 failed");
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0xf];
    }
    out[64] = '\0';
    return ST_OK;
}

static void canon_str(strbuf *sb, const char *name, const char *value)
{
    if (!value) {
        sb_printf(sb, "%s=-\n", name);
        return;
    }
    sb_printf(sb, "%s=%zu:", name, strlen(value));
    sb_append(sb, value);
    sb_append_c(sb, '\n');
}

static void canon_int(strbuf *sb, const char *name, int64_t v)
{
    char num[32];
    snprintf(num, sizeof num, "%" PRId64, v);
    canon_str(sb, name, num);
}

static void canon_time(strbuf *sb, const char *name, st_time t)
{
    if (t == ST_TIME_NONE)
        canon_str(sb, name, NULL);
    else
        canon_int(sb, name, t);
}

void audit_canonical(const st_audit_entry *e, strbuf *sb)
{
    canon_int(sb, "seq", e->seq);
    canon_time(sb, "at", e->at);
    canon_time(sb, "recorded_at", e->recorded_at);
    canon_str(sb, "actor", e->actor);
    canon_str(sb, "kind", au_kind_name(e->kind));
    canon_int(sb, "ticket_id", e->ticket_id);
    canon_str(sb, "from_level", e->from_level);
    canon_str(sb, "to_level", e->to_level);
    canon_time(sb, "old_due", e->old_due);
    canon_time(sb, "new_due", e->new_due);
    canon_str(sb, "reason", e->reason);
    canon_str(sb, "detail", e->detail);
    /* Schema-2 fields only on entries that carry one, so every entry written before them keeps
     * its canonical form and hash. The body's hash puts the message body inside the chain. */
    if (e->from_status || e->to_status || e->message_id || e->message_kind || e->body_sha256) {
        canon_str(sb, "from_status", e->from_status);
        canon_str(sb, "to_status", e->to_status);
        canon_int(sb, "message_id", e->message_id);
        canon_str(sb, "message_kind", e->message_kind);
        canon_str(sb, "body_sha256", e->body_sha256);
    }
    /* Likewise the host (schema 4): only on entries that record one. */
    if (e->host)
        canon_str(sb, "host", e->host);
    canon_str(sb, "prev_hash", e->prev_hash);
}

st_code audit_compute_hash(const st_audit_entry *e, char out[65], st_err *err)
{
    strbuf sb;
    sb_init(&sb);
    audit_canonical(e, &sb);
    st_code rc = audit_sha256_hex(sb.buf, sb.len, out, err);
    sb_done(&sb);
    return rc;
}

void audit_verifier_init(audit_verifier *v)
{
    v->expect_seq = 1;
    memcpy(v->last_hash, AUDIT_GENESIS_HASH, sizeof v->last_hash);
    v->checked = 0;
    v->failed = false;
}

st_code audit_verifier_feed(audit_verifier *v, const st_audit_entry *e, st_err *err)
{
    /* After the first problem every later entry is suspect; the first message is the useful one,
     * so err is left as the caller got it. */
    if (v->failed)
        return ST_VERIFY;
    char h[65];
    st_code rc = audit_compute_hash(e, h, err); /* no hash is no verdict: v stays as it was */
    if (rc != ST_OK)
        return rc;
    if (strcmp(h, e->hash) != 0)
        rc = st_fail(err, ST_VERIFY, "audit entry %" PRId64 ": content does not match its hash (edited)",
                     e->seq);
    else if (e->seq != v->expect_seq)
        rc = st_fail(err, ST_VERIFY,
                     "audit entry %" PRId64 ": expected sequence %" PRId64 " (entries removed or reordered)",
                     e->seq, v->expect_seq);
    else if (strcmp(e->prev_hash, v->last_hash) != 0)
        rc = st_fail(err, ST_VERIFY,
                     "audit entry %" PRId64
                     ": previous-hash link broken (an entry before it was removed, edited or reordered)",
                     e->seq);
    if (rc != ST_OK) {
        v->failed = true;
        return rc;
    }
    v->expect_seq = e->seq + 1;
    memcpy(v->last_hash, e->hash, sizeof v->last_hash);
    v->checked++;
    return ST_OK;
}

st_code audit_anchor_parse(const char *s, int64_t *seq, char hash[65], st_err *err)
{
    if (!s || !*s)
        return st_fail(err, ST_USAGE, "anchor: empty (expected SEQ:HASH, as printed by 'audit head')");
    const char *colon = strchr(s, ':');
    if (!colon || colon == s)
        return st_fail(err, ST_USAGE, "anchor '%.80s': expected SEQ:HASH, as printed by 'audit head'", s);
    int64_t n = 0;
    for (const char *p = s; p < colon; p++) {
        if (*p < '0' || *p > '9')
            return st_fail(err, ST_USAGE, "anchor '%.80s': sequence number must be decimal digits", s);
        if (n > (INT64_MAX - 9) / 10)
            return st_fail(err, ST_USAGE, "anchor '%.80s': sequence number too large", s);
        n = n * 10 + (*p - '0');
    }
    if (n < 1)
        return st_fail(err, ST_USAGE, "anchor '%.80s': sequence number must be at least 1", s);
    const char *h = colon + 1;
    size_t len = strlen(h);
    if (len != 64)
        return st_fail(err, ST_USAGE, "anchor '%.80s': hash must be 64 hex digits (got %zu characters)", s,
                       len);
    for (size_t i = 0; i < 64; i++) {
        char c = h[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return st_fail(err, ST_USAGE, "anchor '%.80s': hash must be lowercase hex digits", s);
    }
    *seq = n;
    memcpy(hash, h, 65);
    return ST_OK;
}

void audit_syslog(const st_audit_entry *e)
{
    static bool opened;
    if (!opened) {
        openlog("slatop", LOG_PID, LOG_AUTHPRIV);
        opened = true;
    }
    syslog(LOG_AUTHPRIV | LOG_NOTICE,
           "slatop audit seq=%" PRId64 " hash=%s kind=%s ticket=%" PRId64 " actor=%s", e->seq, e->hash,
           au_kind_name(e->kind), e->ticket_id, e->actor ? e->actor : "-");
}
