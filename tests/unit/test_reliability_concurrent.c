/* Concurrent engineers (issue 6): 4 processes x 1,000 changes on 20 tickets through the real
 * binary, each change made against the version the engineer just read (`show ID --json`, then
 * `raise|lower ID --expect-version V`). Checks: a refusal is exit 1 naming who changed the ticket
 * ("by ACTOR"); no "busy"/"locked" error ever reaches the user; no lost update: replaying each
 * ticket's reprioritized audit entries (each from_level must be the previous to_level) gives its
 * final level, every accepted change is in the log exactly once and nothing else is, and each
 * ticket's version counts its changes. SLATOP_CONCURRENT_CHANGES overrides the count per process
 * (under ASan it defaults to 50: that stage looks for memory errors on the same paths, which the
 * plain stage's 4 x 1,000 drive into every race; 150 took 186 s of .ci/run's 30 minutes). */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>
#include <sys/prctl.h>

#include "../tools/reliability/relutil.h"

#define N_WORKERS 4
#define N_TICKETS 20

static const char *const LEVELS[] = {"S0", "S1", "S2", "S3"}; /* haptik.json, highest first */

static int level_index(const char *id)
{
    for (int i = 0; i < 4; i++)
        if (id != NULL && strcmp(id, LEVELS[i]) == 0)
            return i;
    return -1;
}

static bool has_busy(const char *s)
{
    return s != NULL && (rel_contains_ci(s, "busy") || rel_contains_ci(s, "locked"));
}

/* One engineer: `changes` attempts; one result line per attempt in log:
 * "OK reason" / "REFUSED" / "BAD what". Runs in a forked child; exits 0. */
static void worker(int w, const char *db, long changes, FILE *log)
{
    srand((unsigned)(getpid() * 7919 + w));
    char who[200];
    snprintf(who, sizeof who, "by %s", os_user());
    for (long i = 0; i < changes; i++) {
        char id[16], ver[32], reason[64];
        snprintf(id, sizeof id, "%d", 1 + rand() % N_TICKETS);
        rel_result r;
        rel_result_init(&r);
        int rc = REL_RUN(&r, "--db", db, "show", id, "--json");
        if (rc != 0 || has_busy(r.err.buf)) {
            fprintf(log, "BAD show %s exit %d: %s\n", id, rc, r.err.buf ? r.err.buf : "");
            rel_result_done(&r);
            continue;
        }
        cJSON *t = cJSON_ParseWithLength(r.out.buf ? r.out.buf : "", r.out.len);
        long version = rel_jint(t, "version");
        int lv = level_index(rel_jstr(t, "level"));
        cJSON_Delete(t);
        rel_result_done(&r);
        if (version < 1 || lv < 0) {
            fprintf(log, "BAD show %s: no version/level in JSON\n", id);
            continue;
        }
        const char *verb = lv == 0 ? "lower" : lv == 3 ? "raise" : (rand() % 2 ? "raise" : "lower");
        snprintf(ver, sizeof ver, "%ld", version);
        snprintf(reason, sizeof reason, "eng%d-change%ld", w, i);
        rel_result_init(&r);
        rc = REL_RUN(&r, "--db", db, verb, id, "--reason", reason, "--expect-version", ver);
        const char *err = r.err.buf ? r.err.buf : "";
        if (has_busy(err)) {
            fprintf(log, "BAD busy reached the user: %s", err);
        } else if (rc == 0) {
            fprintf(log, "OK %s\n", reason);
        } else if (rc == 1 && strstr(err, who) != NULL && rel_count_lines(err, r.err.len) == 1) {
            fprintf(log, "REFUSED\n");
        } else {
            fprintf(log, "BAD %s %s --expect-version %s: exit %d: %s\n", verb, id, ver, rc, err);
        }
        rel_result_done(&r);
    }
}

/* The timeout guards against a hang, not speed (tests/bench measures speed): 4,000 process pairs
 * took 146-200 s on a quiet 2-core machine and over 300 s at load average 10; ctest allows 600. */
