/* gen_openmetrics: writes OpenMetrics counters http_requests_total{code="200"|"500"|"404"} with
 * 15 s samples on minute marks over one month (plus an hour either side) with planted incidents,
 * for `promtool tsdb create-blocks-from openmetrics`. The planted truth lives in
 * tests/e2e/uptime_prometheus.sh (built from tests/tools/uptime); minute numbers below count from the month
 * start.
 *
 * usage: gen_openmetrics MONTH_START_EPOCH MINUTES OUT_FILE */
#include <stdio.h>
#include <stdlib.h>

enum { C200, C500, C404, NCODES };
static const char *CODES[NCODES] = {"200", "500", "404"};

/* Requests of each code in 15 s slot `slot` (0..3) of minute m (may be negative: before the month). */
static void slot_counts(long m, int slot, long out[NCODES])
{
    long c200 = 100, c500 = (m % 7 == 0) ? 1 : 0, c404 = 3; /* per minute: 1% noise, never downtime */
    if (m >= 1000 && m < 1015) {
        c200 = 100;
        c500 = 100;
    } /* multi-minute outage */
    if (m == 2000) {
        c200 = 100;
        c500 = 4;
    } /* sub-minute blip, 3.8% */
    if (m == 3000) {
        c200 = 95;
        c500 = 5;
    } /* exactly 5%: up */
    if (m == 3100) {
        c200 = 949;
        c500 = 51;
    } /* 5.1%: down */
    if (m == 4000) {
        c200 = 0;
        c500 = 0;
        c404 = 0;
    } /* no traffic: NaN, up */
    if (m >= 4995 && m < 5000) {
        c200 = 20;
        c500 = 80;
    } /* outage right before the gap */
    if (m >= 6000 && m < 6010) {
        c200 = 60;
        c500 = 60;
    } /* outage with a counter reset */
    if ((m >= 7000 && m < 7003) || (m >= 7004 && m < 7007)) {
        c200 = 10;
        c500 = 90;
    } /* two periods */
    if ((m >= 8010 && m < 8020) || (m >= 8025 && m < 8035)) {
        c200 = 40;
        c500 = 60;
    } /* in window + overrun */
    if (m >= 9010 && m < 9020) {
        c200 = 40;
        c500 = 60;
    } /* in a late window */
    if (m == 10000) {
        c200 = 97;
        c500 = 3;
        c404 = 1000;
    } /* 4xx are not valid requests */
    long tot[NCODES] = {c200, c500, c404};
    for (int c = 0; c < NCODES; c++) {
        if (m == 2000 && c == C500) { /* the blip lands in one slot */
            out[c] = slot == 2 ? tot[c] : 0;
            continue;
        }
        out[c] = tot[c] / 4 + (slot < tot[c] % 4 ? 1 : 0);
    }
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: gen_openmetrics MONTH_START_EPOCH MINUTES OUT_FILE\n");
        return 2;
    }
    long long ms = atoll(argv[1]);
    long minutes = atol(argv[2]);
    FILE *f = fopen(argv[3], "w");
    if (!f) {
        perror(argv[3]);
        return 1;
    }
    long first = -60, last = minutes + 60;                        /* sample minutes, an hour either side */
    long long gap_a = ms + 5000LL * 60, gap_b = ms + 5010LL * 60; /* scrape gap (A, B) */
    long long reset_at = ms + 6005LL * 60 + 30;                   /* process restart */
    fprintf(f, "# HELP http_requests Requests by status code.\n# TYPE http_requests counter\n");
    for (int c = 0; c < NCODES; c++) {
        long long value = 1000000; /* counters start high so that a reset is a drop */
        for (long long t = ms + first * 60LL; t <= ms + last * 60LL; t += 15) {
            if (t > ms + first * 60LL) {
                long long s = t - 15 - ms; /* slot (t-15, t] */
                long m = (long)(s >= 0 ? s / 60 : -((-s + 59) / 60));
                int slot = (int)(((s % 60) + 60) % 60 / 15);
                long cnt[NCODES];
                slot_counts(m, slot, cnt);
                value = (t == reset_at) ? cnt[c] : value + cnt[c];
            }
            if (t > gap_a && t < gap_b)
                continue;
            fprintf(f, "http_requests_total{code=\"%s\"} %lld %lld\n", CODES[c], value, t);
        }
    }
    fprintf(f, "# EOF\n");
    if (fclose(f) != 0) {
        perror(argv[3]);
        return 1;
    }
    return 0;
}
