/* pg_lib: libpq, loaded on the first PostgreSQL locator rather than linked. Linking it would map
 * it and its dependencies (libssl, libcrypto, libgssapi, libldap: ~30 libraries) at every start of
 * every command, SQLite users included (tests/e2e/startup_libs.sh keeps them out, as for libcurl
 * and libcrypto). pg_internal.h sends each PQ* call the backend makes through pg_lib. */
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "pg_internal.h"

pg_lib_fns pg_lib;
static bool loaded;

/* Resolves every name in order into the table (memcpy: ISO C has no conversion from dlsym's
 * void * to a function pointer). */
static void load(void)
{
    static const char *const names[] = {PG_LIB_NAMES};
    void *h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return;
    _Static_assert(sizeof pg_lib == sizeof names / sizeof *names * sizeof(void (*)(void)),
                   "one pointer per name");
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        void *f = dlsym(h, names[i]);
        if (!f)
            return; /* loaded stays false: an older libpq than this build needs */
        memcpy((char *)&pg_lib + i * sizeof(void (*)(void)), &f, sizeof(void (*)(void)));
    }
    loaded = true;
}

void (*pg_lib_sym(const char *name))(void)
{
    void (*f)(void) = NULL;
    void *h = loaded ? dlopen("libpq.so.5", RTLD_NOW | RTLD_NOLOAD) : NULL;
    void *p = h ? dlsym(h, name) : NULL;
    if (p)
        memcpy(&f, &p, sizeof f);
    if (h)
        dlclose(h); /* NOLOAD took a reference of its own; load's stays */
    return f;
}

st_code pg_lib_load(const char *name, st_err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, load);
    if (!loaded)
        return st_fail(err, ST_IO, "%s: libpq.so.5 not found (or too old): install libpq5", name);
    return ST_OK;
}