Test(reliability_concurrent, four_engineers_lose_no_update, .timeout = 540)
{
    long changes = rel_env_long("SLATOP_CONCURRENT_CHANGES", rel_under_asan() ? 50 : 1000);
    char *dir = NULL, why[600];
    char *db = rel_init_db("conc", &dir, why, sizeof why);
    cr_assert(db != NULL, "%s", why);
    rel_result r;
    rel_result_init(&r);
    /* 20 tickets in one import: spread over every level so that raises and lowers both happen. */
    strbuf imp;
    sb_init(&imp);
    sb_append(&imp, "[");
    for (int i = 0; i < N_TICKETS; i++)
        sb_printf(&imp, "%s{\"title\": \"concurrent %d\", \"level\": \"%s\"}", i ? "," : "", i + 1, LEVELS[i % 4]);
    sb_append(&imp, "]");
    char *imp_path = xasprintf("%s/tickets.json", dir);
    cr_assert(rel_write_file(imp_path, imp.buf, imp.len));
    cr_assert_eq(REL_RUN(&r, "--db", db, "import", imp_path), 0, "import: %s", r.err.buf);
    rel_result_done(&r);
    sb_done(&imp);

    double t0 = rel_ms();
    pid_t pids[N_WORKERS];
    char *logs[N_WORKERS];
    for (int w = 0; w < N_WORKERS; w++) {
        logs[w] = xasprintf("%s/worker%d.log", dir, w);
        pids[w] = fork();
        cr_assert(pids[w] >= 0);
        if (pids[w] == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a failed test */
            FILE *f = fopen(logs[w], "w");
            if (f == NULL)
                _exit(3);
            setvbuf(f, NULL, _IOLBF, 0);
            worker(w, db, changes, f);
            fclose(f);
            _exit(0);
        }
    }
    for (int w = 0; w < N_WORKERS; w++) {
        int st = 0;
        waitpid(pids[w], &st, 0);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "worker %d died (status %d)", w, st);
    }
    double secs = (rel_ms() - t0) / 1000.0;

    /* Gather the results. */
    char **accepted = NULL;
    size_t n_acc = 0, cap_acc = 0;
    long refused = 0, attempts = 0;
    for (int w = 0; w < N_WORKERS; w++) {
        FILE *f = fopen(logs[w], "r");
        cr_assert(f != NULL);
        char line[1200];
        while (fgets(line, sizeof line, f) != NULL) {
            attempts++;
            line[strcspn(line, "\n")] = '\0';
            if (strncmp(line, "OK ", 3) == 0) {
                if (n_acc == cap_acc) {
                    cap_acc = cap_acc ? cap_acc * 2 : 1024;
                    accepted = xrealloc(accepted, cap_acc * sizeof *accepted);
                }
                accepted[n_acc++] = xstrdup(line + 3);
            } else if (strcmp(line, "REFUSED") == 0) {
                refused++;
            } else {
                cr_assert_fail("worker %d: %s", w, line);
            }
        }
        fclose(f);
        free(logs[w]);
    }
    cr_assert_eq(attempts, changes * N_WORKERS, "only %ld of %ld attempts logged", attempts, changes * N_WORKERS);
    cr_assert(n_acc > 0, "no change accepted");

    /* The log against the tickets. */
    rel_result_init(&r);
    cr_assert_eq(REL_RUN(&r, "--db", db, "audit", "verify"), 0, "audit verify: %s", r.err.buf);
    rel_result_done(&r);
    rel_result_init(&r);
    cr_assert_eq(REL_RUN(&r, "--db", db, "audit", "--json"), 0, "audit --json: %s", r.err.buf);
    cJSON *audit = cJSON_ParseWithLength(r.out.buf, r.out.len);
    cr_assert(cJSON_IsArray(audit), "audit --json is not an array");
    rel_result_done(&r);
    rel_result_init(&r);
    cr_assert_eq(REL_RUN(&r, "--db", db, "list", "--all", "--json"), 0, "list: %s", r.err.buf);
    cJSON *list = cJSON_ParseWithLength(r.out.buf, r.out.len);
    cr_assert(cJSON_IsArray(list), "list --json is not an array");
    rel_result_done(&r);

    const char *replay[N_TICKETS + 1] = {0};
    long n_changes[N_TICKETS + 1] = {0};
    char **logged = xcalloc((size_t)cJSON_GetArraySize(audit) + 1, sizeof *logged);
    size_t n_logged = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, audit) {
        long tid = rel_jint(e, "ticket_id");
        const char *kind = rel_jstr(e, "kind");
        if (tid < 1 || tid > N_TICKETS || kind == NULL)
            continue;
        if (strcmp(kind, "created") == 0) {
            replay[tid] = rel_jstr(e, "to_level") ? rel_jstr(e, "to_level") : LEVELS[(tid - 1) % 4];
        } else if (strcmp(kind, "reprioritized") == 0) {
            const char *from = rel_jstr(e, "from_level"), *to = rel_jstr(e, "to_level");
            cr_assert(replay[tid] != NULL && from != NULL && strcmp(from, replay[tid]) == 0,
                      "lost update: ticket %ld entry %ld changes from %s but the ticket was %s", tid,
                      rel_jint(e, "seq"), from ? from : "null", replay[tid] ? replay[tid] : "null");
            cr_assert(to != NULL);
            replay[tid] = to;
            n_changes[tid]++;
            logged[n_logged++] = (char *)rel_jstr(e, "reason");
        }
    }
    cr_assert_eq(n_logged, n_acc, "%zu reprioritized entries in the log, %zu changes accepted", n_logged, n_acc);
    qsort(logged, n_logged, sizeof *logged, rel_cmp_str);
    qsort(accepted, n_acc, sizeof *accepted, rel_cmp_str);
    for (size_t i = 0; i < n_acc; i++)
        cr_assert(logged[i] != NULL && strcmp(logged[i], accepted[i]) == 0,
                  "accepted change %s does not match the log (%s)", accepted[i], logged[i] ? logged[i] : "null");

    int seen = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, list) {
        long id = rel_jint(t, "id");
        cr_assert(id >= 1 && id <= N_TICKETS);
        cr_assert_str_eq(rel_jstr(t, "level"), replay[id], "ticket %ld: level %s, audit replay says %s", id,
                         rel_jstr(t, "level"), replay[id]);
        cr_assert_eq(rel_jint(t, "version"), 1 + n_changes[id], "ticket %ld: version %ld after %ld changes", id,
                     rel_jint(t, "version"), n_changes[id]);
        seen++;
    }
    cr_assert_eq(seen, N_TICKETS);
    fprintf(stderr,
            "reliability_concurrent: %d engineers x %ld changes in %.1f s: %zu accepted, %ld refused naming "
            "the engineer, %zu audit entries replayed over %d tickets, 0 busy errors\n",
            N_WORKERS, changes, secs, n_acc, refused, n_logged, N_TICKETS);
    for (size_t i = 0; i < n_acc; i++)
        free(accepted[i]);
    free(accepted);
    free(logged);
    cJSON_Delete(audit);
    cJSON_Delete(list);
    free(imp_path);
    rel_rmtree(dir);
    free(dir);
    free(db);
}
