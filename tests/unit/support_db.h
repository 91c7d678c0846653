/* support_db: a fresh database in a temporary directory (or, with SLATOP_TEST_STORE set, on that
 * backend) with a frozen clock, the store and ops open on it. Linked into every unit test executable; everything is prefixed support_db. */
#ifndef SLATOP_SUPPORT_DB_H
#define SLATOP_SUPPORT_DB_H

#include "slatop/ops.h"
#include "slatop/store.h"

/* Three 24x7 levels: S0 60, S1 120, S2 240 minutes; clocks restart from creation. */
extern const char *const support_db_policy_24x7;

typedef struct {
    char dir[64], db[256];
    st_clock clock;
    st_store *store; /* owned */
    st_ops *ops;     /* owned */
} support_db;

/* Creates the database with policy_json as version 1 at the frozen time `now` (ISO 8601); aborts
 * the test on failure. */
void support_db_open(support_db *f, const char *policy_json, const char *now);
/* Closes and removes everything support_db_open made. */
void support_db_close(support_db *f);

#endif
