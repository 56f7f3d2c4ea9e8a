// SPDX-License-Identifier: MIT
/*
 * IO page tables: the self-test matrix (every format x granule x address
 * size), the categories of the kernel's generic page-table tests, bad
 * arguments, allocation failure in the middle of a map, and the encodings
 * bit by bit. The randomized differential test is test_pgtable_diff.c.
 */
#include "pt_common.h"

#define MAX_VARIANTS	64

static struct pt_variant variants[MAX_VARIANTS];
static size_t n_variants;

struct ctx {
	struct iommu_mem *mem;
	struct iommu_pgtable *pt;
	struct pt_tlb_count tlb;
	struct iommu_pgtable_info info;
};

static void ctx_open(struct ctx *c, const struct iommu_pgtable_cfg *cfg)
{
	memset(c, 0, sizeof(*c));
	if (getenv("PT_TRACE"))
		fprintf(stderr, "variant fmt %d g %u ias %u oas %u flags %#x\n", cfg->fmt,
			cfg->granule, cfg->ias, cfg->oas, cfg->flags);
	assert_int_equal(iommu_mem_new(RAM_BASE, RAM_SIZE, &c->mem), 0);
	assert_int_equal(iommu_pgtable_alloc(c->mem, cfg, &pt_tlb_ops, &c->tlb, &c->pt), 0);
	assert_int_equal(iommu_pgtable_info(c->pt, &c->info), 0);
}

static void ctx_close(struct ctx *c)
{
	iommu_pgtable_free(c->pt);
	assert_int_equal(iommu_mem_pages_in_use(c->mem), 0);
	iommu_mem_free(c->mem);
}

static uint64_t root_pages(const struct ctx *c)
{
	struct iommu_pgtable_info i;

	iommu_pgtable_info(c->pt, &i);
	return i.table_pages;
}

/* Table pages of an empty table: the root only (an AMD table that grew on
 * top frees its old, now empty, lower levels too). */
static uint64_t empty_pages(const struct ctx *c)
{
	return c->info.table_pages;
}

static int map(struct ctx *c, uint64_t iova, uint64_t pa, uint64_t pgsize, uint64_t n, uint32_t prot)
{
	uint64_t mapped = 12345;
	int ret = iommu_pgtable_map_pages(c->pt, iova, pa, pgsize, n, prot, &mapped);

	assert_int_equal(mapped, ret ? 0 : pgsize * n);
	return ret;
}

#define RW	(IOMMU_READ | IOMMU_WRITE)

/* ---- the io-pgtable self-test matrix ---- */

static void test_matrix(void **state)
{
	(void)state;
	for (size_t v = 0; v < n_variants; v++) {
		struct ctx c;
		uint64_t iova = 0, sizes, last, g;
		uint64_t mapped_at[64] = { 0 };

		ctx_open(&c, &variants[v].cfg);
		g = c.info.granule;
		last = pt_last_iova(c.pt);

		/* Lookups in an empty table. */
		pt_check(c.mem, c.pt, 42, false, 0);
		pt_check(c.mem, c.pt, last & ~(g - 1), false, 0);
		pt_check(c.mem, c.pt, (last >> 1) + 1, false, 0);

		/* Map each supported page size; an overlapping map must fail. */
		sizes = c.info.pgsize_bitmap;
		for (int lg = 0; lg < 64; lg++) {
			uint64_t sz = 1ull << lg, a;

			if (!(sizes & sz))
				continue;
			a = ALIGN_UP(iova, iu_max(sz, SZ_1G));
			if (a < iova || a > last || sz - 1 > last - a || a + sz - 1 >= (1ull << c.info.oas))
				continue;
			if (map(&c, a, a, sz, 1, RW | IOMMU_NOEXEC | IOMMU_CACHE))
				fail_msg("%s: map %#llx size %#llx", variants[v].name,
					 (unsigned long long)a, (unsigned long long)sz);
			mapped_at[lg] = a + 1;
			assert_int_equal(map(&c, a, a + sz, sz, 1, RW), -EEXIST);
			assert_int_equal(map(&c, a + sz - g, a, g, 1, RW), -EEXIST);
			pt_check(c.mem, c.pt, a + 42, true, a + 42);
			pt_check(c.mem, c.pt, a + sz - 1, true, a + sz - 1);
			iova = a + sz;
		}

		/* Partial unmap of a block is refused; then unmap and remap. */
		for (int lg = 0; lg < 64; lg++) {
			uint64_t sz = 1ull << lg, a;

			if (!mapped_at[lg])
				continue;
			a = mapped_at[lg] - 1;
			if (sz > g) {
				assert_int_equal(iommu_pgtable_unmap_pages(c.pt, a + g, g, 1, NULL), 0);
				assert_int_equal(iommu_pgtable_unmap_pages(c.pt, a, g, 1, NULL), 0);
				pt_check(c.mem, c.pt, a + g, true, a + g);
			}
			assert_int_equal(iommu_pgtable_unmap_pages(c.pt, a, sz, 1, &c), sz);
			pt_check(c.mem, c.pt, a + 42, false, 0);
			assert_int_equal(map(&c, a, a, sz, 1, IOMMU_READ), 0);
			pt_check(c.mem, c.pt, a + 42, true, a + 42);
			assert_int_equal(iommu_pgtable_unmap_pages(c.pt, a, sz, 1, &c), sz);
		}
		assert_int_equal(root_pages(&c), empty_pages(&c));

		/* The last page of the input range, and one beyond it. */
		assert_int_equal(map(&c, last - g + 1, 0x1000000ull, g, 1, RW), 0);
		pt_check(c.mem, c.pt, last - g + 1, true, 0x1000000ull);
		pt_check(c.mem, c.pt, last, true, 0x1000000ull + g - 1);
		if (last != ~0ull) {
			assert_int_equal(map(&c, last + 1, 0, g, 1, RW), -ERANGE);
			assert_int_equal(map(&c, last - g + 1, 0, g, 2, RW), -ERANGE);
		}
		assert_int_equal(iommu_pgtable_unmap_pages(c.pt, last - g + 1, g, 1, NULL), g);
		assert_int_equal(root_pages(&c), empty_pages(&c));
		pt_check_pages(c.mem, c.pt);
		ctx_close(&c);
	}
}

/* ---- the generic page-table test categories ---- */

/* Growing the number of levels (AMD v1 dynamic top). */
static void test_increase_level(void **state)
{
	struct iommu_pgtable_cfg cfg = { .fmt = IOMMU_PGTABLE_AMD_V1, .ias = 64, .oas = 52,
					 .flags = IOMMU_PGTABLE_F_DYNAMIC_TOP };
	struct ctx c;
	uint64_t a;

	(void)state;
	ctx_open(&c, &cfg);
	assert_int_equal(c.info.levels, 3);
	assert_int_equal(map(&c, 0x1000, 0x5000, SZ_4K, 1, RW), 0);
	/* Each higher address adds levels; old mappings stay. */
	for (unsigned int lv = 4; lv <= 6; lv++) {
		a = 1ull << (12 + 9 * (lv - 1));
		assert_int_equal(map(&c, a, 0x7000, SZ_4K, 1, RW), 0);
		assert_int_equal(iommu_pgtable_info(c.pt, &c.info), 0);
		assert_int_equal(c.info.levels, lv);
		assert_int_equal(c.tlb.top_levels, lv);
		struct iommu_pgtable_hw hw;
		assert_int_equal(iommu_pgtable_hw_get(c.pt, &hw), 0);
		assert_int_equal(hw.root, c.tlb.top_root);
		assert_int_equal(hw.levels, lv);
		pt_check(c.mem, c.pt, 0x1000, true, 0x5000);
		pt_check(c.mem, c.pt, a + 8, true, 0x7008);
	}
	assert_int_equal(c.tlb.change_top, 3);
	a = ~0ull - SZ_4K + 1;
	assert_int_equal(map(&c, a, 0x9000, SZ_4K, 1, RW), 0);
	pt_check(c.mem, c.pt, ~0ull, true, 0x9fff);
	assert_int_equal(iommu_pgtable_unmap_pages(c.pt, a, SZ_4K, 1, NULL), SZ_4K);
	ctx_close(&c);

	/* Without dynamic top the same address does not fit a 39-bit table. */
	cfg.flags = 0;
	cfg.ias = 39;
	ctx_open(&c, &cfg);
	assert_int_equal(map(&c, 1ull << 39, 0, SZ_4K, 1, RW), -ERANGE);
	ctx_close(&c);
}

