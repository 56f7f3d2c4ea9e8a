// SPDX-License-Identifier: MIT
/*
 * Randomized differential test: random map/unmap operations on every variant
 * of the matrix, checked against a simple reference (one leaf record per
 * granule-sized unit) through both iova_to_phys and the hardware walker.
 *
 * The address space is sampled through three windows: at 0, straddling the
 * middle (a top-level entry boundary) and at the very top. Iterations scale
 * down under ASan and with IOMMU_TEST_SCALE (percent).
 */
#include "pt_common.h"

#define MAX_VARIANTS	64
#define NWIN		3
#define MAX_LEAVES	65536

struct leaf {
	uint64_t iova, pa, size;
	uint32_t prot;
	int next_free;
};

struct win {
	uint64_t base, units;
	int32_t *ref;		/* leaf index per unit, -1 if unmapped */
};

struct diff {
	struct iommu_mem *mem;
	struct iommu_pgtable *pt;
	struct iommu_pgtable_info info;
	uint64_t unit, oas_mask, seed;
	struct win w[NWIN];
	struct leaf *leaves;
	int free_head;
	uint64_t sizes[64];
	int nsizes;
	uint64_t ops, checks;
};

static struct pt_variant variants[MAX_VARIANTS];
static size_t n_variants;
static uint64_t total_ops, total_checks, total_maps_ok, total_stops;

static int leaf_new(struct diff *d)
{
	int i = d->free_head;

	assert_true(i >= 0);
	d->free_head = d->leaves[i].next_free;
	return i;
}

static void leaf_put(struct diff *d, int i)
{
	d->leaves[i].next_free = d->free_head;
	d->free_head = i;
}

static void check_unit(struct diff *d, struct win *w, uint64_t u)
{
	uint64_t iova = w->base + u * d->unit + (iu_rand_below(&d->seed, d->unit) & ~7ull);
	int32_t li = w->ref[u];

	d->checks++;
	if (li < 0) {
		pt_check(d->mem, d->pt, iova, false, 0);
		return;
	}
	const struct leaf *l = &d->leaves[li];
	pt_check(d->mem, d->pt, iova, true, l->pa + (iova - l->iova));
	/* The walker's view of write permission matches the mapping. */
	if ((d->checks & 7) == 0) {
		struct iommu_pgtable_hw hw;
		struct iommu_pgtable_walk_result r;
		int ret;

		iommu_pgtable_hw_get(d->pt, &hw);
		ret = iommu_pgtable_walk(d->mem, &hw, iova,
					 IOMMU_PGTABLE_ACC_WRITE | IOMMU_PGTABLE_ACC_PRIV, &r);
		if (l->prot & IOMMU_WRITE)
			assert_int_equal(ret, 0);
		else
			assert_int_equal(r.fault, IOMMU_PGTABLE_FAULT_PERMISSION);
		assert_int_equal(r.page_size ? r.page_size : l->size, l->size);
	}
}

