/* demo: builds the `--demo` database. Every change goes through ops (the same door as the
 * command line), with the clock moved to each event's instant so the audit log reads like a
 * real morning of support work. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "slatop/calendar.h"
#include "slatop/demo.h"
#include "slatop/demo_uptime.h"
#include "slatop/ops.h"
#include "slatop/policy.h"
#include "slatop/store.h"

extern const char embedded_chatti[];
extern const size_t embedded_chatti_len;

char *demo_default_path(void)
{
    const char *state = getenv("XDG_STATE_HOME");
    if (state && *state)
        return xasprintf("%s/slatop/demo.db", state);
    const char *home = getenv("HOME");
    if (home && *home)
        return xasprintf("%s/.local/state/slatop/demo.db", home);
    return NULL;
}

/* Replaces every occurrence of `from` in s by `to`. Caller owns the result. */
static char *replace_all(const char *s, const char *from, const char *to)
{
    strbuf sb;
    sb_init(&sb);
    size_t fl = strlen(from);
    const char *p;
    while ((p = strstr(s, from)) != NULL) {
        sb_append_n(&sb, s, (size_t)(p - s));
        sb_append(&sb, to);
        s = p + fl;
    }
    sb_append(&sb, s);
    return sb_steal(&sb);
}

/* The Chatti policy with the business zone replaced by `zone` and the description (the first
 * "description" key, the policy's own in the shipped file) marked as a demo. Caller owns it. */
static char *demo_policy_text(const char *zone)
{
    char *tmp = replace_all(embedded_chatti, "Europe/London", zone);
    char *mark = xasprintf("\"description\": \"DEMO (business zone %s so that every timer state shows). ", zone);
    char *out = NULL;
    char *d = strstr(tmp, "\"description\"");
    if (d) {
        const char *q = strchr(d + 13, '"'); /* the value's opening quote */
        if (q) {
            strbuf sb;
            sb_init(&sb);
            sb_append_n(&sb, tmp, (size_t)(d - tmp));
            sb_append(&sb, mark);
            sb_append(&sb, q + 1);
            out = sb_steal(&sb);
        }
    }
    free(mark);
    if (!out)
        return tmp;
    free(tmp);
    return out;
}

/* The first candidate zone whose local time at `now` is outside business hours, so the demo
 * shows a paused countdown whatever the hour; the policy text for it in *text. */
static st_code choose_policy(st_time now, char **text, st_err *err)
{
    static const char *const zones[] = {"Europe/London", "America/Los_Angeles", "Asia/Tokyo",
                                        "Pacific/Auckland", "America/New_York", "Asia/Kolkata"};
    char *fallback = NULL;
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        char *t = demo_policy_text(zones[i]);
        st_policy *p = NULL;
        st_err perr;
        if (policy_parse(t, strlen(t), "demo policy", &p, &perr) != ST_OK) {
            free(t);
            if (i == 0) {
                free(fallback);
                return st_fail(err, perr.code, "%s", perr.msg);
            }
            continue;
        }
        bool open = p->calendar && cal_is_business(p->calendar, now);
        policy_free(p);
        if (!open) {
            free(fallback);
            *text = t;
            return ST_OK;
        }
        if (!fallback)
            fallback = t;
        else
            free(t);
    }
    *text = fallback; /* every zone open (impossible with these calendars): keep London */
    return ST_OK;
}

/* A database server's locator (postgresql://...) rather than a file path. */
static bool is_locator(const char *path)
{
    return strstr(path, "://") != NULL;
}

/* Refuses to replace anything but our own demo; removes our own. On a database server the
 * database itself stays (its administrator may have made it): a database without slatop's tables
 * is as good as a missing file, and only slatop's tables of an earlier demo are removed. */