/* Map a range with the biggest page sizes that fit, like the IOMMU core. */
static uint64_t map_range(struct ctx *c, uint64_t iova, uint64_t pa, uint64_t len, uint32_t prot)
{
	uint64_t done = 0;

	while (done < len) {
		uint64_t a = iova + done, p = pa + done, best = 0;

		for (int lg = 63; lg >= 0; lg--) {
			uint64_t sz = 1ull << lg;

			if ((c->info.pgsize_bitmap & sz) && !((a | p) & (sz - 1)) && sz <= len - done) {
				best = sz;
				break;
			}
		}
		assert_true(best);
		assert_int_equal(map(c, a, p, best, 1, prot), 0);
		done += best;
	}
	return done;
}

static void test_map_simple(void **state)
{
	(void)state;
	for (size_t v = 0; v < n_variants; v++) {
		struct ctx c;
		uint64_t g, len, iova, pa;

		ctx_open(&c, &variants[v].cfg);
		g = c.info.granule;
		/* A range that needs several sizes: unaligned head and tail. */
		iova = 0x40000000ull - 3 * g;
		pa = 0x80000000ull - 3 * g;
		len = 0x4000000ull + 6 * g;
		if (iova + len - 1 > pt_last_iova(c.pt) || pa + len - 1 >= (1ull << c.info.oas)) {
			ctx_close(&c);
			continue;
		}
		map_range(&c, iova, pa, len, RW);
		for (uint64_t off = 0; off < len; off += len / 97 + g)
			pt_check(c.mem, c.pt, iova + off, true, pa + off);
		pt_check(c.mem, c.pt, iova - 1, false, 0);
		pt_check(c.mem, c.pt, iova + len, false, 0);
		/* Unmap the lot with the smallest page size: whole leaves only. */
		assert_int_equal(iommu_pgtable_unmap_pages(c.pt, iova, g, len / g, &c.tlb), len);
		for (uint64_t off = 0; off < len; off += len / 97 + g)
			pt_check(c.mem, c.pt, iova + off, false, 0);
		assert_int_equal(root_pages(&c), empty_pages(&c));
		ctx_close(&c);
	}
}

/* Unmap never splits: a range ending inside a block stops before it. */
static void test_unmap_split(void **state)
{
	(void)state;
	for (size_t v = 0; v < n_variants; v++) {
		struct ctx c;
		uint64_t g, blk = 0, base = 0;

		ctx_open(&c, &variants[v].cfg);
		g = c.info.granule;
		for (int lg = 0; lg < 64; lg++)
			if ((c.info.pgsize_bitmap & (1ull << lg)) && (1ull << lg) > g) {
				blk = 1ull << lg;
				break;
			}
		if (!blk) {
			ctx_close(&c);
			continue;
		}
		base = blk * 4;
		if (base + 4 * blk - 1 > pt_last_iova(c.pt)) {
			ctx_close(&c);
			continue;
		}
		/* [base, +g*2) small pages, then a block at base + blk */
		assert_int_equal(map(&c, base, base, g, 2, RW), 0);
		assert_int_equal(map(&c, base + blk, base + blk, blk, 1, RW), 0);
		/* Range covers the small pages and half the block: stop at the block. */
		assert_int_equal(iommu_pgtable_unmap_pages(c.pt, base, g, (blk + blk / 2) / g, NULL), blk);
		pt_check(c.mem, c.pt, base, false, 0);
		pt_check(c.mem, c.pt, base + blk, true, base + blk);
		/* Starting inside the block: nothing. */
		assert_int_equal(iommu_pgtable_unmap_pages(c.pt, base + blk + g, g, 1, NULL), 0);
		/* Whole block. */
		assert_int_equal(iommu_pgtable_unmap_pages(c.pt, base + blk, blk, 1, NULL), blk);
		/* A table full of small pages unmapped with the block size frees it. */
		assert_int_equal(map(&c, base, base, g, blk / g, RW), 0);
		assert_true(root_pages(&c) > empty_pages(&c));
		c.tlb.flush_walk = 0;
		assert_int_equal(iommu_pgtable_unmap_pages(c.pt, base, blk, 1, NULL), blk);
		assert_true(c.tlb.flush_walk >= 1);
		assert_int_equal(root_pages(&c), empty_pages(&c));
		pt_check_pages(c.mem, c.pt);
		ctx_close(&c);
	}
}

/* Random non-overlapping maps of random sizes, then random unmaps. */
static void test_random_map(void **state)
{
	uint64_t seed = 0x1234;

	(void)state;
	for (size_t v = 0; v < n_variants; v++) {
		struct ctx c;
		struct { uint64_t iova, pa, size; } m[64];
		size_t n = 0;
		uint64_t last;

		ctx_open(&c, &variants[v].cfg);
		last = pt_last_iova(c.pt);
		for (int i = 0; i < 200 && n < ARRAY_SIZE(m); i++) {
			uint64_t bm = c.info.pgsize_bitmap & (SZ_1G * 2 - 1), sz, a, p;
			int lg;

			do
				lg = (int)iu_rand_below(&seed, 31);
			while (!(bm & (1ull << lg)));
			sz = 1ull << lg;
			a = (iu_rand_next(&seed) & last) & ~(sz - 1);
			p = (iu_rand_next(&seed) & ((1ull << c.info.oas) - 1)) & ~(sz - 1);
			if (a > last - (sz - 1))
				continue;
			int ret = map(&c, a, p, sz, 1, RW);
			bool overlap = false;

			for (size_t j = 0; j < n; j++)
				if (a <= m[j].iova + m[j].size - 1 && m[j].iova <= a + sz - 1)
					overlap = true;
			assert_int_equal(ret, overlap ? -EEXIST : 0);
			if (!ret)
				m[n++] = (typeof(m[0])){ a, p, sz };
		}
		for (size_t j = 0; j < n; j++) {
			pt_check(c.mem, c.pt, m[j].iova, true, m[j].pa);
			pt_check(c.mem, c.pt, m[j].iova + m[j].size - 1, true, m[j].pa + m[j].size - 1);
		}
		for (size_t j = 0; j < n; j++) {
			assert_int_equal(iommu_pgtable_unmap_pages(c.pt, m[j].iova, m[j].size, 1, NULL),
					 m[j].size);
			pt_check(c.mem, c.pt, m[j].iova, false, 0);
		}
		assert_int_equal(root_pages(&c), empty_pages(&c));
		ctx_close(&c);
	}
}

/* Pages at the edges of tables at every level. */
static void test_pgsize_boundary(void **state)
{
	(void)state;
	for (size_t v = 0; v < n_variants; v++) {
		struct ctx c;
		uint64_t last;

		ctx_open(&c, &variants[v].cfg);
		last = pt_last_iova(c.pt);
		for (int lg = 0; lg < 64; lg++) {
			uint64_t sz = 1ull << lg;

			if (!(c.info.pgsize_bitmap & sz))
				continue;
			/* Around each higher power-of-two boundary up to the top. */
			for (int b = lg + 1; b < 64; b += 3) {
				uint64_t edge = 1ull << b;

				if (edge > last || edge - sz > last - 2 * sz + 1 || edge + sz - 1 >= (1ull << c.info.oas))
					break;
				assert_int_equal(map(&c, edge - sz, edge - sz, sz, 2, RW), 0);
				pt_check(c.mem, c.pt, edge - 1, true, edge - 1);
				pt_check(c.mem, c.pt, edge, true, edge);
				pt_check(c.mem, c.pt, edge + sz, false, 0);
				assert_int_equal(iommu_pgtable_unmap_pages(c.pt, edge - sz, sz, 2, NULL), 2 * sz);
				pt_check(c.mem, c.pt, edge - 1, false, 0);
			}
		}
		assert_int_equal(root_pages(&c), empty_pages(&c));
		ctx_close(&c);
	}
}

