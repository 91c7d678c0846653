/* alert_detect: crossings into warn or breached, once per clock and state (alert_detect.h). The
 * memory is an array of the clocks seen, sorted by key for binary search; each batch is at most a
 * list window of clocks, so sorting it after the batch costs little next to a tick's drawing. */
#include <stdlib.h>
#include <string.h>

#include "slatop/alert_detect.h"

typedef struct {
    int64_t ticket_id;
    int metric, cycle;
    unsigned alerted;   /* bit (1u << state): states this clock has already been in (or alerted) */
    uint64_t last_seen; /* the batch that last saw it */
} clock_mem;

struct alert_detector {
    clock_mem *mem; /* sorted by (ticket_id, metric, cycle) */
    size_t n, cap;
    uint64_t batch;
    alert_crossing *out;
    size_t out_cap;
};

static int key_cmp(int64_t id, int metric, int cycle, const clock_mem *m)
{
    if (id != m->ticket_id)
        return id < m->ticket_id ? -1 : 1;
    if (metric != m->metric)
        return metric < m->metric ? -1 : 1;
    return cycle < m->cycle ? -1 : cycle > m->cycle;
}

static int mem_cmp(const void *a, const void *b)
{
    const clock_mem *x = a;
    return key_cmp(x->ticket_id, x->metric, x->cycle, b);
}

/* Most recently seen first (then by key, so the order is deterministic). */
static int seen_cmp(const void *a, const void *b)
{
    const clock_mem *x = a, *y = b;
    if (x->last_seen != y->last_seen)
        return x->last_seen > y->last_seen ? -1 : 1;
    return mem_cmp(a, b);
}

static clock_mem *find(alert_detector *d, size_t n_sorted, const alert_obs *o)
{
    size_t lo = 0, hi = n_sorted;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(o->ticket_id, o->metric, o->cycle, &d->mem[mid]);
        if (c == 0)
            return &d->mem[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

alert_detector *alert_detect_new(void)
{
    return xcalloc(1, sizeof(alert_detector));
}

void alert_detect_free(alert_detector *d)
{
    if (!d)
        return;
    free(d->mem);
    free(d->out);
    free(d);
}

static bool alerting(sla_state s)
{
    return s == SLA_WARN || s == SLA_BREACHED;
}

size_t alert_detect_step(alert_detector *d, const alert_obs *obs, size_t n, const alert_crossing **out)
{
    d->batch++;
    size_t n_out = 0, n_sorted = d->n;
    for (size_t i = 0; i < n; i++) {
        const alert_obs *o = &obs[i];
        unsigned bit = 1u << (unsigned)o->state;
        clock_mem *m = find(d, n_sorted, o);
        if (!m) { /* new this batch (unsorted tail), or the same clock twice in the batch */
            for (size_t j = n_sorted; j < d->n && !m; j++)
                if (key_cmp(o->ticket_id, o->metric, o->cycle, &d->mem[j]) == 0)
                    m = &d->mem[j];
        }
        if (!m) { /* first observation: the baseline, never an alert */
            if (d->n == d->cap) {
                d->cap = d->cap ? d->cap * 2 : 64;
                d->mem = xrealloc(d->mem, d->cap * sizeof *d->mem);
            }
            d->mem[d->n++] = (clock_mem){o->ticket_id, o->metric, o->cycle, bit, d->batch};
            continue;
        }
        if (m->last_seen == d->batch)
            continue; /* twice in one batch: the first observation stands */
        m->last_seen = d->batch;
        if (alerting(o->state) && !(m->alerted & bit)) {
            if (n_out == d->out_cap) {
                d->out_cap = d->out_cap ? d->out_cap * 2 : 16;
                d->out = xrealloc(d->out, d->out_cap * sizeof *d->out);
            }
            d->out[n_out++] = (alert_crossing){i, o->state};
        }
        m->alerted |= bit;
    }
    /* Forget the least recently seen clocks past the bound (never one of this batch). */
    size_t keep = n > ALERT_DETECT_MEMORY ? n : ALERT_DETECT_MEMORY;
    bool resort = d->n != n_sorted;
    if (d->n > keep) {
        qsort(d->mem, d->n, sizeof *d->mem, seen_cmp);
        d->n = keep;
    }
    if (resort)
        qsort(d->mem, d->n, sizeof *d->mem, mem_cmp);
    *out = d->out;
    return n_out;
}

size_t alert_detect_remembered(const alert_detector *d)
{
    return d->n;
}