static st_code clear_old(const char *path, st_err *err)
{
    struct stat st;
    bool server = is_locator(path);
    if (!server && stat(path, &st) != 0)
        return ST_OK;
    st_store *s = NULL;
    st_err oerr;
    char *demo = NULL;
    bool ours = false;
    st_code orc = store_open(path, STORE_OPEN_RW, &s, &oerr);
    if (server && orc == ST_NOTFOUND)
        return ST_OK;
    if (server && orc != ST_OK) { /* unreachable, refused, a newer schema: its own reason */
        *err = oerr;
        return orc;
    }
    if (orc == ST_OK) {
        if (store_meta_get(s, "demo", &demo, &oerr) == ST_OK && demo && strcmp(demo, "1") == 0)
            ours = true;
        free(demo);
        store_close(s);
    }
    if (!ours) {
        char *shown = store_locator_shown(path);
        st_code rc = st_fail(err, ST_CONFLICT, "--db %s: not a demo database; refusing to replace it", shown);
        free(shown);
        return rc;
    }
    return store_remove(path, err);
}

static st_code mark_demo(const char *path, st_err *err)
{
    st_store *s = NULL;
    st_code rc = store_open(path, STORE_OPEN_RW, &s, err);
    if (rc != ST_OK)
        return rc;
    rc = store_begin(s, err);
    if (rc == ST_OK)
        rc = store_meta_set(s, "demo", "1", err);
    if (rc == ST_OK)
        rc = store_commit(s, err);
    else
        store_rollback(s);
    store_close(s);
    return rc;
}

typedef struct {
    const char *title, *customer, *channel, *level, *ref;
    int created_min;  /* minutes before now */
    const char *body; /* the first customer message, or NULL */
} demo_ticket;

/* Ticket ids follow this order (1-based). */
static const demo_ticket TICKETS[] = {
    /* 1: URGENT, replied late: missed; a next-reply cycle missed, another running */
    {"Platform unavailable: API returns 503 for every call", "Northwind Telecom", "phone", "URGENT", "CH-1041", 300,
     "Since 09:00 every API call returns 503.\nOur customers cannot send any message."},
    /* 2: HIGH, responded in time: met; the customer wrote again: next reply running */
    {"Delivery receipts delayed globally", "Globex Retail", "portal", "HIGH", "CH-1042", 180,
     "Delivery receipts arrive 20-40 minutes late, in every country we checked."},
    /* 3: NORMAL by channel (email), replied, on hold waiting on a carrier */
    {"Sender ID changed for France but messages delivered", "Initech GmbH", "email", NULL, "CH-1043", 150,
     "Messages to France arrive, but the sender ID shows a number instead of INITECH."},
    /* 4: LOW, resolved, then reopened by the customer's message */
    {"Question about monthly usage report", "Umbrella Health", "email", "LOW", "CH-1044", 120,
     "Where do I find last month's usage report?"},
    /* 5: HIGH 24x7, 20 minutes left: warn; assigned */
    {"Reach lost to a single major country (Brazil)", "Stark Logistics", "phone", "HIGH", "CH-1045", 100, NULL},
    /* 6: NORMAL raised to URGENT: due at once, breached */
    {"Many countries failing: supplier outage suspected", "Wayne Shipping", "email", NULL, "CH-1046", 90, NULL},
    /* 7: HIGH lowered to NORMAL: business clock, paused */
    {"Dashboard unavailable for one sub-account", "Acme Corp", "portal", "HIGH", "CH-1047", 50, NULL},
    /* 8: URGENT, 25 minutes left: ok */
    {"Account suspended: no API call accepted", "Soylent Foods", "phone", "URGENT", "CH-1048", 5, NULL},
    /* 9: LOW: request for enhancement, replied, pending the customer (resolution paused) */
    {"Request: CSV export of delivery reports", "Hooli Media", "portal", "LOW", "CH-1049", 10,
     "Could the delivery report be exported as CSV?\nWe load it into our own dashboards."},
    /* 10: NORMAL, entered from the old help desk, answered and resolved (shown by f) */
    {"Webhook retries doubled after SDK upgrade", "Vandelay Imports", "email", "NORMAL", "CH-1050", 400,
     "Since upgrading the SDK every webhook arrives twice."},
};

/* What the demo's schedule does at each step. */
typedef enum {
    DEMO_ADD,
    DEMO_RESPOND,
    DEMO_RESOLVE,
    DEMO_RAISE,
    DEMO_LOWER,
    DEMO_ASSIGN,
    DEMO_CUSTOMER, /* a customer message: arg is the body */
    DEMO_REPLY,
    DEMO_NOTE,
    DEMO_PENDING, /* arg is the reason */
    DEMO_ON_HOLD,
} demo_step;