/* Mixed sizes side by side, removed with one call. */
static void test_mixed(void **state)
{
	(void)state;
	for (size_t v = 0; v < n_variants; v++) {
		struct ctx c;
		uint64_t a, start, sizes[8], at[16], len[16];
		int ns = 0, nm = 0;

		ctx_open(&c, &variants[v].cfg);
		for (int lg = 0; lg < 34 && ns < 8; lg++)
			if (c.info.pgsize_bitmap & (1ull << lg))
				sizes[ns++] = 1ull << lg;
		start = a = sizes[ns - 1] * 2;
		if (start + 4 * sizes[ns - 1] > pt_last_iova(c.pt)) {
			ctx_close(&c);
			continue;
		}
		/* large, small, ..., smallest, ..., large again */
		for (int i = ns - 1; i >= 0; i--) {
			a = ALIGN_UP(a, sizes[i]);
			assert_int_equal(map(&c, a, a, sizes[i], 1, RW), 0);
			at[nm] = a;
			len[nm++] = sizes[i];
			a += sizes[i];
		}
		for (int i = 0; i < ns; i++) {
			a = ALIGN_UP(a, sizes[i]);
			assert_int_equal(map(&c, a, a, sizes[i], 1, IOMMU_READ), 0);
			at[nm] = a;
			len[nm++] = sizes[i];
			a += sizes[i];
		}
		for (int i = 0; i < nm; i++) {
			pt_check(c.mem, c.pt, at[i], true, at[i]);
			pt_check(c.mem, c.pt, at[i] + len[i] - 1, true, at[i] + len[i] - 1);
		}
		assert_int_equal(iommu_pgtable_unmap_pages(c.pt, start, sizes[0], (a - start) / sizes[0],
							   &c.tlb), a - start);
		assert_int_equal(root_pages(&c), empty_pages(&c));
		ctx_close(&c);
	}
}

/* ---- bad arguments change nothing ---- */

static void test_bad_args(void **state)
{
	(void)state;
	for (size_t v = 0; v < n_variants; v++) {
		struct ctx c;
		uint64_t g, pages;
		struct iommu_pgtable_cfg cfg = variants[v].cfg;
		struct iommu_pgtable *pt2 = NULL;

		ctx_open(&c, &cfg);
		g = c.info.granule;
		assert_int_equal(map(&c, 0x100000, 0x100000, g, 1, RW), 0);
		pages = root_pages(&c);

		assert_int_equal(map(&c, 0x200000 + g / 2, 0x100000, g, 1, RW), -EINVAL);
		assert_int_equal(map(&c, 0x200000, 0x100000 + 8, g, 1, RW), -EINVAL);
		assert_int_equal(map(&c, 0x200000, 0x100000, g * 3, 1, RW), -EINVAL);
		assert_int_equal(map(&c, 0x200000, 0x100000, g / 2, 1, RW), -EINVAL);
		assert_int_equal(map(&c, 0x200000, 0x100000, 0, 1, RW), -EINVAL);
		assert_int_equal(map(&c, 0x200000, 0x100000, g, 0, RW), -EINVAL);
		assert_int_equal(map(&c, 0x200000, 0x100000, g, 1, RW | 0x1000), -EINVAL);
		assert_int_equal(map(&c, 0x200000, 0x100000, g, 1, 0), -EINVAL);
		assert_int_equal(map(&c, 0x200000, 0x100000, g, 1, IOMMU_NOEXEC), -EINVAL);
		assert_int_equal(map(&c, 0x200000, 1ull << c.info.oas, g, 1, RW), -ERANGE);
		assert_int_equal(map(&c, 0x200000, 0, g, ~0ull / 2, RW), -ERANGE);
		if (pt_last_iova(c.pt) != ~0ull)
			assert_int_equal(map(&c, pt_last_iova(c.pt) + 1, 0, g, 1, RW), -ERANGE);
		assert_int_equal(iommu_pgtable_map_pages(NULL, 0, 0, g, 1, RW, NULL), -EINVAL);
		assert_int_equal(iommu_pgtable_unmap_pages(c.pt, 0x100000 + g / 2, g, 1, NULL), 0);
		assert_int_equal(iommu_pgtable_unmap_pages(c.pt, 0x100000, g * 3, 1, NULL), 0);
		assert_int_equal(iommu_pgtable_unmap_pages(c.pt, 0x100000, g, 0, NULL), 0);
		assert_int_equal(iommu_pgtable_unmap_pages(NULL, 0x100000, g, 1, NULL), 0);
		uint64_t pa;
		assert_int_equal(iommu_pgtable_iova_to_phys(c.pt, 0x100000, NULL), -EINVAL);
		assert_int_equal(iommu_pgtable_iova_to_phys(NULL, 0x100000, &pa), -EINVAL);
		if (pt_last_iova(c.pt) != ~0ull)
			assert_int_equal(iommu_pgtable_iova_to_phys(c.pt, pt_last_iova(c.pt) + 1, &pa), -ERANGE);
		assert_int_equal(iommu_pgtable_info(c.pt, NULL), -EINVAL);
		assert_int_equal(iommu_pgtable_hw_get(NULL, NULL), -EINVAL);
		/* state unchanged */
		assert_int_equal(root_pages(&c), pages);
		pt_check(c.mem, c.pt, 0x100000, true, 0x100000);
		pt_check(c.mem, c.pt, 0x200000, false, 0);

		/* Bad configurations */
		struct iommu_pgtable_cfg b;
#define BAD_CFG(field, val) do { b = cfg; b.field = (val); \
		assert_int_equal(iommu_pgtable_alloc(c.mem, &b, NULL, NULL, &pt2), -EINVAL); \
		assert_null(pt2); } while (0)
		BAD_CFG(granule, 8192);
		BAD_CFG(ias, 20);
		BAD_CFG(ias, 65);
		BAD_CFG(oas, 53);
		BAD_CFG(oas, 31);
		BAD_CFG(flags, 0x100);
		BAD_CFG(fmt, IOMMU_PGTABLE_NR_FMTS);
		BAD_CFG(pgsize_bitmap, g * 2);
		BAD_CFG(pgsize_bitmap, g | (1ull << 63));
		if (cfg.fmt != IOMMU_PGTABLE_AMD_V1)
			BAD_CFG(flags, IOMMU_PGTABLE_F_DYNAMIC_TOP);
		if (cfg.fmt <= IOMMU_PGTABLE_ARM_S2)
			BAD_CFG(oas, 46);
		else
			BAD_CFG(granule, 16384);
#undef BAD_CFG
		assert_int_equal(iommu_pgtable_alloc(NULL, &cfg, NULL, NULL, &pt2), -EINVAL);
		assert_int_equal(iommu_pgtable_alloc(c.mem, NULL, NULL, NULL, &pt2), -EINVAL);
		assert_int_equal(iommu_pgtable_alloc(c.mem, &cfg, NULL, NULL, NULL), -EINVAL);
		assert_int_equal(root_pages(&c), pages);
		pt_check_pages(c.mem, c.pt);
		ctx_close(&c);
	}
	iommu_pgtable_free(NULL);
}

/* ---- allocation failure in the middle of a map ---- */

