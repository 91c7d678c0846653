/* pg_net: the network side of every connection slatop makes to a PostgreSQL server (SPEC §10).
 *
 * A silent network cut (a host gone, a firewall dropping packets) would otherwise leave a TCP
 * connection waiting for the kernel's retransmissions, about 15 minutes, before libpq hears of it;
 * so each connection asks for keepalives (10 s idle, then 3 probes 5 s apart) and a 15 s
 * tcp_user_timeout, and the blocking connect of a command gives up after 10 s. The user's own
 * settings win: a value in the locator, a PG* environment variable, or the service file PGSERVICE
 * names (a locator naming a service= leaves all of them to that service: libpq reads its file only
 * while connecting).
 *
 * libpq resolves a host name synchronously inside PQconnectStartParams and PQconnectPoll (libpq 15:
 * getaddrinfo when it moves to a host), so a slow DNS server would stall the console's loop while
 * it reconnects. pg_lookup resolves the name first with glibc's getaddrinfo_a, polled without
 * blocking, and the connection is then given hostaddr beside host: libpq connects to those
 * addresses, and still uses the name for TLS verification, SNI and ~/.pgpass. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pg_internal.h"

/* The defaults, each applied only where the user set nothing. */
static const struct {
    const char *key, *val;
} net_defaults[] = {
    {"connect_timeout", "10"},   {"keepalives", "1"},        {"keepalives_idle", "10"},
    {"keepalives_interval", "5"}, {"keepalives_count", "3"}, {"tcp_user_timeout", "15000"},
};

/* The value of key in opts (NULL when unset or empty). */
static const char *opt_val(const PQconninfoOption *opts, const char *key)
{
    for (const PQconninfoOption *o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, key) == 0)
            return o->val && *o->val ? o->val : NULL;
    return NULL;
}

/* libpq's defaults as a connection would see them: its environment variables and the service
 * file PGSERVICE names (PQconndefaults is not in the table every file shares). Caller frees with
 * PQconninfoFree; NULL when unavailable. */
static PQconninfoOption *conn_defaults(void)
{
    PQconninfoOption *(*defaults)(void) = NULL;
    void (*f)(void) = pg_lib_sym("PQconndefaults");
    if (f)
        memcpy(&defaults, &f, sizeof defaults);
    return defaults ? defaults() : NULL;
}

static void add(pg_conn_params *p, const char *key, const char *val)
{
    if (p->n + 1 < PG_CONN_MAX_PARAMS) {
        p->keys[p->n] = key;
        p->vals[p->n] = val;
        p->n++;
    }
    p->keys[p->n] = NULL;
    p->vals[p->n] = NULL;
}

void pg_conn_params_init(pg_conn_params *p, const char *locator)
{
    memset(p, 0, sizeof *p);
    add(p, "fallback_application_name", "slatop");
    /* A value given here would override the environment's and the service file's (libpq reads
     * those only for keys left unset): leave out what they set. */
    PQconninfoOption *given = PQconninfoParse(locator, NULL);
    PQconninfoOption *env = given && !opt_val(given, "service") ? conn_defaults() : NULL;
    for (size_t i = 0; env && i < sizeof net_defaults / sizeof *net_defaults; i++)
        if (!opt_val(env, net_defaults[i].key))
            add(p, net_defaults[i].key, net_defaults[i].val);
    PQconninfoFree(env);
    PQconninfoFree(given);
    /* After the defaults, so the locator's own values override them (PQconnectdbParams with
     * expand_dbname: a later key wins, and the expanded locator comes after them). */
    add(p, "dbname", locator);
}

void pg_conn_params_add(pg_conn_params *p, const char *key, const char *val)
{
    add(p, key, val);
}

/* ---- the asynchronous lookup -------------------------------------------------------------- */

#define LOOKUP_MAX_ADDRS 8 /* libpq tries each in turn, as it would the name's own list */

struct pg_lookup {
    char *name;
    struct addrinfo hints;
    struct gaicb cb;
    char *hosts, *addrs; /* host=name,name,... and hostaddr=a1,a2,... once resolved */
    bool not_started;    /* getaddrinfo_a refused the request: failed at once */
};

/* A lookup freed while glibc still works on it cannot be freed yet (its gaicb is written when it
 * completes): kept here, still reachable, and freed by a later pg_lookup_free once done. */