static void op_map(struct diff *d, struct win *w)
{
	uint64_t sz = d->sizes[iu_rand_below(&d->seed, (uint64_t)d->nsizes)];
	uint64_t su = sz / d->unit, maxn = w->units / su, n, u0, pa, iova, mapped;
	uint32_t prot = (iu_rand_below(&d->seed, 2) ? IOMMU_WRITE : 0) | IOMMU_READ;
	bool busy = false;
	int ret;

	if (iu_rand_below(&d->seed, 4) == 0)
		prot |= IOMMU_NOEXEC;
	if (iu_rand_below(&d->seed, 2) == 0)
		prot |= IOMMU_CACHE;
	n = 1 + iu_rand_below(&d->seed, su <= 16 ? 16 : 4);
	if (n > maxn)
		n = maxn;
	u0 = iu_rand_below(&d->seed, maxn - n + 1) * su;
	iova = w->base + u0 * d->unit;
	pa = (iu_rand_next(&d->seed) & d->oas_mask) & ~(sz - 1);
	if (pa > d->oas_mask - (sz * n - 1))
		pa = 0;
	for (uint64_t u = u0; u < u0 + su * n && !busy; u++)
		busy = w->ref[u] >= 0;
	ret = iommu_pgtable_map_pages(d->pt, iova, pa, sz, n, prot, &mapped);
	if (ret != (busy ? -EEXIST : 0))
		fail_msg("map %#llx pa %#llx size %#llx x %llu: %d, expected %d",
			 (unsigned long long)iova, (unsigned long long)pa, (unsigned long long)sz,
			 (unsigned long long)n, ret, busy ? -EEXIST : 0);
	if (!ret) {
		total_maps_ok++;
		for (uint64_t p = 0; p < n; p++) {
			int li = leaf_new(d);

			d->leaves[li] = (struct leaf){ iova + p * sz, pa + p * sz, sz, prot, -1 };
			for (uint64_t u = 0; u < su; u++)
				w->ref[u0 + p * su + u] = li;
		}
	}
	check_unit(d, w, u0);
	check_unit(d, w, u0 + su * n - 1);
}

static void op_unmap(struct diff *d, struct win *w)
{
	uint64_t sz = d->sizes[iu_rand_below(&d->seed, (uint64_t)d->nsizes)];
	uint64_t su = sz / d->unit, maxn = w->units / su, n, u0, iova, end, pos, expect, got;
	void *gather = d;

	n = 1 + iu_rand_below(&d->seed, su <= 16 ? 24 : 4);
	if (n > maxn)
		n = maxn;
	u0 = iu_rand_below(&d->seed, maxn - n + 1) * su;
	iova = w->base + u0 * d->unit;
	end = iova + sz * n;	/* may wrap to 0 at the top of a 64-bit space */

	/* The policy: clear whole leaves inside, stop at one that crosses. */
	pos = iova;
	expect = sz * n;
	while (pos - iova < sz * n) {
		uint64_t u = (pos - w->base) / d->unit;
		int32_t li = w->ref[u];

		if (li < 0) {
			pos += d->unit;
			continue;
		}
		struct leaf *l = &d->leaves[li];
		if (l->iova < iova || l->iova + l->size - 1 > end - 1) {
			expect = l->iova < iova ? 0 : l->iova - iova;
			total_stops++;
			break;
		}
		for (uint64_t k = 0; k < l->size / d->unit; k++)
			w->ref[(l->iova - w->base) / d->unit + k] = -1;
		pos = l->iova + l->size;
		leaf_put(d, li);
	}
	got = iommu_pgtable_unmap_pages(d->pt, iova, sz, n, gather);
	if (got != expect)
		fail_msg("unmap %#llx size %#llx x %llu: %#llx, expected %#llx",
			 (unsigned long long)iova, (unsigned long long)sz, (unsigned long long)n,
			 (unsigned long long)got, (unsigned long long)expect);
	check_unit(d, w, u0);
	check_unit(d, w, u0 + su * n - 1);
}