static void test_alloc_failure(void **state)
{
	(void)state;
	for (size_t v = 0; v < n_variants; v++) {
		struct ctx c;
		long live0 = iu_alloc_live();
		uint64_t g, pages, iova, len, sz;
		int ret;
		unsigned long n;

		/* Allocating the table itself: every allocation in turn. */
		for (n = 1;; n++) {
			struct iommu_pgtable *pt = NULL;
			struct iommu_mem *mem;

			assert_int_equal(iommu_mem_new(RAM_BASE, RAM_SIZE, &mem), 0);
			iu_fail_nth(n);
			ret = iommu_pgtable_alloc(mem, &variants[v].cfg, NULL, NULL, &pt);
			iu_fail_nth(0);
			iommu_pgtable_free(pt);
			assert_int_equal(iommu_mem_pages_in_use(mem), 0);
			iommu_mem_free(mem);
			if (!ret)
				break;
			assert_int_equal(ret, -ENOMEM);
		}
		assert_true(n > 1);
		assert_int_equal(iu_alloc_live(), live0);

		ctx_open(&c, &variants[v].cfg);
		g = c.info.granule;
		/* Something already there, next to where the map goes. */
		assert_int_equal(map(&c, 0, 0x1000000, g, 1, RW), 0);
		pages = root_pages(&c);
		/* A map spanning several new tables at the lowest level. */
		sz = g;
		len = (g / 8) * g * 3;	/* three leaf tables' worth */
		iova = (g / 8) * g * 5 - 2 * g;
		if (iova + len - 1 > pt_last_iova(c.pt)) {
			ctx_close(&c);
			continue;
		}
		for (n = 1;; n++) {
			iu_fail_nth(n);
			ret = map(&c, iova, 0x2000000, sz, len / sz, RW);
			iu_fail_nth(0);
			if (!ret)
				break;
			assert_int_equal(ret, -ENOMEM);
			/* Unwound: nothing new mapped, no table gained, nothing leaked. */
			assert_int_equal(root_pages(&c), pages);
			pt_check(c.mem, c.pt, iova, false, 0);
			pt_check(c.mem, c.pt, iova + len - g, false, 0);
			pt_check(c.mem, c.pt, 0, true, 0x1000000);
			pt_check_pages(c.mem, c.pt);
		}
		if (c.info.levels > 1)
			assert_true(n > 2);
		pt_check(c.mem, c.pt, iova + len - g, true, 0x2000000 + len - g);
		assert_int_equal(iommu_pgtable_unmap_pages(c.pt, iova, sz, len / sz, NULL), len);
		assert_int_equal(root_pages(&c), pages);
		ctx_close(&c);
		assert_int_equal(iu_alloc_live(), live0);
	}
}

/* RAM itself running out in the middle of a map unwinds the same way. */
static void test_ram_exhausted(void **state)
{
	struct iommu_pgtable_cfg cfg = { .fmt = IOMMU_PGTABLE_ARM_S1, .ias = 48, .oas = 48 };
	struct iommu_mem *mem;
	struct iommu_pgtable *pt;
	uint64_t pa, fill[64];
	int nfill = 0, ret;

	(void)state;
	assert_int_equal(iommu_mem_new(RAM_BASE, 16 * SZ_4K, &mem), 0);
	assert_int_equal(iommu_pgtable_alloc(mem, &cfg, NULL, NULL, &pt), 0);
	while (iommu_mem_alloc(mem, SZ_4K, &pa) == 0)
		fill[nfill++] = pa;
	/* Give back k pages: the map needs 3 tables for the first 4K and 4 more
	 * to cross into another level-0 (Arm level 1) entry. */
	for (int k = 0; k <= 7; k++) {
		if (k)
			assert_int_equal(iommu_mem_release(mem, fill[--nfill], SZ_4K), 0);
		ret = iommu_pgtable_map_pages(pt, (1ull << 39) - SZ_4K, 0, SZ_4K, 2, RW, NULL);
		if (k < 6) {
			assert_int_equal(ret, -ENOMEM);
			assert_int_equal(iommu_pgtable_iova_to_phys(pt, (1ull << 39) - SZ_4K, &pa), -ENOENT);
			assert_int_equal(iommu_mem_pages_in_use(mem), (uint64_t)nfill + 1 +
					 (uint64_t)k);	/* fill + root + cached tables */
		} else {
			assert_int_equal(ret, 0);
			break;
		}
	}
	iommu_pgtable_free(pt);
	assert_int_equal(iommu_mem_pages_in_use(mem), (uint64_t)nfill);
	iommu_mem_free(mem);
}

/* ---- encodings, bit by bit ---- */

static uint64_t leaf_of(struct ctx *c, uint64_t iova)
{
	struct iommu_pgtable_hw hw;
	struct iommu_pgtable_walk_result r;

	iommu_pgtable_hw_get(c->pt, &hw);
	iommu_pgtable_walk(c->mem, &hw, iova, IOMMU_PGTABLE_ACC_READ | IOMMU_PGTABLE_ACC_PRIV, &r);
	return r.entry;
}

static uint64_t root_entry(struct ctx *c, uint64_t idx)
{
	struct iommu_pgtable_hw hw;
	uint64_t e;

	iommu_pgtable_hw_get(c->pt, &hw);
	assert_int_equal(iommu_mem_read(c->mem, hw.root + idx * 8, &e, 8), 0);
	return e;
}

