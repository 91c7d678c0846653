/* id_list: ids kept in order across many chunks, 4 bytes each while they fit 32 bits, a chunk
 * widened (alone) by a larger id with what it held kept; find, read and clear. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "slatop/id_list.h"

Test(id_list, keeps_order_across_chunks_in_4_bytes_an_id)
{
    id_list l = {0};
    const int64_t n = 100000; /* several chunks */
    for (int64_t i = 0; i < n; i++)
        id_list_push(&l, (i * 7919) % 1000003 + 1);
    cr_assert_eq(l.n, n);
    for (int64_t i = 0; i < n; i += 997)
        cr_assert_eq(id_list_get(&l, i), (i * 7919) % 1000003 + 1, "index %lld", (long long)i);
    cr_expect_leq(id_list_bytes(&l), (size_t)n * 4 + 64 * 1024 + 1024, "%zu bytes", id_list_bytes(&l));
    int64_t at = -1;
    cr_assert(id_list_find(&l, (54321 * 7919) % 1000003 + 1, &at));
    cr_expect_eq(at, 54321);
    cr_expect_not(id_list_find(&l, 0, &at));
    int64_t out[5];
    cr_assert_eq(id_list_read(&l, n - 3, out, 5), 3, "the end of the list");
    cr_expect_eq(out[2], ((n - 1) * 7919) % 1000003 + 1);
    id_list_clear(&l);
    cr_expect_eq(l.n, 0);
    cr_expect_eq(id_list_bytes(&l), 0);
    cr_expect_not(id_list_find(&l, 1, &at));
}

Test(id_list, an_id_above_32_bits_widens_its_chunk_only)
{
    id_list l = {0};
    for (int64_t i = 0; i < 20000; i++)
        id_list_push(&l, i);
    size_t narrow = id_list_bytes(&l);
    int64_t big = (int64_t)UINT32_MAX + 5;
    id_list_push(&l, big);
    id_list_push(&l, -1);
    id_list_push(&l, 7);
    cr_expect_gt(id_list_bytes(&l), narrow);
    cr_expect_lt(id_list_bytes(&l), 2 * narrow, "one chunk widened, not the list");
    cr_expect_eq(id_list_get(&l, 19999), 19999);
    cr_expect_eq(id_list_get(&l, 20000), big);
    cr_expect_eq(id_list_get(&l, 20001), -1);
    cr_expect_eq(id_list_get(&l, 20002), 7);
    cr_expect_eq(id_list_get(&l, 16384), 16384, "the widened chunk kept what it held");
    int64_t at;
    cr_assert(id_list_find(&l, big, &at));
    cr_expect_eq(at, 20000);
    cr_assert(id_list_find(&l, -1, &at));
    cr_expect_eq(at, 20001);
    id_list_clear(&l);
}
