/* effect: building the values views return to the event loop (console.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "slatop/console.h"

con_effect con_fx(view_result r)
{
    con_effect fx;
    memset(&fx, 0, sizeof fx);
    fx.r = r;
    return fx;
}

con_effect con_fx_push(view_result r, view *v)
{
    con_effect fx = con_fx(r);
    fx.push = v;
    return fx;
}

static void set_msg(con_effect *fx, bool error, const char *fmt, va_list ap)
{
    vsnprintf(fx->msg, sizeof fx->msg, fmt, ap);
    fx->has_msg = true;
    fx->msg_error = error;
}

con_effect *con_fx_msg(con_effect *fx, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_msg(fx, error, fmt, ap);
    va_end(ap);
    return fx;
}

con_effect con_fx_say(view_result r, bool error, const char *fmt, ...)
{
    con_effect fx = con_fx(r);
    va_list ap;
    va_start(ap, fmt);
    set_msg(&fx, error, fmt, ap);
    va_end(ap);
    return fx;
}