static void test_encodings(void **state)
{
	struct ctx c;
	struct iommu_pgtable_cfg cfg = { .fmt = IOMMU_PGTABLE_ARM_S1, .ias = 48, .oas = 48 };
	struct iommu_pgtable_hw hw;
	const uint64_t P = 0x123456789000ull;

	(void)state;
	/* Arm stage 1, 4K: page, block, table descriptor, TCR, MAIR */
	ctx_open(&c, &cfg);
	assert_int_equal(map(&c, 0, P, SZ_4K, 1, RW | IOMMU_CACHE), 0);
	assert_int_equal(leaf_of(&c, 0), P | 0xf47);	/* page|AttrIdx1|SH=IS|AF|nG|AP=01 */
	assert_int_equal(map(&c, SZ_1G, P & ~(SZ_2M - 1), SZ_2M, 1, IOMMU_READ | IOMMU_NOEXEC), 0);
	assert_int_equal(leaf_of(&c, SZ_1G), (P & ~(SZ_2M - 1)) | 0x60000000000ec1ull);
	assert_int_equal(map(&c, 4 * SZ_1G, 0x40000000, SZ_1G, 1, RW | IOMMU_MMIO | IOMMU_PRIV), 0);
	assert_int_equal(leaf_of(&c, 4 * SZ_1G), 0x40000000ull | 0xc09);	/* block|Dev|AF|nG|AP=00 */
	assert_int_equal(root_entry(&c, 0) & 0xfff0000000000fffull, 3);
	iommu_pgtable_hw_get(c.pt, &hw);
	assert_int_equal(hw.tcr, 0x500803510ull);
	assert_int_equal(hw.mair, 0x04ff44ull);
	assert_int_equal(hw.levels, 4);
	ctx_close(&c);

	/* Arm stage 1 with dirty tracking: writable-clean = DBM|AP[2] */
	cfg.flags = IOMMU_PGTABLE_F_DIRTY;
	ctx_open(&c, &cfg);
	assert_int_equal(map(&c, 0, P, SZ_4K, 1, RW), 0);
	assert_int_equal(leaf_of(&c, 0), P | (1ull << 51) | 0xec3);
	iommu_pgtable_hw_get(c.pt, &hw);
	assert_int_equal(hw.tcr, 0x500803510ull | (3ull << 39));
	ctx_close(&c);

	/* Arm stage 2, 4K, 40-bit: concatenated start at level 1 (2 pages) */
	cfg = (struct iommu_pgtable_cfg){ .fmt = IOMMU_PGTABLE_ARM_S2, .ias = 40, .oas = 48 };
	ctx_open(&c, &cfg);
	assert_int_equal(c.info.levels, 3);
	assert_int_equal(c.info.table_pages, 2);
	assert_int_equal(map(&c, 0xff00000000ull, P, SZ_4K, 1, RW | IOMMU_CACHE), 0);
	assert_int_equal(leaf_of(&c, 0xff00000000ull), P | 0x7ff);	/* page|WB|IS|AF|S2AP=11 */
	assert_int_equal(map(&c, 0, 0, SZ_2M, 1, IOMMU_WRITE | IOMMU_NOEXEC), 0);
	assert_int_equal(leaf_of(&c, 0), 0x0040000000000695ull);	/* block|NC|OS|AF|S2AP=10|XN */
	iommu_pgtable_hw_get(c.pt, &hw);
	assert_int_equal(hw.tcr, 0x53558ull);	/* T0SZ 24, SL0 1, WBWA IS, 4K, PS 48-bit */
	ctx_close(&c);

	/* Arm 64K granule, stage 2, 32-bit: one level of 8 concatenated tables */
	cfg = (struct iommu_pgtable_cfg){ .fmt = IOMMU_PGTABLE_ARM_S2, .granule = 65536, .ias = 32, .oas = 40 };
	ctx_open(&c, &cfg);
	assert_int_equal(c.info.levels, 1);
	assert_int_equal(c.info.table_pages, 128);	/* 8 x 64K */
	assert_int_equal(c.info.pgsize_bitmap, SZ_64K);
	iommu_pgtable_hw_get(c.pt, &hw);
	assert_int_equal(hw.tcr & 0xc0, 0);		/* SL0 0 = start at level 3 */
	assert_int_equal((hw.tcr >> 14) & 3, 1);	/* TG0 64K */
	ctx_close(&c);

	/* x86-64: 4K and 2M leaves, table entries */
	cfg = (struct iommu_pgtable_cfg){ .fmt = IOMMU_PGTABLE_X86_64, .ias = 47, .oas = 52 };
	ctx_open(&c, &cfg);
	assert_int_equal(map(&c, 0, P, SZ_4K, 1, RW), 0);
	assert_int_equal(leaf_of(&c, 0), P | 0x67);		/* P|RW|US|A|D */
	assert_int_equal(map(&c, SZ_2M, 0x40000000, SZ_2M, 1, IOMMU_READ | IOMMU_NOEXEC | IOMMU_PRIV), 0);
	assert_int_equal(leaf_of(&c, SZ_2M), 0x40000000ull | 0xa1 | (1ull << 63));	/* P|A|PS|XD */
	assert_int_equal(root_entry(&c, 0) & 0xfff, 0x27);
	ctx_close(&c);

	/* VT-d second stage */
	cfg = (struct iommu_pgtable_cfg){ .fmt = IOMMU_PGTABLE_VTD_SS, .ias = 48, .oas = 52 };
	ctx_open(&c, &cfg);
	assert_int_equal(map(&c, 0, P, SZ_4K, 1, RW | IOMMU_CACHE), 0);
	assert_int_equal(leaf_of(&c, 0), P | 0x807);		/* R|W|X|SNP */
	assert_int_equal(map(&c, SZ_1G, SZ_1G, SZ_1G, 1, IOMMU_WRITE | IOMMU_NOEXEC), 0);
	assert_int_equal(root_entry(&c, 0) & 0xfff, 0x7);
	iommu_pgtable_hw_get(c.pt, &hw);
	struct iommu_pgtable_walk_result r;
	assert_int_equal(iommu_pgtable_walk(c.mem, &hw, SZ_1G + 5, IOMMU_PGTABLE_ACC_WRITE, &r), 0);
	assert_int_equal(r.entry, SZ_1G | 0x82);		/* W|PS */
	assert_int_equal(r.page_size, SZ_1G);
	ctx_close(&c);

	/* AMD v1: native and next-level-7 sizes */
	cfg = (struct iommu_pgtable_cfg){ .fmt = IOMMU_PGTABLE_AMD_V1, .ias = 48, .oas = 52 };
	ctx_open(&c, &cfg);
	assert_int_equal(map(&c, 0, P, SZ_4K, 1, RW), 0);
	assert_int_equal(leaf_of(&c, 0), P | 0x6000000000000001ull);
	assert_int_equal(map(&c, 0x10000, 0x80000, 0x8000, 1, IOMMU_READ | IOMMU_CACHE), 0);
	/* 32K: bits 13:12 = 11, bit 14 = 0; repeated in all 8 slots */
	for (int i = 0; i < 8; i++)
		assert_int_equal(leaf_of(&c, 0x10000 + i * SZ_4K), 0x80000ull | 0x3000 | 0xe01 | (3ull << 60));
	assert_int_equal(map(&c, 0x800000, 0x400000, 0x400000, 1, IOMMU_WRITE), 0);
	assert_int_equal(leaf_of(&c, 0x800000), 0x400000ull | 0x1ff000 | 0xe01 | (1ull << 62)); /* 4M at level 2 */
	assert_int_equal(leaf_of(&c, 0xa00000), 0x400000ull | 0x1ff000 | 0xe01 | (1ull << 62));
	assert_int_equal(root_entry(&c, 0) & 0xfff0000000000fffull, 0x6000000000000601ull); /* NL=3 */
	assert_int_equal(iommu_pgtable_unmap_pages(c.pt, 0x10000, 0x8000, 1, NULL), 0x8000);
	assert_int_equal(iommu_pgtable_unmap_pages(c.pt, 0x800000, SZ_2M, 1, NULL), 0); /* would split */
	ctx_close(&c);
}

/* ---- the walker's faults ---- */

static void corrupt(struct ctx *c, uint64_t iova, int level, uint64_t newval)
{
	/* Write @newval into the descriptor at @level on the path of @iova. */
	struct iommu_pgtable_hw hw;
	struct iommu_pgtable_walk_result r;
	uint64_t table, e;
	unsigned int sh;

	iommu_pgtable_hw_get(c->pt, &hw);
	table = hw.root;
	for (int l = (int)c->info.levels - 1;; l--) {
		sh = 12 + 9 * (unsigned int)l;
		uint64_t idx = (iova >> sh) & 511;
		assert_int_equal(iommu_mem_read(c->mem, table + idx * 8, &e, 8), 0);
		if (l == level) {
			assert_int_equal(iommu_mem_write(c->mem, table + idx * 8, &newval, 8), 0);
			return;
		}
		table = e & GENMASK(47, 12);
	}
	(void)r;
}

static int walk(struct ctx *c, uint64_t iova, uint32_t acc, struct iommu_pgtable_walk_result *r)
{
	struct iommu_pgtable_hw hw;

	iommu_pgtable_hw_get(c->pt, &hw);
	return iommu_pgtable_walk(c->mem, &hw, iova, acc, r);
}

#define ACC_R	IOMMU_PGTABLE_ACC_READ
#define ACC_W	IOMMU_PGTABLE_ACC_WRITE
#define ACC_X	IOMMU_PGTABLE_ACC_EXEC
#define ACC_P	IOMMU_PGTABLE_ACC_PRIV

static void expect_fault(struct ctx *c, uint64_t iova, uint32_t acc, enum iommu_pgtable_fault f)
{
	struct iommu_pgtable_walk_result r;
	int ret = walk(c, iova, acc, &r);

	if (ret != -EFAULT || r.fault != f)
		fail_msg("iova %#llx acc %#x: ret %d fault %s, expected %s", (unsigned long long)iova,
			 acc, ret, iommu_pgtable_fault_name(r.fault), iommu_pgtable_fault_name(f));
}

static void expect_ok(struct ctx *c, uint64_t iova, uint32_t acc)
{
	struct iommu_pgtable_walk_result r;
	int ret = walk(c, iova, acc, &r);

	if (ret)
		fail_msg("iova %#llx acc %#x: fault %s", (unsigned long long)iova, acc,
			 iommu_pgtable_fault_name(r.fault));
}