static st_code build_content(const char *path, st_time now, st_err *err)
{
    st_clock clk;
    clock_freeze(&clk, now);
    st_store *s = NULL;
    st_ops *o = NULL;
    st_code rc = store_open(path, STORE_OPEN_RW, &s, err);
    if (rc == ST_OK)
        rc = ops_new(s, &clk, &o, err);

    /* Events in time order (minutes before now). */
#define AT(min) clock_freeze(&clk, now - (st_time)(min) * 60)
    int64_t ids[sizeof TICKETS / sizeof TICKETS[0]] = {0};
    /* Creation order by minute: build a simple schedule interleaving follow-ups. */
    struct {
        int min;
        demo_step what;
        size_t idx;
        const char *arg;
    } plan[] = {
        {300, DEMO_ADD, 0, NULL},
        {240, DEMO_REPLY, 0, "We see 503s from the API gateway since 09:00.\nEngineers are on it."},
        {230, DEMO_CUSTOMER, 0, "Still failing here.\nEvery call returns 503, the status endpoint too."},
        {195, DEMO_NOTE, 0, "Gateway pool exhausted after the 08:55 deploy; rolling back."},
        {190, DEMO_REPLY, 0, "The rollback is under way.\nNext update within 30 minutes."},
        {180, DEMO_ADD, 1, NULL},
        {170, DEMO_NOTE, 1, "Receipts queue at 40k; carrier callbacks are slow."},
        {150, DEMO_ADD, 2, NULL},
        {150, DEMO_RESPOND, 1, NULL},
        {140, DEMO_REPLY, 2, "We have asked the French carrier why the sender ID is rewritten."},
        {139, DEMO_ON_HOLD, 2, "waiting on the French carrier"},
        {120, DEMO_ADD, 3, NULL},
        {100, DEMO_ADD, 4, NULL},
        {90, DEMO_ADD, 5, NULL},
        {60, DEMO_RAISE, 5, "Customer confirms traffic to many countries failing; no workaround"},
        {60, DEMO_CUSTOMER, 1, "Receipts are still 20 minutes late for Germany."},
        {50, DEMO_ADD, 6, NULL},
        {40, DEMO_ASSIGN, 4, "priya"},
        {30, DEMO_RESOLVE, 3, NULL},
        {20, DEMO_LOWER, 6, "Workaround confirmed: the main account's dashboard works"},
        {20, DEMO_CUSTOMER, 0, "Are you still there?\nWe need an update for our own customers."},
        {15, DEMO_CUSTOMER, 3, "The report still shows the month before.\nPlease have another look."},
        {10, DEMO_ADD, 8, NULL},
        {8, DEMO_REPLY, 8, "Which columns do you need in the export?"},
        {7, DEMO_PENDING, 8, "asked the customer which columns"},
        {5, DEMO_ADD, 7, NULL},
        {3, DEMO_ADD, 9, NULL},
        {2, DEMO_REPLY, 9, "Raise the SDK's callback timeout from 2 s to 10 s:\nthe retries were timeouts."},
        {1, DEMO_RESOLVE, 9, NULL},
    };
    for (size_t i = 0; rc == ST_OK && i < sizeof plan / sizeof plan[0]; i++) {
        AT(plan[i].min);
        size_t k = plan[i].idx;
        ops_change ch;
        memset(&ch, 0, sizeof ch);
        switch (plan[i].what) {
        case DEMO_ADD: {
            const demo_ticket *d = &TICKETS[k];
            ops_new_ticket nt = {d->title,  d->level, d->customer,  d->channel, d->ref,
                                 now - (st_time)d->created_min * 60, d->body, d->body ? strlen(d->body) : 0,
                                 NULL, 0};
            rc = ops_add(o, &nt, &ids[k], err);
            break;
        }
        case DEMO_RESPOND:
            rc = ops_respond(o, ids[k], -1, err);
            break;
        case DEMO_RESOLVE:
            rc = ops_resolve(o, ids[k], -1, err);
            break;
        case DEMO_RAISE:
        case DEMO_LOWER:
            /* The raise goes straight to the top: under reprioritize_from=created it is due at
             * once, so the demo shows a sticky breach caused by a re-prioritization. */
            rc = ops_set_level(o, ids[k], plan[i].what == DEMO_RAISE ? OPS_TO : OPS_DOWN,
                               plan[i].what == DEMO_RAISE ? "URGENT" : NULL, plan[i].arg, -1, &ch, err);
            ops_change_done(&ch);
            break;
        case DEMO_ASSIGN:
            rc = ops_assign(o, ids[k], plan[i].arg, -1, err);
            break;
        case DEMO_CUSTOMER:
        case DEMO_REPLY:
        case DEMO_NOTE: {
            msg_kind kind = plan[i].what == DEMO_CUSTOMER ? MSG_CUSTOMER
                            : plan[i].what == DEMO_REPLY  ? MSG_REPLY
                                                          : MSG_NOTE;
            rc = ops_message(o, ids[k], kind, NULL, plan[i].arg, strlen(plan[i].arg), -1, NULL, err);
            break;
        }
        case DEMO_PENDING:
        case DEMO_ON_HOLD:
            rc = ops_set_status(o, ids[k], plan[i].what == DEMO_PENDING ? TK_PENDING : TK_ON_HOLD, plan[i].arg, -1,
                                err);
            break;
        }
    }
#undef AT
    ops_free(o);
    if (s)
        store_close(s);
    return rc;
}

