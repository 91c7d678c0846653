/* support_db: see support_db.h. */
#include "support_db.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const support_db_policy_24x7 =
    "{\"name\": \"T24\", \"levels\": ["
    "{\"id\": \"S0\", \"response_minutes\": 60, \"clock\": \"24x7\"},"
    "{\"id\": \"S1\", \"response_minutes\": 120, \"clock\": \"24x7\"},"
    "{\"id\": \"S2\", \"response_minutes\": 240, \"clock\": \"24x7\"}],"
    "\"reprioritize_from\": \"created\"}";

void support_db_open(support_db *f, const char *policy_json, const char *now)
{
    memset(f, 0, sizeof *f);
    strcpy(f->dir, "/tmp/slatop-db-XXXXXX");
    cr_assert_not_null(mkdtemp(f->dir));
    /* SLATOP_TEST_STORE (a PostgreSQL locator prefix, as the store suite's) puts the database
     * there, named after the directory's random suffix so that concurrent tests stay apart. */
    const char *base = getenv("SLATOP_TEST_STORE");
    if (base && *base)
        snprintf(f->db, sizeof f->db, "%s%s", base, strrchr(f->dir, '-') + 1);
    else
        snprintf(f->db, sizeof f->db, "%s/t.db", f->dir);
    st_time t = 0;
    cr_assert(time_parse_iso(now, &t), "bad time %s", now);
    clock_freeze(&f->clock, t);
    st_err err;
    cr_assert_eq(ops_init_db_text(f->db, policy_json, "policy.json", &f->clock, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(store_open(f->db, STORE_OPEN_RW, &f->store, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ops_new(f->store, &f->clock, &f->ops, &err), ST_OK, "%s", err.msg);
}

void support_db_close(support_db *f)
{
    ops_free(f->ops);
    store_close(f->store);
    const char *base = getenv("SLATOP_TEST_STORE");
    if (base && *base) {
        st_err ignored;
        store_remove(f->db, &ignored);
    }
    static const char *const names[] = {"t.db", "t.db-wal", "t.db-shm", "t.db-journal"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char *p = xasprintf("%s/%s", f->dir, names[i]);
        unlink(p);
        free(p);
    }
    rmdir(f->dir);
}
