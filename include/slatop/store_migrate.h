/* store_migrate: moving a team (SPEC §10): the whole database copied into an empty PostgreSQL
 * database in one transaction, every row as it is (ids, versions, the audit log's seqs, hosts and
 * hashes), so that `audit head` prints the same on both afterwards. */
#ifndef SLATOP_STORE_MIGRATE_H
#define SLATOP_STORE_MIGRATE_H

#include <stdint.h>

#include "slatop/store.h"
#include "slatop/util.h"

typedef struct {
    int64_t rows;      /* every row copied, all tables */
    int64_t tickets;
    int64_t messages;
    int64_t audit;     /* audit entries */
    int64_t head_seq;  /* the audit head both databases now have */
    char head_hash[65];
} store_migrate_stats;

/* Called every STORE_MIGRATE_PROGRESS_ROWS rows copied with the total so far and the table being
 * copied (the store's string). */
#define STORE_MIGRATE_PROGRESS_ROWS 100000
typedef void (*store_migrate_progress)(void *ctx, const char *table, int64_t rows);

/* Copies src (either backend; one consistent snapshot of it, read in constant memory) into the
 * PostgreSQL database at to, which must hold no table (ST_CONFLICT naming it, nothing touched;
 * created as 'init' would when missing). One transaction: on any failure the target keeps no
 * row, and err names the locator (credentials removed) and what failed. ST_USAGE when to is not
 * a postgresql:// or postgres:// locator. progress may be NULL. *out is filled on success. */
st_code store_migrate(st_store *src, const char *to, store_migrate_progress progress, void *ctx,
                      store_migrate_stats *out, st_err *err);

#endif