static void test_walker_faults(void **state)
{
	struct ctx c;
	struct iommu_pgtable_cfg cfg = { .fmt = IOMMU_PGTABLE_ARM_S1, .ias = 48, .oas = 40 };
	struct iommu_pgtable_walk_result r;
	struct iommu_pgtable_hw hw;

	(void)state;
	/* Arm stage 1 */
	ctx_open(&c, &cfg);
	assert_int_equal(map(&c, 0x1000, 0x1000, SZ_4K, 1, IOMMU_READ), 0);
	assert_int_equal(map(&c, 0x2000, 0x2000, SZ_4K, 1, RW | IOMMU_PRIV), 0);
	assert_int_equal(map(&c, 0x3000, 0x3000, SZ_4K, 1, RW | IOMMU_NOEXEC), 0);
	assert_int_equal(map(&c, 0x4000, 0x4000, SZ_4K, 1, IOMMU_READ), 0);
	expect_ok(&c, 0x1000, ACC_R);
	expect_ok(&c, 0x1000, ACC_X);
	expect_fault(&c, 0x1000, ACC_W, IOMMU_PGTABLE_FAULT_PERMISSION);
	expect_fault(&c, 0x2000, ACC_R, IOMMU_PGTABLE_FAULT_PERMISSION);
	expect_ok(&c, 0x2000, ACC_R | ACC_W | ACC_P);
	expect_fault(&c, 0x3000, ACC_X, IOMMU_PGTABLE_FAULT_PERMISSION);
	expect_fault(&c, 0x3000, ACC_X | ACC_P, IOMMU_PGTABLE_FAULT_PERMISSION);
	expect_ok(&c, 0x3000, ACC_W);
	expect_fault(&c, 0x5000, ACC_R, IOMMU_PGTABLE_FAULT_TRANSLATION);
	expect_fault(&c, 1ull << 48, ACC_R, IOMMU_PGTABLE_FAULT_TRANSLATION);	/* beyond T0SZ */
	/* AF clear: access-flag fault */
	corrupt(&c, 0x4000, 0, leaf_of(&c, 0x4000) & ~(1ull << 10));
	expect_fault(&c, 0x4000, ACC_R, IOMMU_PGTABLE_FAULT_ACCESS_FLAG);
	/* Output address above OAS (40 bits): address-size fault */
	corrupt(&c, 0x4000, 0, leaf_of(&c, 0x1000) | (1ull << 44));
	expect_fault(&c, 0x4000, ACC_R, IOMMU_PGTABLE_FAULT_ADDR_SIZE);
	/* Block descriptor at level 3 is reserved: translation fault */
	corrupt(&c, 0x4000, 0, 0x4000 | 0x401);
	expect_fault(&c, 0x4000, ACC_R, IOMMU_PGTABLE_FAULT_TRANSLATION);
	/* A table pointer outside RAM: walk abort, not a crash */
	corrupt(&c, 0x1000, 1, 0xabcd000ull | 3);
	expect_fault(&c, 0x1000, ACC_R, IOMMU_PGTABLE_FAULT_WALK_ABORT);
	corrupt(&c, 0x1000, 1, 0);	/* repair: drop the subtree by hand */
	/* APTable[1] (no write below) in a table descriptor */
	assert_int_equal(map(&c, 1ull << 39, 0x9000, SZ_4K, 1, RW), 0);
	expect_ok(&c, 1ull << 39, ACC_W);
	corrupt(&c, 1ull << 39, 3, root_entry(&c, 1) | (1ull << 62));
	expect_fault(&c, 1ull << 39, ACC_W, IOMMU_PGTABLE_FAULT_PERMISSION);
	expect_ok(&c, 1ull << 39, ACC_R);
	corrupt(&c, 1ull << 39, 3, root_entry(&c, 1) & ~(1ull << 62));
	/* Bad register view */
	iommu_pgtable_hw_get(c.pt, &hw);
	hw.tcr |= 3ull << 14;
	assert_int_equal(iommu_pgtable_walk(c.mem, &hw, 0, ACC_R, &r), -EINVAL);
	assert_int_equal(iommu_pgtable_walk(c.mem, NULL, 0, ACC_R, &r), -EINVAL);
	assert_int_equal(walk(&c, 0, 0, &r), -EINVAL);
	assert_int_equal(walk(&c, 0, ACC_R | 0x100, &r), -EINVAL);
	iommu_pgtable_hw_get(c.pt, &hw);
	hw.root = 0x7000000000ull;	/* root outside RAM */
	assert_int_equal(iommu_pgtable_walk(c.mem, &hw, 0, ACC_R, &r), -EFAULT);
	assert_int_equal(r.fault, IOMMU_PGTABLE_FAULT_WALK_ABORT);
	/* the corrupted subtree is not reachable any more; free the rest */
	iommu_pgtable_free(c.pt);
	iommu_mem_free(c.mem);

	/* Arm stage 2 permissions */
	cfg = (struct iommu_pgtable_cfg){ .fmt = IOMMU_PGTABLE_ARM_S2, .ias = 40, .oas = 48 };
	ctx_open(&c, &cfg);
	assert_int_equal(map(&c, 0x1000, 0x1000, SZ_4K, 1, IOMMU_WRITE), 0);
	assert_int_equal(map(&c, 0x2000, 0x2000, SZ_4K, 1, IOMMU_READ | IOMMU_NOEXEC), 0);
	expect_fault(&c, 0x1000, ACC_R, IOMMU_PGTABLE_FAULT_PERMISSION);
	expect_ok(&c, 0x1000, ACC_W);
	expect_fault(&c, 0x2000, ACC_W, IOMMU_PGTABLE_FAULT_PERMISSION);
	expect_fault(&c, 0x2000, ACC_X, IOMMU_PGTABLE_FAULT_PERMISSION);
	expect_fault(&c, 1ull << 40, ACC_R, IOMMU_PGTABLE_FAULT_TRANSLATION);
	/* SL0 inconsistent with T0SZ: translation fault */
	iommu_pgtable_hw_get(c.pt, &hw);
	hw.tcr = (hw.tcr & ~0xc0ull) | (0ull << 6);	/* start at level 2: too many tables */
	assert_int_equal(iommu_pgtable_walk(c.mem, &hw, 0x1000, ACC_W, &r), -EFAULT);
	assert_int_equal(r.fault, IOMMU_PGTABLE_FAULT_TRANSLATION);
	ctx_close(&c);

	/* x86-64 */
	cfg = (struct iommu_pgtable_cfg){ .fmt = IOMMU_PGTABLE_X86_64, .ias = 47, .oas = 46 };
	ctx_open(&c, &cfg);
	assert_int_equal(map(&c, 0x1000, 0x1000, SZ_4K, 1, IOMMU_READ), 0);
	assert_int_equal(map(&c, 0x2000, 0x2000, SZ_4K, 1, RW | IOMMU_PRIV | IOMMU_NOEXEC), 0);
	expect_fault(&c, 0x1000, ACC_W, IOMMU_PGTABLE_FAULT_PERMISSION);
	expect_fault(&c, 0x2000, ACC_R, IOMMU_PGTABLE_FAULT_PERMISSION);
	expect_ok(&c, 0x2000, ACC_W | ACC_P);
	expect_fault(&c, 0x2000, ACC_X | ACC_P, IOMMU_PGTABLE_FAULT_PERMISSION);
	expect_fault(&c, 1ull << 47, ACC_R, IOMMU_PGTABLE_FAULT_ADDR_SIZE);	/* non-canonical */
	expect_fault(&c, ~0ull, ACC_R, IOMMU_PGTABLE_FAULT_TRANSLATION);	/* upper half: empty */
	corrupt(&c, 0x1000, 0, 0x1000 | (1ull << 47) | 0x25);		/* above MAXPHYADDR 46 */
	expect_fault(&c, 0x1000, ACC_R, IOMMU_PGTABLE_FAULT_RESERVED);
	corrupt(&c, 0x1000, 3, root_entry(&c, 0) | 0x80);		/* PS in a PML4E */
	expect_fault(&c, 0x1000, ACC_R, IOMMU_PGTABLE_FAULT_RESERVED);
	corrupt(&c, 0x1000, 3, root_entry(&c, 0) & ~0x80ull);
	corrupt(&c, 0x1000, 0, 0x1000 | 0x25);
	ctx_close(&c);

	/* VT-d second stage */
	cfg = (struct iommu_pgtable_cfg){ .fmt = IOMMU_PGTABLE_VTD_SS, .ias = 39, .oas = 48 };
	ctx_open(&c, &cfg);
	assert_int_equal(map(&c, 0x1000, 0x1000, SZ_4K, 1, IOMMU_WRITE | IOMMU_NOEXEC), 0);
	expect_fault(&c, 0x1000, ACC_R, IOMMU_PGTABLE_FAULT_PERMISSION);
	expect_ok(&c, 0x1000, ACC_W);
	expect_fault(&c, 1ull << 39, ACC_R, IOMMU_PGTABLE_FAULT_ADDR_SIZE);
	ctx_close(&c);

	/* AMD v1: level skip, page-size encodings the walker refuses */
	cfg = (struct iommu_pgtable_cfg){ .fmt = IOMMU_PGTABLE_AMD_V1, .ias = 39, .oas = 48 };
	ctx_open(&c, &cfg);
	assert_int_equal(map(&c, 0x1000, 0x5000, SZ_4K, 1, IOMMU_READ), 0);
	expect_fault(&c, 0x1000, ACC_W, IOMMU_PGTABLE_FAULT_PERMISSION);
	expect_fault(&c, 1ull << 39, ACC_R, IOMMU_PGTABLE_FAULT_ADDR_SIZE);
	{
		/* Root (level 3) entry 0 -> skip level 2 -> the level-1 table. */
		uint64_t l2 = root_entry(&c, 0), l2pa = l2 & GENMASK(51, 12), l1;

		assert_int_equal(iommu_mem_read(c.mem, l2pa, &l1, 8), 0);
		corrupt(&c, 0x1000, 2, (l1 & GENMASK(51, 12)) | (1ull << 9) | 1 | (3ull << 61));
		expect_ok(&c, 0x1000, ACC_R);
		assert_int_equal(walk(&c, 0x1000, ACC_R, &r), 0);
		assert_int_equal(r.pa, 0x5000);
		/* the skipped level's address bits must be zero */
		expect_fault(&c, 0x1000 | (1ull << 21), ACC_R, IOMMU_PGTABLE_FAULT_TRANSLATION);
		/* next level not below the current one */
		corrupt(&c, 0x1000, 2, (l1 & GENMASK(51, 12)) | (3ull << 9) | 1 | (3ull << 61));
		expect_fault(&c, 0x1000, ACC_R, IOMMU_PGTABLE_FAULT_RESERVED);
		corrupt(&c, 0x1000, 2, l2);
		assert_int_equal(iommu_mem_write(c.mem, l2pa, &l1, 8), 0);
	}
	corrupt(&c, 0x1000, 0, 0x5000 | 0xfffff000ull | 0xe01 | (1ull << 61));	/* NL=7, 2M+ at level 1 */
	expect_fault(&c, 0x1000, ACC_R, IOMMU_PGTABLE_FAULT_RESERVED);
	corrupt(&c, 0x1000, 0, 0x5000 | 1 | (1ull << 61));
	pt_check(c.mem, c.pt, 0x1000, true, 0x5000);
	ctx_close(&c);
}