static pg_lookup *abandoned[8];

static void lookup_release(pg_lookup *l)
{
    if (l->cb.ar_result)
        freeaddrinfo(l->cb.ar_result);
    free(l->hosts);
    free(l->addrs);
    free(l->name);
    free(l);
}

/* The host a connection to locator would use when it is one name that DNS may be asked about
 * (not a socket directory, a numeric address, a list of hosts, or beside a hostaddr). Caller
 * frees; NULL otherwise. */
static char *lookup_name(const char *locator)
{
    PQconninfoOption *given = PQconninfoParse(locator, NULL);
    if (!given || opt_val(given, "service")) {
        PQconninfoFree(given);
        return NULL; /* the service file may name the host: libpq's own way */
    }
    PQconninfoOption *env = conn_defaults();
    const char *host = opt_val(given, "host") ? opt_val(given, "host") : opt_val(env, "host");
    bool addr = opt_val(given, "hostaddr") || opt_val(env, "hostaddr");
    char *name = NULL;
    unsigned char buf[sizeof(struct in6_addr)];
    if (host && !addr && host[0] != '/' && host[0] != '@' && !strchr(host, ',') &&
        inet_pton(AF_INET, host, buf) != 1 && inet_pton(AF_INET6, host, buf) != 1)
        name = xstrdup(host);
    PQconninfoFree(env);
    PQconninfoFree(given);
    return name;
}

pg_lookup *pg_lookup_start(const char *locator)
{
    char *name = lookup_name(locator);
    if (!name)
        return NULL;
    pg_lookup *l = xcalloc(1, sizeof *l);
    l->name = name;
    l->hints.ai_family = AF_UNSPEC;
    l->hints.ai_socktype = SOCK_STREAM;
    l->cb.ar_name = l->name;
    l->cb.ar_request = &l->hints;
    struct gaicb *list[] = {&l->cb};
    struct sigevent none = {.sigev_notify = SIGEV_NONE};
    if (getaddrinfo_a(GAI_NOWAIT, list, 1, &none) != 0)
        l->not_started = true;
    return l;
}

/* name repeated once per address, and the addresses, comma-separated (libpq's lists). */
static bool lookup_lists(pg_lookup *l)
{
    strbuf hosts, addrs;
    sb_init(&hosts);
    sb_init(&addrs);
    int n = 0;
    for (struct addrinfo *a = l->cb.ar_result; a && n < LOOKUP_MAX_ADDRS; a = a->ai_next) {
        char text[INET6_ADDRSTRLEN];
        const void *src = a->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
                          : a->ai_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr
                                                     : NULL;
        if (!src || !inet_ntop(a->ai_family, src, text, sizeof text))
            continue;
        sb_append(&hosts, n ? "," : "");
        sb_append(&hosts, l->name);
        sb_append(&addrs, n ? "," : "");
        sb_append(&addrs, text);
        n++;
    }
    l->hosts = sb_steal(&hosts);
    l->addrs = sb_steal(&addrs);
    return n > 0;
}

int pg_lookup_poll(pg_lookup *l)
{
    if (l->addrs)
        return 1;
    if (l->not_started)
        return -1;
    int rc = gai_error(&l->cb);
    if (rc == EAI_INPROGRESS)
        return 0;
    if (rc != 0 || !lookup_lists(l))
        return -1;
    return 1;
}

void pg_lookup_params(const pg_lookup *l, pg_conn_params *p)
{
    if (l && l->addrs) {
        add(p, "host", l->hosts);
        add(p, "hostaddr", l->addrs);
    }
}

void pg_lookup_free(pg_lookup *l)
{
    for (size_t i = 0; i < sizeof abandoned / sizeof *abandoned; i++)
        if (abandoned[i] && gai_error(&abandoned[i]->cb) != EAI_INPROGRESS) {
            lookup_release(abandoned[i]);
            abandoned[i] = NULL;
        }
    if (!l)
        return;
    if (!l->not_started && gai_error(&l->cb) == EAI_INPROGRESS && gai_cancel(&l->cb) != EAI_CANCELED) {
        for (size_t i = 0; i < sizeof abandoned / sizeof *abandoned; i++)
            if (!abandoned[i]) {
                abandoned[i] = l;
                return;
            }
        return; /* more than eight outstanding lookups: this one is left to the process's end */
    }
    lookup_release(l);
}
