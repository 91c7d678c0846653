/* Tests for audit.c: canonical content, SHA-256, the chain verifier and anchors. No database. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/audit.h"
#include "slatop/model.h"

/* A small chain of n entries with hashes linked as the store links them. */
static void make_chain(st_audit_entry *e, int n)
{
    for (int i = 0; i < n; i++) {
        memset(&e[i], 0, sizeof e[i]);
        e[i].seq = i + 1;
        e[i].at = 1763632800 + i * 60;
        e[i].recorded_at = 1763632800 + i * 60 + 1;
        e[i].actor = xstrdup("alice");
        e[i].kind = i == 0 ? AU_CREATED : AU_REPRIORITIZED;
        e[i].ticket_id = 7;
        e[i].from_level = i == 0 ? NULL : xstrdup("P3");
        e[i].to_level = xstrdup("P2");
        e[i].old_due = i == 0 ? ST_TIME_NONE : 1763640000;
        e[i].new_due = 1763636400 + i;
        e[i].reason = i == 0 ? NULL : xasprintf("customer escalated #%d", i);
        e[i].detail = NULL;
        memcpy(e[i].prev_hash, i == 0 ? AUDIT_GENESIS_HASH : e[i - 1].hash, 65);
        cr_assert_eq(audit_compute_hash(&e[i], e[i].hash, NULL), ST_OK);
    }
}

static void free_chain(st_audit_entry *e, int n)
{
    for (int i = 0; i < n; i++)
        audit_entry_done(&e[i]);
}

/* Feeds entries in the given order; returns the first failure (ST_OK when all pass). */
static st_code feed_all(st_audit_entry *const *order, int n, st_err *err, int64_t *checked)
{
    audit_verifier v;
    audit_verifier_init(&v);
    st_code rc = ST_OK;
    for (int i = 0; i < n && rc == ST_OK; i++)
        rc = audit_verifier_feed(&v, order[i], err);
    *checked = v.checked;
    return rc;
}