/* ---- dirty tracking ---- */

struct dirty_log {
	uint64_t iova[16], len[16];
	int n;
};

static void record(void *arg, uint64_t iova, uint64_t len)
{
	struct dirty_log *d = arg;

	if (d->n < 16) {
		d->iova[d->n] = iova;
		d->len[d->n] = len;
	}
	d->n++;
}

static void test_dirty(void **state)
{
	static const struct iommu_pgtable_cfg cfgs[] = {
		{ .fmt = IOMMU_PGTABLE_ARM_S1, .ias = 48, .oas = 48, .flags = IOMMU_PGTABLE_F_DIRTY },
		{ .fmt = IOMMU_PGTABLE_ARM_S2, .ias = 40, .oas = 48, .flags = IOMMU_PGTABLE_F_DIRTY },
		{ .fmt = IOMMU_PGTABLE_ARM_S1, .granule = 65536, .ias = 48, .oas = 48, .flags = IOMMU_PGTABLE_F_DIRTY },
		{ .fmt = IOMMU_PGTABLE_X86_64, .ias = 47, .oas = 48, .flags = IOMMU_PGTABLE_F_DIRTY },
		{ .fmt = IOMMU_PGTABLE_VTD_SS, .ias = 48, .oas = 48, .flags = IOMMU_PGTABLE_F_DIRTY },
		{ .fmt = IOMMU_PGTABLE_AMD_V1, .ias = 48, .oas = 48, .flags = IOMMU_PGTABLE_F_DIRTY },
	};

	(void)state;
	for (size_t v = 0; v < ARRAY_SIZE(cfgs); v++) {
		struct ctx c;
		struct dirty_log d = { 0 };
		struct iommu_pgtable_walk_result r;
		uint64_t g, blk;
		int gather;

		ctx_open(&c, &cfgs[v]);
		g = c.info.granule;
		blk = (c.info.pgsize_bitmap & ~(g * 64 - 1)) & -(c.info.pgsize_bitmap & ~(g * 64 - 1));
		assert_int_equal(map(&c, 0, 0, g, 8, RW), 0);
		assert_int_equal(map(&c, blk, blk, blk, 1, RW), 0);
		assert_int_equal(map(&c, 2 * blk, 2 * blk, g, 1, IOMMU_READ), 0);
		/* Freshly mapped: clean. Reads don't dirty. */
		assert_int_equal(iommu_pgtable_read_and_clear_dirty(c.pt, 0, 4 * blk, 0, record, &d, NULL), 0);
		assert_int_equal(d.n, 0);
		assert_int_equal(walk(&c, 3 * g, ACC_R, &r), 0);
		assert_int_equal(walk(&c, 2 * blk, ACC_R, &r), 0);
		/* Writes through the walker mark leaves dirty. */
		assert_int_equal(walk(&c, 3 * g + 8, ACC_W, &r), 0);
		assert_int_equal(walk(&c, blk + 5 * g, ACC_W, &r), 0);
		expect_fault(&c, 2 * blk, ACC_W, IOMMU_PGTABLE_FAULT_PERMISSION);
		assert_int_equal(iommu_pgtable_read_and_clear_dirty(c.pt, 0, 4 * blk,
				 IOMMU_PGTABLE_DIRTY_NO_CLEAR, record, &d, NULL), 0);
		assert_int_equal(d.n, 2);
		assert_int_equal(d.iova[0], 3 * g);
		assert_int_equal(d.len[0], g);
		assert_int_equal(d.iova[1], blk);
		assert_int_equal(d.len[1], blk);
		/* Clear (with a gather: one add_page per leaf), then nothing. */
		d.n = 0;
		c.tlb.add_page = 0;
		assert_int_equal(iommu_pgtable_read_and_clear_dirty(c.pt, 0, 4 * blk, 0, record, &d, &gather), 0);
		assert_int_equal(d.n, 2);
		assert_int_equal(c.tlb.add_page, 2);
		assert_ptr_equal(c.tlb.last_gather, &gather);
		d.n = 0;
		assert_int_equal(iommu_pgtable_read_and_clear_dirty(c.pt, 0, 4 * blk, 0, record, &d, NULL), 0);
		assert_int_equal(d.n, 0);
		/* Still writable after cleaning; dirty again; no gather: flush_all. */
		assert_int_equal(walk(&c, 7 * g, ACC_W, &r), 0);
		c.tlb.flush_all = 0;
		assert_int_equal(iommu_pgtable_read_and_clear_dirty(c.pt, 5 * g + 1, 3 * g, 0, record, &d, NULL), 0);
		assert_int_equal(d.n, 1);
		assert_int_equal(d.iova[0], 7 * g);
		assert_int_equal(c.tlb.flush_all, 1);
		pt_check(c.mem, c.pt, 7 * g, true, 7 * g);
		ctx_close(&c);
	}
	/* Without F_DIRTY: not supported */
	{
		struct ctx c;
		struct dirty_log d = { 0 };
		struct iommu_pgtable_cfg cfg = { .fmt = IOMMU_PGTABLE_X86_64, .ias = 47 };

		ctx_open(&c, &cfg);
		assert_int_equal(iommu_pgtable_read_and_clear_dirty(c.pt, 0, SZ_4K, 0, record, &d, NULL),
				 -EOPNOTSUPP);
		assert_int_equal(iommu_pgtable_read_and_clear_dirty(c.pt, 0, 0, 0, record, &d, NULL), -EINVAL);
		assert_int_equal(iommu_pgtable_read_and_clear_dirty(c.pt, 0, SZ_4K, 2, record, &d, NULL), -EINVAL);
		ctx_close(&c);
	}
}

