/* model: see model.h. Names and parsers for the enums, and the free/copy helpers. */
#include "slatop/model.h"

#include <stdlib.h>
#include <string.h>

static const char *const tk_status_names[] = {"open", "pending", "on_hold", "resolved"};

static const char *const au_kind_names[] = {
    "created", "reprioritized", "responded", "resolved", "reopened", "assigned", "policy_applied",
    "status_changed", "message",
};

static const char *const msg_kind_names[] = {"customer", "reply", "note"};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Returns the index of s in names, or -1. */
static int name_index(const char *const *names, size_t n, const char *s)
{
    if (!s)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

const char *tk_status_name(tk_status s)
{
    if ((unsigned)s >= COUNT_OF(tk_status_names))
        return "unknown";
    return tk_status_names[s];
}

bool tk_status_parse(const char *s, tk_status *out)
{
    int i = name_index(tk_status_names, COUNT_OF(tk_status_names), s);
    if (i < 0)
        return false;
    *out = (tk_status)i;
    return true;
}

const char *au_kind_name(au_kind k)
{
    if ((unsigned)k >= COUNT_OF(au_kind_names))
        return "unknown";
    return au_kind_names[k];
}

bool au_kind_parse(const char *s, au_kind *out)
{
    int i = name_index(au_kind_names, COUNT_OF(au_kind_names), s);
    if (i < 0)
        return false;
    *out = (au_kind)i;
    return true;
}

const char *msg_kind_name(msg_kind k)
{
    if ((unsigned)k >= COUNT_OF(msg_kind_names))
        return "unknown";
    return msg_kind_names[k];
}

bool msg_kind_parse(const char *s, msg_kind *out)
{
    int i = name_index(msg_kind_names, COUNT_OF(msg_kind_names), s);
    if (i < 0)
        return false;
    *out = (msg_kind)i;
    return true;
}

void ticket_done(st_ticket *t)
{
    if (!t)
        return;
    free(t->ref);
    free(t->title);
    free(t->customer);
    free(t->channel);
    free(t->level);
    free(t->assignee);
    free(t->updated_by);
    memset(t, 0, sizeof *t);
}

void ticket_copy(st_ticket *dst, const st_ticket *src)
{
    *dst = *src;
    dst->ref = xstrdup(src->ref);
    dst->title = xstrdup(src->title);
    dst->customer = xstrdup(src->customer);
    dst->channel = xstrdup(src->channel);
    dst->level = xstrdup(src->level);
    dst->assignee = xstrdup(src->assignee);
    dst->updated_by = xstrdup(src->updated_by);
}

void audit_entry_done(st_audit_entry *e)
{
    if (!e)
        return;
    free(e->actor);
    free(e->from_level);
    free(e->to_level);
    free(e->reason);
    free(e->detail);
    free(e->from_status);
    free(e->to_status);
    free(e->message_kind);
    free(e->body_sha256);
    free(e->host);
    memset(e, 0, sizeof *e);
}

void message_done(st_message *m)
{
    if (!m)
        return;
    free(m->author);
    free(m->body);
    memset(m, 0, sizeof *m);
}