static void run_variant(const struct pt_variant *v, uint64_t nops)
{
	struct diff d = { .seed = 0x5eed0000 + (uint64_t)v->cfg.fmt * 131 + v->cfg.ias * 7 + v->cfg.granule };
	uint64_t span, wbytes, second = 0, last;

	assert_int_equal(iommu_mem_new(RAM_BASE, RAM_SIZE, &d.mem), 0);
	assert_int_equal(iommu_pgtable_alloc(d.mem, &v->cfg, &pt_tlb_ops,
					     &(struct pt_tlb_count){ 0 }, &d.pt), 0);
	assert_int_equal(iommu_pgtable_info(d.pt, &d.info), 0);
	d.unit = d.info.granule;
	d.oas_mask = (1ull << d.info.oas) - 1;
	last = d.info.ias >= 64 ? ~0ull : (1ull << d.info.ias) - 1;
	span = d.info.ias >= 64 ? 1ull << 62 : 1ull << (d.info.ias - 2);

	/* Window: 8192 units, grown to hold a few of the second page size. */
	for (int lg = 0; lg < 64; lg++)
		if ((d.info.pgsize_bitmap & (1ull << lg)) && (1ull << lg) > d.unit && !second)
			second = 1ull << lg;
	wbytes = 8192 * d.unit;
	while (second && wbytes < 4 * second && wbytes < 32768 * d.unit)
		wbytes *= 2;
	if (wbytes > span)
		wbytes = span;
	for (int lg = 0; lg < 64; lg++)
		if ((d.info.pgsize_bitmap & (1ull << lg)) && (1ull << lg) <= wbytes / 4)
			d.sizes[d.nsizes++] = 1ull << lg;

	d.w[0].base = 0;
	d.w[1].base = ((last >> 1) + 1) - wbytes / 2;
	d.w[2].base = last - wbytes + 1;
	d.leaves = calloc(MAX_LEAVES, sizeof(*d.leaves));
	assert_non_null(d.leaves);
	for (int i = 0; i < MAX_LEAVES; i++)
		d.leaves[i].next_free = i + 1 < MAX_LEAVES ? i + 1 : -1;
	for (int i = 0; i < NWIN; i++) {
		d.w[i].units = wbytes / d.unit;
		d.w[i].ref = malloc(d.w[i].units * sizeof(int32_t));
		assert_non_null(d.w[i].ref);
		memset(d.w[i].ref, 0xff, d.w[i].units * sizeof(int32_t));
	}

	for (uint64_t op = 0; op < nops; op++) {
		struct win *w = &d.w[iu_rand_below(&d.seed, NWIN)];
		uint64_t r = iu_rand_below(&d.seed, 100);

		if (r < 52)
			op_map(&d, w);
		else if (r < 97)
			op_unmap(&d, w);
		else
			check_unit(&d, w, iu_rand_below(&d.seed, w->units));
		d.ops++;
		if ((op & 4095) == 4095)
			pt_check_pages(d.mem, d.pt);
	}

	/* Everything, then nothing. */
	for (int i = 0; i < NWIN; i++) {
		for (uint64_t u = 0; u < d.w[i].units; u += 1 + (d.w[i].units > 16384))
			check_unit(&d, &d.w[i], u);
		assert_int_equal(iommu_pgtable_unmap_pages(d.pt, d.w[i].base, d.unit, d.w[i].units, NULL),
				 wbytes);
		d.ops++;
		pt_check(d.mem, d.pt, d.w[i].base, false, 0);
	}
	struct iommu_pgtable_info end;
	assert_int_equal(iommu_pgtable_info(d.pt, &end), 0);
	assert_int_equal(end.table_pages, d.info.table_pages);
	pt_check_pages(d.mem, d.pt);
	iommu_pgtable_free(d.pt);
	assert_int_equal(iommu_mem_pages_in_use(d.mem), 0);
	iommu_mem_free(d.mem);
	for (int i = 0; i < NWIN; i++)
		free(d.w[i].ref);
	free(d.leaves);
	total_ops += d.ops;
	total_checks += d.checks;
}

static void test_differential(void **state)
{
	uint64_t t0 = iu_now_ns(), nops = pt_scale(40000);

	(void)state;
	for (size_t v = 0; v < n_variants; v++)
		run_variant(&variants[v], nops);
	print_message("differential: %zu variants, %llu map/unmap ops (%llu maps done, %llu unmaps "
		      "stopped at a block), %llu checks (iova_to_phys + walker), %.2f s\n",
		      n_variants, (unsigned long long)total_ops, (unsigned long long)total_maps_ok,
		      (unsigned long long)total_stops, (unsigned long long)total_checks,
		      (double)(iu_now_ns() - t0) / 1e9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_differential),
	};

	n_variants = pt_variants(variants, MAX_VARIANTS);
	return cmocka_run_group_tests_name("pgtable-diff", tests, NULL, NULL);
}