/* ---- TLB callbacks and the gather ---- */

static void test_tlb_gather(void **state)
{
	struct ctx c;
	struct iommu_pgtable_cfg cfg = { .fmt = IOMMU_PGTABLE_ARM_S1, .ias = 48, .oas = 48 };
	int gather;

	(void)state;
	ctx_open(&c, &cfg);
	assert_int_equal(map(&c, 0, 0, SZ_4K, 16, RW), 0);
	assert_int_equal(map(&c, SZ_1G, 0, SZ_2M, 2, RW), 0);
	assert_int_equal(c.tlb.add_page, 0);
	assert_int_equal(iommu_pgtable_unmap_pages(c.pt, 0, SZ_4K, 8, &gather), 8 * SZ_4K);
	assert_int_equal(c.tlb.add_page, 8);
	assert_ptr_equal(c.tlb.last_gather, &gather);
	assert_int_equal(c.tlb.flush_walk, 0);	/* the leaf table still holds 8 pages */
	/* No gather: no add_page (the caller invalidates the range itself). */
	assert_int_equal(iommu_pgtable_unmap_pages(c.pt, 8 * SZ_4K, SZ_4K, 8, NULL), 8 * SZ_4K);
	assert_int_equal(c.tlb.add_page, 8);
	assert_int_equal(c.tlb.flush_walk, 2);	/* leaf table, then its parent, emptied */
	assert_int_equal(iommu_pgtable_unmap_pages(c.pt, SZ_1G, SZ_2M, 2, &gather), 2 * SZ_2M);
	assert_int_equal(c.tlb.add_page, 10);
	assert_int_equal(c.info.table_pages, root_pages(&c));
	ctx_close(&c);
}

/*
 * The standard gather (iommu_pgtable_gather_add_page) merges whole runs on the
 * fast path: it must end with exactly what per-page calls build, for full
 * runs, runs with holes, blocks and every format.
 */
static void slow_add_page(void *gather, uint64_t iova, uint64_t granule, void *cookie)
{
	iommu_pgtable_gather_add_page(gather, iova, granule, cookie);	/* same merge, no fast path */
}

static void test_standard_gather(void **state)
{
	static const struct iommu_pgtable_tlb_ops fast = { .add_page = iommu_pgtable_gather_add_page };
	static const struct iommu_pgtable_tlb_ops slow = { .add_page = slow_add_page };
	static const enum iommu_pgtable_fmt fmts[] = { IOMMU_PGTABLE_ARM_S1, IOMMU_PGTABLE_X86_64,
						       IOMMU_PGTABLE_VTD_SS, IOMMU_PGTABLE_AMD_V1 };
	struct iommu_mem *mem;

	(void)state;
	assert_int_equal(iommu_mem_new(RAM_BASE, RAM_SIZE, &mem), 0);
	for (size_t f = 0; f < ARRAY_SIZE(fmts); f++) {
		struct iommu_pgtable_cfg cfg = { .fmt = fmts[f], .ias = 39, .oas = 48 };
		struct iommu_pgtable_gather g[2];
		uint64_t done[2];

		for (int k = 0; k < 2; k++) {
			struct iommu_pgtable *pt;
			uint64_t mapped;

			assert_int_equal(iommu_pgtable_alloc(mem, &cfg, k ? &slow : &fast, NULL, &pt), 0);
			/* 256 pages with two holes, then two 2M blocks. */
			assert_int_equal(iommu_pgtable_map_pages(pt, 0x200000, RAM_BASE, SZ_4K, 256,
								 IOMMU_READ, &mapped), 0);
			assert_int_equal(iommu_pgtable_unmap_pages(pt, 0x200000 + 7 * SZ_4K, SZ_4K, 1, NULL), SZ_4K);
			assert_int_equal(iommu_pgtable_unmap_pages(pt, 0x200000 + 99 * SZ_4K, SZ_4K, 1, NULL), SZ_4K);
			assert_int_equal(iommu_pgtable_map_pages(pt, 0x40000000, RAM_BASE, SZ_2M, 2,
								 IOMMU_READ, &mapped), 0);
			g[k] = (struct iommu_pgtable_gather){ ~0ull, 0, 0 };
			done[k] = iommu_pgtable_unmap_pages(pt, 0x200000, SZ_4K, 256, &g[k]);
			assert_int_equal(g[k].start, 0x200000);
			assert_int_equal(g[k].end, 0x200000 + 256 * SZ_4K - 1);
			assert_int_equal(g[k].pgsize, SZ_4K);
			struct iommu_pgtable_gather b = { ~0ull, 0, 0 };
			assert_int_equal(iommu_pgtable_unmap_pages(pt, 0x40000000, SZ_2M, 2, &b), 2 * SZ_2M);
			assert_int_equal(b.start, 0x40000000);
			assert_int_equal(b.end, 0x40000000 + 2 * SZ_2M - 1);
			assert_int_equal(b.pgsize, SZ_2M);
			iommu_pgtable_free(pt);
		}
		assert_int_equal(done[0], done[1]);
		assert_memory_equal(&g[0], &g[1], sizeof(g[0]));
	}
	/* A full run, where the fast path merges it in one step. */
	struct iommu_pgtable_cfg cfg = { .fmt = IOMMU_PGTABLE_ARM_S1, .ias = 48, .oas = 48 };
	struct iommu_pgtable *pt;
	struct iommu_pgtable_gather g = { ~0ull, 0, 0 };
	uint64_t mapped;
	assert_int_equal(iommu_pgtable_alloc(mem, &cfg, &fast, NULL, &pt), 0);
	assert_int_equal(iommu_pgtable_map_pages(pt, 0x1000000, RAM_BASE, SZ_4K, 512, IOMMU_READ, &mapped), 0);
	assert_int_equal(iommu_pgtable_unmap_pages(pt, 0x1000000 + SZ_4K, SZ_4K, 255, &g), 255 * SZ_4K);
	assert_int_equal(g.start, 0x1000000 + SZ_4K);
	assert_int_equal(g.end, 0x1000000 + 256 * SZ_4K - 1);
	iommu_pgtable_free(pt);
	assert_int_equal(iommu_mem_pages_in_use(mem), 0);
	iommu_mem_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_increase_level),
		cmocka_unit_test(test_map_simple),
		cmocka_unit_test(test_unmap_split),
		cmocka_unit_test(test_random_map),
		cmocka_unit_test(test_pgsize_boundary),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_alloc_failure),
		cmocka_unit_test(test_ram_exhausted),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_walker_faults),
		cmocka_unit_test(test_dirty),
		cmocka_unit_test(test_tlb_gather),
		cmocka_unit_test(test_standard_gather),
	};

	n_variants = pt_variants(variants, MAX_VARIANTS);
	return cmocka_run_group_tests_name("pgtable", tests, NULL, NULL);
}