Test(audit, sha256_known_vectors)
{
    char out[65];
    cr_assert_eq(audit_sha256_hex("abc", 3, out, NULL), ST_OK);
    cr_assert_str_eq(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cr_assert_eq(audit_sha256_hex("", 0, out, NULL), ST_OK);
    cr_assert_str_eq(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

Test(audit, canonical_is_fixed_and_length_prefixed)
{
    st_audit_entry e = {0};
    e.seq = 3;
    e.at = 100;
    e.recorded_at = 101;
    e.actor = "bob";
    e.kind = AU_ASSIGNED;
    e.ticket_id = 9;
    e.old_due = ST_TIME_NONE;
    e.new_due = ST_TIME_NONE;
    e.reason = "";
    e.detail = "carol";
    memcpy(e.prev_hash, AUDIT_GENESIS_HASH, 65);
    strbuf sb;
    sb_init(&sb);
    audit_canonical(&e, &sb);
    cr_assert_str_eq(sb.buf, "seq=1:3\nat=3:100\nrecorded_at=3:101\nactor=3:bob\nkind=8:assigned\n"
                             "ticket_id=1:9\nfrom_level=-\nto_level=-\nold_due=-\nnew_due=-\n"
                             "reason=0:\ndetail=5:carol\nprev_hash=64:" AUDIT_GENESIS_HASH "\n");
    /* With a host (schema 4) it comes before prev_hash; without one the form above is unchanged,
     * so entries written before hosts were recorded keep their hashes. */
    sb_done(&sb);
    sb_init(&sb);
    e.host = "jump-2";
    audit_canonical(&e, &sb);
    cr_assert_str_eq(sb.buf, "seq=1:3\nat=3:100\nrecorded_at=3:101\nactor=3:bob\nkind=8:assigned\n"
                             "ticket_id=1:9\nfrom_level=-\nto_level=-\nold_due=-\nnew_due=-\n"
                             "reason=0:\ndetail=5:carol\nhost=6:jump-2\nprev_hash=64:" AUDIT_GENESIS_HASH "\n");
    sb_done(&sb);
}

Test(audit, hash_is_deterministic_and_covers_each_field)
{
    st_audit_entry e[1];
    make_chain(e, 1);
    char h1[65], h2[65];
    cr_assert_eq(audit_compute_hash(&e[0], h1, NULL), ST_OK);
    cr_assert_eq(audit_compute_hash(&e[0], h2, NULL), ST_OK);
    cr_assert_str_eq(h1, h2);
    cr_assert_str_eq(h1, e[0].hash);
    cr_assert_eq(strlen(h1), 64);

    /* NULL and "" must hash differently. */
    e[0].reason = xstrdup("");
    cr_assert_eq(audit_compute_hash(&e[0], h2, NULL), ST_OK);
    cr_assert_str_neq(h1, h2);
    free(e[0].reason);
    e[0].reason = NULL;

    /* A value cannot smuggle in another field: reason "x\nactor=3:eve" differs from two fields. */
    e[0].reason = xstrdup("x\ndetail=1:y");
    cr_assert_eq(audit_compute_hash(&e[0], h1, NULL), ST_OK);
    free(e[0].reason);
    e[0].reason = xstrdup("x");
    e[0].detail = xstrdup("y");
    cr_assert_eq(audit_compute_hash(&e[0], h2, NULL), ST_OK);
    cr_assert_str_neq(h1, h2);

    st_time saved = e[0].recorded_at;
    e[0].recorded_at++;
    cr_assert_eq(audit_compute_hash(&e[0], h1, NULL), ST_OK);
    cr_assert_str_neq(h1, h2);
    e[0].recorded_at = saved;
    free_chain(e, 1);
}

Test(audit, verifier_accepts_intact_chain)
{
    st_audit_entry e[5];
    make_chain(e, 5);
    st_audit_entry *order[5] = {&e[0], &e[1], &e[2], &e[3], &e[4]};
    st_err err = {0};
    int64_t checked = 0;
    cr_assert_eq(feed_all(order, 5, &err, &checked), ST_OK, "%s", err.msg);
    cr_assert_eq(checked, 5);
    free_chain(e, 5);
}

Test(audit, verifier_catches_edit)
{
    st_audit_entry e[5];
    make_chain(e, 5);
    free(e[2].reason);
    e[2].reason = xstrdup("nothing to see here");
    st_audit_entry *order[5] = {&e[0], &e[1], &e[2], &e[3], &e[4]};
    st_err err = {0};
    int64_t checked = 0;
    cr_assert_eq(feed_all(order, 5, &err, &checked), ST_VERIFY);
    cr_assert_eq(err.code, ST_VERIFY);
    cr_assert_str_eq(err.msg, "audit entry 3: content does not match its hash (edited)");
    cr_assert_eq(checked, 2);
    free_chain(e, 5);
}

Test(audit, verifier_catches_deletion)
{
    st_audit_entry e[5];
    make_chain(e, 5);
    st_audit_entry *order[4] = {&e[0], &e[1], &e[3], &e[4]};
    st_err err = {0};
    int64_t checked = 0;
    cr_assert_eq(feed_all(order, 4, &err, &checked), ST_VERIFY);
    cr_assert_str_eq(err.msg, "audit entry 4: expected sequence 3 (entries removed or reordered)");

    /* Deleting the first entry is caught too. */
    st_audit_entry *order2[2] = {&e[1], &e[2]};
    cr_assert_eq(feed_all(order2, 2, &err, &checked), ST_VERIFY);
    cr_assert_str_eq(err.msg, "audit entry 2: expected sequence 1 (entries removed or reordered)");
    free_chain(e, 5);
}

Test(audit, verifier_catches_swap)
{
    st_audit_entry e[5];
    make_chain(e, 5);
    st_audit_entry *order[5] = {&e[0], &e[2], &e[1], &e[3], &e[4]};
    st_err err = {0};
    int64_t checked = 0;
    cr_assert_eq(feed_all(order, 5, &err, &checked), ST_VERIFY);
    cr_assert_str_eq(err.msg, "audit entry 3: expected sequence 2 (entries removed or reordered)");

    /* Renumbered after a removal: sequence looks fine, the link does not. */
    st_audit_entry moved;
    memset(&moved, 0, sizeof moved);
    moved = e[3];
    moved.seq = 3;
    cr_assert_eq(audit_compute_hash(&moved, moved.hash, NULL), ST_OK);
    st_audit_entry *order2[3] = {&e[0], &e[1], &moved};
    cr_assert_eq(feed_all(order2, 3, &err, &checked), ST_VERIFY);
    cr_assert_str_eq(err.msg, "audit entry 3: previous-hash link broken (an entry before it was removed, "
                              "edited or reordered)");
    free_chain(e, 5);
}

Test(audit, verifier_keeps_first_problem)
{
    st_audit_entry e[3];
    make_chain(e, 3);
    audit_verifier v;
    audit_verifier_init(&v);
    st_err err = {0};
    cr_assert_eq(audit_verifier_feed(&v, &e[1], &err), ST_VERIFY);
    char first[sizeof err.msg];
    strcpy(first, err.msg);
    cr_assert_eq(audit_verifier_feed(&v, &e[2], &err), ST_VERIFY);
    cr_assert_str_eq(err.msg, first);
    cr_assert(v.failed);
    free_chain(e, 3);
}

Test(audit, anchor_parse)
{
    int64_t seq = 0;
    char hash[65];
    st_err err = {0};
    const char *h = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    char good[100];
    snprintf(good, sizeof good, "12:%s", h);
    cr_assert_eq(audit_anchor_parse(good, &seq, hash, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(seq, 12);
    cr_assert_str_eq(hash, h);

    const char *bad[] = {
        "",
        "12",
        ":ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "0:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "-1:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "1x:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "12:ba7816bf",
        "12:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0",
        "12:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
        "12:zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "99999999999999999999999:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st_err_clear(&err);
        cr_assert_eq(audit_anchor_parse(bad[i], &seq, hash, &err), ST_USAGE, "accepted '%s'", bad[i]);
        cr_assert_eq(err.code, ST_USAGE);
        cr_assert(strstr(err.msg, "anchor") != NULL, "message names the anchor: %s", err.msg);
    }
}

Test(model, names_round_trip)
{
    for (int k = AU_CREATED; k <= AU_POLICY_APPLIED; k++) {
        au_kind out;
        cr_assert(au_kind_parse(au_kind_name((au_kind)k), &out));
        cr_assert_eq(out, (au_kind)k);
    }
    cr_assert_str_eq(au_kind_name(AU_POLICY_APPLIED), "policy_applied");
    for (int s = TK_OPEN; s <= TK_RESOLVED; s++) {
        tk_status out;
        cr_assert(tk_status_parse(tk_status_name((tk_status)s), &out));
        cr_assert_eq(out, (tk_status)s);
    }
    tk_status st;
    au_kind k;
    cr_assert_not(tk_status_parse("Open", &st));
    cr_assert_not(tk_status_parse(NULL, &st));
    cr_assert_not(au_kind_parse("deleted", &k));
}

Test(model, ticket_copy_is_deep)
{
    st_ticket a = {0};
    a.id = 4;
    a.title = xstrdup("Login broken");
    a.level = xstrdup("P1");
    a.ref = NULL;
    a.due = 1000;
    st_ticket b;
    ticket_copy(&b, &a);
    cr_assert_eq(b.id, 4);
    cr_assert_str_eq(b.title, "Login broken");
    cr_assert_neq(b.title, a.title);
    cr_assert_null(b.ref);
    ticket_done(&a);
    cr_assert_str_eq(b.level, "P1");
    ticket_done(&b);
    cr_assert_null(b.title);
}