st_code demo_build(const char *path, const st_clock *clock, st_err *err)
{
    st_time now = clock_now(clock);
    st_code rc = clear_old(path, err);
    if (rc != ST_OK)
        return rc;
    char *text = NULL;
    rc = choose_policy(now, &text, err);
    if (rc != ST_OK)
        return rc;
    /* The policy is recorded at the first ticket's hour, before any ticket. */
    st_clock at;
    clock_freeze(&at, now - 360 * 60);
    rc = ops_init_db_text(path, text, "demo policy (embedded chatti.json)", &at, err);
    free(text);
    if (rc == ST_OK)
        rc = mark_demo(path, err);
    if (rc == ST_OK)
        rc = build_content(path, now, err);
    if (rc == ST_OK)
        rc = demo_past_month(path, now, err);
    return rc;
}

st_code demo_monitoring(const char *db_path, st_time now, st_config *cfg, st_err *err)
{
    /* demo_uptime_write wants an absolute directory. A database server's demo keeps its files
     * beside the default demo's, named after the locator shown (no password). */
    char *dir;
    if (is_locator(db_path)) {
        char *state = demo_default_path();
        if (!state)
            return st_fail(err, ST_USAGE, "--demo: no place for the demo's monitoring files (HOME is not set)");
        char *shown = store_locator_shown(db_path);
        for (char *c = shown; *c; c++)
            if (!isalnum((unsigned char)*c))
                *c = '_';
        *strrchr(state, '/') = '\0';
        dir = xasprintf("%s/%s.uptime", state, shown);
        free(shown);
        free(state);
        /* No database file made the directories on the way (a file's demo has them). */
        for (char *c = strchr(dir + 1, '/'); c; c = strchr(c + 1, '/')) {
            *c = '\0';
            int made = mkdir(dir, 0700);
            *c = '/';
            if (made != 0 && errno != EEXIST) {
                st_code rc = st_fail(err, ST_IO, "%s: %s", dir, strerror(errno));
                free(dir);
                return rc;
            }
        }
    } else if (db_path[0] == '/') {
        dir = xasprintf("%s.uptime", db_path);
    } else {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd))
            return st_fail(err, ST_IO, "%s: cannot resolve the current directory: %s", db_path, strerror(errno));
        dir = xasprintf("%s/%s.uptime", cwd, db_path);
    }
    cfg_prometheus src;
    memset(&src, 0, sizeof src);
    char *sp = NULL;
    st_code rc = demo_uptime_write(dir, now, &src, &sp, err);
    free(dir);
    if (rc != ST_OK)
        return rc;
    /* The config owns its strings (config_free frees them): hand ours over. */
    config_prometheus_done(&cfg->prometheus);
    cfg->prometheus = src;
    cfg->has_prometheus = true;
    free(cfg->statuspage_url);
    cfg->statuspage_url = sp;
    return ST_OK;
}
