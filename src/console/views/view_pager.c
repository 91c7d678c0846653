/* view_pager: the scrolling, searchable line list under the detail, audit and help views. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/view.h"

void pager_init(pager *p)
{
    memset(p, 0, sizeof *p);
}

void pager_clear(pager *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->lines[i].text);
    p->n = 0;
}

void pager_done(pager *p)
{
    pager_clear(p);
    free(p->lines);
    free(p->search);
    memset(p, 0, sizeof *p);
}

void pager_add(pager *p, ui_element el, int64_t tag, bool selectable, const char *fmt, ...)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->lines = xrealloc(p->lines, p->cap * sizeof *p->lines);
    }
    va_list ap;
    va_start(ap, fmt);
    char *text = xvasprintf(fmt, ap);
    va_end(ap);
    p->lines[p->n++] = (pager_line){.text = text, .el = el, .tag = tag, .selectable = selectable};
}

static bool has_ci(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        for (; i < nl && hay[i]; i++) {
            char a = hay[i], b = needle[i];
            if (a >= 'A' && a <= 'Z')
                a = (char)(a + 32);
            if (b >= 'A' && b <= 'Z')
                b = (char)(b + 32);
            if (a != b)
                break;
        }
        if (i == nl)
            return true;
    }
    return false;
}

static bool shown(const pager *p, size_t i)
{
    return !p->search || !p->lines[i].selectable || has_ci(p->lines[i].text, p->search);
}

/* Indices of the shown lines (the search hides non-matching selectable lines). */
static size_t *visible(const pager *p, size_t *nv)
{
    size_t *v = xmalloc((p->n ? p->n : 1) * sizeof *v);
    *nv = 0;
    for (size_t i = 0; i < p->n; i++)
        if (shown(p, i))
            v[(*nv)++] = i;
    return v;
}

static void clamp(pager *p, size_t nv, int h)
{
    if (p->sel >= (int64_t)nv)
        p->sel = (int64_t)nv - 1;
    if (p->sel < 0)
        p->sel = 0;
    if (p->sel < p->top)
        p->top = p->sel;
    if (h > 0 && p->sel >= p->top + h)
        p->top = p->sel - h + 1;
    if (p->top > (int64_t)nv - h)
        p->top = (int64_t)nv - h;
    if (p->top < 0)
        p->top = 0;
}

void pager_draw(pager *p, WINDOW *w, int y0, int h)
{
    size_t nv;
    size_t *v = visible(p, &nv);
    clamp(p, nv, h);
    int cols = getmaxx(w);
    for (int r = 0; r < h; r++) {
        int64_t i = p->top + r;
        if (i >= (int64_t)nv) {
            ui_put(w, y0 + r, 0, "", cols, A_NORMAL);
            continue;
        }
        const pager_line *l = &p->lines[v[i]];
        attr_t a = ui_attr(l->el);
        if (i == p->sel)
            a = ui_attr(EL_SELECTED);
        ui_put(w, y0 + r, 0, l->text, cols, a);
    }
    free(v);
}

view_result pager_key(pager *p, st_action a, int h)
{
    size_t nv;
    free(visible(p, &nv));
    int64_t page = h > 1 ? h - 1 : 1;
    switch (a) {
    case ACT_DOWN:
        p->sel++;
        break;
    case ACT_UP:
        p->sel--;
        break;
    case ACT_PAGE_DOWN:
        p->sel += page;
        break;
    case ACT_PAGE_UP:
        p->sel -= page;
        break;
    case ACT_FIRST:
        p->sel = 0;
        break;
    case ACT_LAST:
        p->sel = (int64_t)nv - 1;
        break;
    default:
        return VR_PASS;
    }
    clamp(p, nv, h);
    return VR_REDRAW;
}

const pager_line *pager_selected(const pager *p)
{
    size_t nv;
    size_t *v = visible(p, &nv);
    const pager_line *l = NULL;
    if (p->sel >= 0 && p->sel < (int64_t)nv)
        l = &p->lines[v[p->sel]];
    free(v);
    return l;
}
