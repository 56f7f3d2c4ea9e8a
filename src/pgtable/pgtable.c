// SPDX-License-Identifier: MIT
/*
 * The encode side: one map/unmap/lookup engine for every format, driven by
 * the per-level data in struct iommu_pgtable (see pgt_priv.h).
 *
 * Emptiness: each table's number of valid entries lives in pt->cnt, a
 * host-side array indexed by the table's RAM page, so a table is freed the
 * moment its last entry goes without scanning it. The array belongs to the
 * RAM model and is shared by all its page tables (mem_pt_counts()); a table
 * zeroes its pages' counts when it frees them.
 *
 * Table pages: an emptied table is all-zero, so it is kept (up to
 * PGT_CACHE_MAX) and handed out again without a memset or an allocator
 * call; only cache misses reach iommu_mem_alloc().
 */
#include <string.h>
#include <sys/mman.h>
#include "pgt_priv.h"

static const struct pgt_fmt *const pgt_fmts[IOMMU_PGTABLE_NR_FMTS] = {
	[IOMMU_PGTABLE_ARM_S1] = &pgt_fmt_arm_s1,
	[IOMMU_PGTABLE_ARM_S2] = &pgt_fmt_arm_s2,
	[IOMMU_PGTABLE_X86_64] = &pgt_fmt_x86_64,
	[IOMMU_PGTABLE_VTD_SS] = &pgt_fmt_vtd_ss,
	[IOMMU_PGTABLE_AMD_V1] = &pgt_fmt_amd_v1,
};

IOMMU_EXPORT const char *iommu_pgtable_fmt_name(enum iommu_pgtable_fmt fmt)
{
	if ((unsigned int)fmt >= IOMMU_PGTABLE_NR_FMTS)
		return NULL;
	return pgt_fmts[fmt]->name;
}

IOMMU_EXPORT const char *iommu_pgtable_fault_name(enum iommu_pgtable_fault f)
{
	static const char *const names[] = {
		[IOMMU_PGTABLE_FAULT_NONE] = "none",
		[IOMMU_PGTABLE_FAULT_TRANSLATION] = "translation",
		[IOMMU_PGTABLE_FAULT_PERMISSION] = "permission",
		[IOMMU_PGTABLE_FAULT_ADDR_SIZE] = "address-size",
		[IOMMU_PGTABLE_FAULT_ACCESS_FLAG] = "access-flag",
		[IOMMU_PGTABLE_FAULT_RESERVED] = "reserved",
		[IOMMU_PGTABLE_FAULT_WALK_ABORT] = "walk-abort",
	};

	if ((unsigned int)f >= ARRAY_SIZE(names))
		return "?";
	return names[f];
}

void pgt_geometry(struct iommu_pgtable *pt, unsigned int gshift, unsigned int bpl,
		  unsigned int levels, unsigned int ias)
{
	pt->top = levels - 1;
	for (unsigned int l = 0; l < levels; l++) {
		pt->shift[l] = (uint8_t)(gshift + bpl * l);
		pt->idx_mask[l] = (1ull << bpl) - 1;
	}
	/* A format with a minimum number of levels may leave the root 1 entry. */
	pt->idx_mask[pt->top] = ias <= pt->shift[pt->top] ? 0 :
				(1ull << (ias - pt->shift[pt->top])) - 1;
	pt->iova_last = ias >= 64 ? ~0ull : (1ull << ias) - 1;
}

/* ---- table pages ---- */

static int pgt_table_alloc(struct iommu_pgtable *pt, uint64_t *pa)
{
	int ret;

	if (likely(pt->cache_n)) {
		*pa = pt->cache[--pt->cache_n];
	} else {
		/* iommu_mem_alloc() is a fault-injection point (iu_fail_nth) itself. */
		ret = iommu_mem_alloc(pt->mem, pt->table_bytes, pa);
		if (ret)
			return ret;
	}
	pt->table_pages += pt->table_bytes >> 12;
	return 0;
}

static inline void pgt_pc_invalidate(struct iommu_pgtable *pt)
{
	for (unsigned int l = 0; l < PGT_MAX_LEVELS; l++)
		pt->pc_tag[l] = ~0ull;
}

/* @pa is unlinked and all-zero, its count 0. */
static void pgt_table_free(struct iommu_pgtable *pt, uint64_t pa)
{
	pgt_pc_invalidate(pt);
	pt->table_pages -= pt->table_bytes >> 12;
	if (likely(pt->cache_n < PGT_CACHE_MAX)) {
		pt->cache[pt->cache_n++] = pa;
		return;
	}
	/* Fails only if the RAM model cannot grow its free list; the page is then
	 * lost to this model until iommu_mem_free(), nothing worse. */
	(void)iommu_mem_release(pt->mem, pa, pt->table_bytes);
}

static inline void pgt_flush_walk(struct iommu_pgtable *pt, uint64_t iova, uint64_t size)
{
	if (pt->tlb && pt->tlb->flush_walk)
		pt->tlb->flush_walk(iova, size, 1ull << pt->shift[0], pt->cookie);
}

/* Free the table at level @l and every table below it; entries are dropped
 * without per-leaf callbacks (the caller flushes the walk for the range). */
static void pgt_free_subtree(struct iommu_pgtable *pt, unsigned int l, uint64_t tpa)
{
	uint64_t *t = pgt_va(pt, tpa);
	uint64_t n = pt->idx_mask[l] + 1;

	if (l > 0) {
		for (uint64_t i = 0; i < n; i++)
			if (t[i] && pgt_is_table(pt, l, t[i]))
				pgt_free_subtree(pt, l - 1, t[i] & pt->oa_mask);
	}
	memset(t, 0, n * 8);
	*pgt_cnt(pt, tpa) = 0;
	pgt_table_free(pt, tpa);
}

/* ---- alloc / free ---- */

IOMMU_EXPORT int iommu_pgtable_alloc(struct iommu_mem *mem, const struct iommu_pgtable_cfg *cfg,
				     const struct iommu_pgtable_tlb_ops *tlb, void *cookie,
				     struct iommu_pgtable **out)
{
	struct iommu_pgtable *pt;
	void *cnt;
	int ret;

	if (!mem || !cfg || !out || (unsigned int)cfg->fmt >= IOMMU_PGTABLE_NR_FMTS ||
	    (cfg->flags & ~IOMMU_PGTABLE_F_MASK))
		return -EINVAL;

	pt = iu_zalloc(sizeof(*pt));
	if (!pt)
		return -ENOMEM;
	pt->mem = mem;
	pt->host = mem->host;
	pt->mem_base = mem->base;
	pt->fmt = pgt_fmts[cfg->fmt];
	pt->cfg = *cfg;
	if (!pt->cfg.granule)
		pt->cfg.granule = 4096;
	if (!pt->cfg.ias)
		pt->cfg.ias = 48;
	if (!pt->cfg.oas)
		pt->cfg.oas = 48;
	pt->tlb = tlb;
	pt->cookie = cookie;
	for (unsigned int l = 0; l < PGT_MAX_LEVELS; l++)
		pt->tval[l] = 1;	/* never a table unless the format says so */

	ret = pt->fmt->init(pt);
	if (ret)
		goto err_free_pt;
	pt->max_top = pt->max_top < pt->top ? pt->top : pt->max_top;
	pgt_pc_invalidate(pt);
	pt->pa_last = pt->cfg.oas >= 64 ? ~0ull : (1ull << pt->cfg.oas) - 1;
	pt->table_bytes = pt->cfg.granule;
	if (!pt->root_bytes)
		pt->root_bytes = pt->table_bytes;
	if (pt->cfg.pgsize_bitmap) {
		if (!(pt->cfg.pgsize_bitmap & pt->table_bytes) ||
		    (pt->cfg.pgsize_bitmap & ~pt->pgsize_bitmap)) {
			ret = -EINVAL;
			goto err_free_pt;
		}
		pt->pgsize_bitmap = pt->cfg.pgsize_bitmap;
	}
	/* Per-call work done once: attributes per prot, level per page size. */
	for (uint32_t prot = 0; prot <= IOMMU_PROT_MASK; prot++)
		pt->attrs[prot] = pt->fmt->leaf_attrs(pt, prot);
	for (unsigned int lg = 0; lg < 64; lg++) {
		unsigned int l = 0;

		while (l < pt->max_top && pt->shift[l + 1] <= lg)
			l++;
		pt->size_lvl[lg] = (uint8_t)l;
	}

	ret = -ENOMEM;
	pt->cache = iu_calloc(PGT_CACHE_MAX, sizeof(*pt->cache));
	if (!pt->cache)
		goto err_free_pt;
	cnt = mem_pt_counts(mem);
	if (!cnt)
		goto err_free_cache;
	pt->cnt = cnt;
	ret = iommu_mem_alloc(mem, pt->root_bytes, &pt->root_pa);
	if (ret)
		goto err_free_cache;
	pt->table_pages = pt->root_bytes >> 12;
	*out = pt;
	return 0;

err_free_cache:
	iu_free(pt->cache);
err_free_pt:
	iu_free(pt);
	return ret;
}

static void pgt_free_all(struct iommu_pgtable *pt, unsigned int l, uint64_t tpa, uint64_t bytes)
{
	uint64_t *t = pgt_va(pt, tpa);
	uint64_t n = pt->idx_mask[l] + 1;

	if (l > 0)
		for (uint64_t i = 0; i < n; i++)
			if (t[i] && pgt_is_table(pt, l, t[i]))
				pgt_free_all(pt, l - 1, t[i] & pt->oa_mask, pt->table_bytes);
	*pgt_cnt(pt, tpa) = 0;		/* the counts are shared with the next owner */
	(void)iommu_mem_release(pt->mem, tpa, bytes);
}

IOMMU_EXPORT void iommu_pgtable_free(struct iommu_pgtable *pt)
{
	if (!pt)
		return;
	pgt_free_all(pt, pt->top, pt->root_pa, pt->root_bytes);
	while (pt->cache_n)
		(void)iommu_mem_release(pt->mem, pt->cache[--pt->cache_n], pt->table_bytes);
	iu_free(pt->cache);
	iu_free(pt);
}

IOMMU_EXPORT void iommu_pgtable_gather_add_page(void *gather, uint64_t iova, uint64_t granule,
						void *cookie)
{
	struct iommu_pgtable_gather *g = gather;
	uint64_t last = iova + (granule - 1);

	(void)cookie;
	if (iova < g->start)
		g->start = iova;
	if (last > g->end)
		g->end = last;
	if (!g->pgsize || granule < g->pgsize)
		g->pgsize = granule;
}

/* ---- map ---- */

/* Walk down the path of @iova from the first level whose table is empty and
 * free the empty tables bottom-up (after a failed map). */
static void pgt_prune_path(struct iommu_pgtable *pt, uint64_t iova)
{
	uint64_t tpa[PGT_MAX_LEVELS];
	uint64_t *ent[PGT_MAX_LEVELS];
	unsigned int l = pt->top;

	tpa[l] = pt->root_pa;
	for (;;) {
		uint64_t *t = pgt_va(pt, tpa[l]);
		uint64_t e;

		ent[l] = &t[(iova >> pt->shift[l]) & pt->idx_mask[l]];
		e = *ent[l];
		if (l == 0 || !e || !pgt_is_table(pt, l, e))
			break;
		tpa[l - 1] = e & pt->oa_mask;
		l--;
	}
	/* tpa[l] is the lowest table on the path. */
	for (; l < pt->top; l++) {
		if (*pgt_cnt(pt, tpa[l]))
			break;
		*ent[l + 1] = 0;
		(*pgt_cnt(pt, tpa[l + 1]))--;
		pgt_table_free(pt, tpa[l]);
		pgt_flush_walk(pt, iova & ~((1ull << pt->shift[l + 1]) - 1), 1ull << pt->shift[l + 1]);
	}
}

/* The table at level @lvl on the path of @iova, creating missing tables. */
static inline int pgt_walk_alloc(struct iommu_pgtable *pt, uint64_t iova, unsigned int lvl,
				 uint64_t *out)
{
	uint64_t tpa = pt->root_pa;

	if (likely(lvl < pt->top) && pt->pc_tag[lvl] == iova >> pt->shift[lvl + 1]) {
		*out = pt->pc_tpa[lvl];
		return 0;
	}

	for (unsigned int l = pt->top; l > lvl; l--) {
		uint64_t *t = pgt_va(pt, tpa);
		uint64_t *p = &t[(iova >> pt->shift[l]) & pt->idx_mask[l]];
		uint64_t e = *p, npa;

		if (likely(e)) {
			if (unlikely(!pgt_is_table(pt, l, e)))
				return -EEXIST;
			tpa = e & pt->oa_mask;
		} else {
			if (unlikely(pgt_table_alloc(pt, &npa)))
				return -ENOMEM;
			*p = pt->tbits[l] | npa;
			(*pgt_cnt(pt, tpa))++;
			tpa = npa;
		}
		pt->pc_tag[l - 1] = iova >> pt->shift[l];
		pt->pc_tpa[l - 1] = tpa;
	}
	*out = tpa;
	return 0;
}

/* AMD v1 leaf of a size between two levels' sizes: next level 7 and the size
 * in the low address bits (all ones below the size's top bit, which is 0). */
static inline uint64_t pgt_amd_big(const struct iommu_pgtable *pt, uint64_t pa, uint64_t pgsize)
{
	return ((pa | (pgsize - 1)) & ~(pgsize >> 1)) & pt->oa_mask;
}

static inline uint64_t pgt_amd_big_size(uint64_t e)
{
	return 1ull << (12 + __builtin_ctzll(~(e >> 12)) + 1);
}

static inline bool pgt_is_big(const struct iommu_pgtable *pt, uint64_t e)
{
	return pt->big_leaves && (e & (7ull << 9)) == (7ull << 9);
}

static int pgt_grow(struct iommu_pgtable *pt, uint64_t last)
{
	while (last > pt->iova_last && pt->top < pt->max_top) {
		unsigned int nt = pt->top + 1;
		uint64_t npa;

		if (pgt_table_alloc(pt, &npa))
			return -ENOMEM;
		if (*pgt_cnt(pt, pt->root_pa)) {
			pgt_va(pt, npa)[0] = pt->tbits[nt] | pt->root_pa;
			*pgt_cnt(pt, npa) = 1;
		} else {
			/* An empty old root is not worth a level: free it (it
			 * is all-zero, a root and a table are both 4K here). */
			pgt_table_free(pt, pt->root_pa);
		}
		pt->idx_mask[pt->top] = (1ull << (pt->shift[nt] - pt->shift[pt->top])) - 1;
		pt->top = nt;
		pt->root_pa = npa;
		pgt_pc_invalidate(pt);
		if (nt == pt->max_top) {
			pt->idx_mask[nt] = (pt->cfg.ias >= 64 ? ~0ull >> pt->shift[nt] :
					    (1ull << (pt->cfg.ias - pt->shift[nt])) - 1);
			pt->iova_last = pt->cfg.ias >= 64 ? ~0ull : (1ull << pt->cfg.ias) - 1;
		} else {
			pt->idx_mask[nt] = 511;
			pt->iova_last = (1ull << (pt->shift[nt] + 9)) - 1;
		}
		if (pt->tlb && pt->tlb->change_top)
			pt->tlb->change_top(pt->cookie, npa, nt + 1);
	}
	return 0;
}

static int pgt_map(struct iommu_pgtable *pt, uint64_t iova, uint64_t pa, uint64_t pgsize,
		   uint64_t pgcount, uint64_t attrs, unsigned int lvl, uint64_t *done)
{
	const unsigned int sh = pt->shift[lvl];
	const uint64_t step = 1ull << sh, reps = pgsize >> sh;
	uint64_t n = pgcount * reps;	/* entries to write */

	while (n) {
		uint64_t tpa, idx, k, *p, any = 0;
		int ret = pgt_walk_alloc(pt, iova, lvl, &tpa);

		if (unlikely(ret))
			return ret;
		p = pgt_va(pt, tpa);
		idx = (iova >> sh) & pt->idx_mask[lvl];
		k = pt->idx_mask[lvl] + 1 - idx;
		if (k > n)
			k = n;
		p += idx;
		for (uint64_t i = 0; i < k; i++)
			any |= p[i];
		if (unlikely(any)) {
			/* Map up to the first used entry (whole pages), then fail. */
			uint64_t i = 0;

			while (!p[i])
				i++;
			k = i - i % reps;
			ret = -EEXIST;
		}
		if (reps == 1) {
			for (uint64_t i = 0; i < k; i++)
				p[i] = attrs | (pa + (i << sh));
		} else {
			for (uint64_t i = 0; i < k; i += reps) {
				uint64_t e = attrs | pgt_amd_big(pt, pa + i * step, pgsize);

				for (uint64_t r = 0; r < reps; r++)
					p[i + r] = e;
			}
		}
		*pgt_cnt(pt, tpa) += (uint16_t)k;
		*done += k << sh;
		if (unlikely(ret))
			return ret;
		iova += k << sh;
		pa += k << sh;
		n -= k;
	}
	return 0;
}

static uint64_t pgt_unmap(struct iommu_pgtable *pt, uint64_t iova, uint64_t size,
			  unsigned int lvl, void *gather);

static bool pgt_pgsize_ok(const struct iommu_pgtable *pt, uint64_t pgsize)
{
	return pgsize && !(pgsize & (pgsize - 1)) && (pgsize & pt->pgsize_bitmap);
}

IOMMU_EXPORT int iommu_pgtable_map_pages(struct iommu_pgtable *pt, uint64_t iova, uint64_t pa,
					 uint64_t pgsize, uint64_t pgcount, uint32_t prot,
					 uint64_t *mapped)
{
	uint64_t size, last, attrs, done = 0;
	unsigned int lvl;
	int ret;

	if (mapped)
		*mapped = 0;
	if (unlikely(!pt || !pgt_pgsize_ok(pt, pgsize) || !pgcount ||
		     ((iova | pa) & (pgsize - 1)) || (prot & ~IOMMU_PROT_MASK) ||
		     !(prot & (IOMMU_READ | IOMMU_WRITE))))
		return -EINVAL;
	if (unlikely(__builtin_mul_overflow(pgsize, pgcount, &size) ||
		     iu_add_overflows(iova, size - 1, &last) ||
		     iu_add_overflows(pa, size - 1, &attrs) || attrs > pt->pa_last))
		return -ERANGE;
	if (unlikely(last > pt->iova_last)) {
		if (pt->top == pt->max_top)
			return -ERANGE;
		if (last > (pt->cfg.ias >= 64 ? ~0ull : (1ull << pt->cfg.ias) - 1))
			return -ERANGE;
		ret = pgt_grow(pt, last);
		if (ret)
			return ret;
	}

	lvl = pt->size_lvl[__builtin_ctzll(pgsize)];
	attrs = pt->attrs[prot] | pt->lbits[lvl];
	if (pgsize != 1ull << pt->shift[lvl])
		attrs |= pt->amd_big_nl;

	ret = pgt_map(pt, iova, pa, pgsize, pgcount, attrs, lvl, &done);
	if (likely(!ret)) {
		if (mapped)
			*mapped = size;
		return 0;
	}
	/* All or nothing: take back what this call wrote, then any table it
	 * created on the path where it stopped. */
	if (done) {
		pgt_unmap(pt, iova, done, lvl, NULL);
		pgt_flush_walk(pt, iova, done);
	}
	pgt_prune_path(pt, iova + done);
	return ret;
}

/* ---- unmap ---- */

struct pgt_unmap_ctx {
	uint64_t last;		/* last address of the range */
	uint64_t pos;		/* next address not yet unmapped */
	void *gather;		/* add_page is called when not NULL */
	bool stop;		/* a leaf crosses the range */
	bool done;		/* reached last */
};

static void pgt_unmap_table(struct iommu_pgtable *pt, unsigned int l, uint64_t tpa,
			    struct pgt_unmap_ctx *c)
{
	uint64_t *t = pgt_va(pt, tpa);
	const unsigned int sh = pt->shift[l];
	const uint64_t span_mask = (1ull << sh) - 1;
	uint64_t iova = c->pos;
	uint64_t idx = (iova >> sh) & pt->idx_mask[l];
	uint64_t cleared = 0;

	for (;;) {
		uint64_t e = t[idx];
		uint64_t ent_last = iova | span_mask;

		if (!e) {
			/* a hole counts as unmapped */
		} else if (pgt_is_table(pt, l, e)) {
			uint64_t cpa = e & pt->oa_mask;

			if (!(iova & span_mask) && ent_last <= c->last) {
				pgt_free_subtree(pt, l - 1, cpa);
				t[idx] = 0;
				cleared++;
				pgt_flush_walk(pt, iova, span_mask + 1);
			} else {
				pgt_unmap_table(pt, l - 1, cpa, c);
				if (!*pgt_cnt(pt, cpa)) {
					t[idx] = 0;
					cleared++;
					pgt_table_free(pt, cpa);
					pgt_flush_walk(pt, iova & ~span_mask, span_mask + 1);
				}
				if (c->stop || c->done)
					break;
			}
		} else {
			uint64_t size = span_mask + 1, reps = 1, base = iova & ~span_mask;

			if (pgt_is_big(pt, e)) {
				size = pgt_amd_big_size(e);
				base = iova & ~(size - 1);
				reps = size >> sh;
			}
			if (base != iova || base + (size - 1) > c->last) {
				c->stop = true;
				c->pos = iova;
				break;
			}
			for (uint64_t r = 0; r < reps; r++)
				t[idx + r] = 0;
			idx += reps - 1;
			cleared += reps;
			ent_last = base + (size - 1);
			if (c->gather && pt->tlb && pt->tlb->add_page)
				pt->tlb->add_page(c->gather, base, size, pt->cookie);
		}
		if (ent_last >= c->last) {
			c->done = true;
			break;
		}
		iova = ent_last + 1;
		c->pos = iova;
		if (++idx > pt->idx_mask[l])
			break;
	}
	*pgt_cnt(pt, tpa) -= (uint16_t)cleared;
}

static uint64_t pgt_unmap_slow(struct iommu_pgtable *pt, uint64_t iova, uint64_t size, void *gather)
{
	struct pgt_unmap_ctx c = {
		.last = iova + (size - 1), .pos = iova, .gather = gather,
	};

	if (iova > pt->iova_last)	/* AMD dynamic top: beyond the current top */
		return size;
	pgt_unmap_table(pt, pt->top, pt->root_pa, &c);
	if (c.done || (!c.stop && c.pos > pt->iova_last))
		return size;
	return c.pos - iova;
}

/*
 * Unmap [iova, iova + size), size a multiple of the entry size at @lvl.
 * Fast path: the range lies in one table at @lvl that the path cache (or a
 * read-only walk) finds, and holds only holes and leaves of that level: clear
 * them in one loop and free the tables that empties. Anything else (a table
 * where a leaf was expected, a replicated AMD leaf, a leaf at a higher level)
 * hands the rest of the range to the general recursive walk.
 */
static uint64_t pgt_unmap(struct iommu_pgtable *pt, uint64_t iova, uint64_t size,
			  unsigned int lvl, void *gather)
{
	const unsigned int sh = pt->shift[lvl];
	const uint64_t last = iova + (size - 1);
	uint64_t tag, tpa, *p, n, i, cleared = 0, chain[PGT_MAX_LEVELS];
	void (*add_page)(void *, uint64_t, uint64_t, void *);

	if (lvl >= pt->top || iova > pt->iova_last ||
	    (iova >> pt->shift[lvl + 1]) != (last >> pt->shift[lvl + 1]))
		return pgt_unmap_slow(pt, iova, size, gather);
	tag = iova >> pt->shift[lvl + 1];
	if (pt->pc_tag[lvl] != tag) {
		tpa = pt->root_pa;
		for (unsigned int l = pt->top; l > lvl; l--) {
			uint64_t e = pgt_va(pt, tpa)[(iova >> pt->shift[l]) & pt->idx_mask[l]];

			if (!e)
				return size;	/* the whole range lies in a hole */
			if (!pgt_is_table(pt, l, e))
				return pgt_unmap_slow(pt, iova, size, gather);
			tpa = e & pt->oa_mask;
			pt->pc_tag[l - 1] = iova >> pt->shift[l];
			pt->pc_tpa[l - 1] = tpa;
		}
	}
	tpa = pt->pc_tpa[lvl];
	p = pgt_va(pt, tpa) + ((iova >> sh) & pt->idx_mask[lvl]);
	n = size >> sh;
	add_page = gather && pt->tlb ? pt->tlb->add_page : NULL;
	{
		/* Locals: stores through p may alias pt's fields. */
		const uint64_t lmask = pt->lmask[lvl], lval = pt->lval[lvl];
		const unsigned int vsh = pt->vsh;
		void *cookie = pt->cookie;
		uint64_t odd = 0, nz = 0;

		/* Branch-free scan first (plain bit operations: it vectorises):
		 * count present entries, and is any not a plain leaf? */
		for (i = 0; i < n; i++) {
			uint64_t e = p[i], pres = (e | (e >> vsh)) & 1;

			nz += pres;
			odd |= ((e & lmask) ^ lval) & (0 - pres);
		}
		if (likely(!odd)) {
			if (add_page == iommu_pgtable_gather_add_page && nz == n) {
				/* The standard gather: one merge for the whole run. */
				struct iommu_pgtable_gather *g = gather;

				if (iova < g->start)
					g->start = iova;
				if (last > g->end)
					g->end = last;
				if (!g->pgsize || (1ull << sh) < g->pgsize)
					g->pgsize = 1ull << sh;
			} else if (add_page && nz == n) {
				for (i = 0; i < n; i++)
					add_page(gather, iova + (i << sh), 1ull << sh, cookie);
			} else if (add_page) {
				for (i = 0; i < n; i++)
					if (p[i])
						add_page(gather, iova + (i << sh), 1ull << sh, cookie);
			}
			memset(p, 0, n * 8);
			cleared = nz;
		} else {
			for (i = 0; i < n; i++) {
				uint64_t e = p[i];

				if (!e)
					continue;
				if ((e & lmask) != lval)
					break;
				p[i] = 0;
				cleared++;
				if (add_page)
					add_page(gather, iova + (i << sh), 1ull << sh, cookie);
			}
		}
	}
	if (cleared && !(*pgt_cnt(pt, tpa) -= (uint16_t)cleared)) {
		/* Emptied: free it, and each parent it leaves empty in turn. The
		 * cache may hold other paths above @lvl: walk this one again. */
		chain[pt->top] = pt->root_pa;
		for (unsigned int l = pt->top; l > lvl; l--)
			chain[l - 1] = pgt_va(pt, chain[l])[(iova >> pt->shift[l]) &
							    pt->idx_mask[l]] & pt->oa_mask;
		for (unsigned int l = lvl; l < pt->top; l++) {
			uint64_t span = 1ull << pt->shift[l + 1];
			uint64_t *pe = &pgt_va(pt, chain[l + 1])[(iova >> pt->shift[l + 1]) &
								 pt->idx_mask[l + 1]];
			uint16_t *pc = pgt_cnt(pt, chain[l + 1]);

			*pe = 0;
			pgt_table_free(pt, chain[l]);
			pgt_flush_walk(pt, iova & ~(span - 1), span);
			if (--*pc || l + 1 == pt->top)
				break;
		}
	}
	if (likely(i == n))
		return size;
	return (i << sh) + pgt_unmap_slow(pt, iova + (i << sh), size - (i << sh), gather);
}

IOMMU_EXPORT uint64_t iommu_pgtable_unmap_pages(struct iommu_pgtable *pt, uint64_t iova,
						uint64_t pgsize, uint64_t pgcount, void *gather)
{
	uint64_t size, last;

	if (unlikely(!pt || !pgt_pgsize_ok(pt, pgsize) || !pgcount || (iova & (pgsize - 1)) ||
		     __builtin_mul_overflow(pgsize, pgcount, &size) ||
		     iu_add_overflows(iova, size - 1, &last) ||
		     last > (pt->cfg.ias >= 64 ? ~0ull : (1ull << pt->cfg.ias) - 1)))
		return 0;
	return pgt_unmap(pt, iova, size, pt->size_lvl[__builtin_ctzll(pgsize)], gather);
}

/* ---- lookup ---- */

IOMMU_EXPORT int iommu_pgtable_iova_to_phys(const struct iommu_pgtable *pt, uint64_t iova,
					    uint64_t *pa)
{
	uint64_t tpa;

	if (unlikely(!pt || !pa))
		return -EINVAL;
	if (unlikely(iova > pt->iova_last))
		return iova > (pt->cfg.ias >= 64 ? ~0ull : (1ull << pt->cfg.ias) - 1) ? -ERANGE : -ENOENT;
	tpa = pt->root_pa;
	for (unsigned int l = pt->top;; l--) {
		uint64_t e = pgt_va(pt, tpa)[(iova >> pt->shift[l]) & pt->idx_mask[l]];
		uint64_t mask;

		if (!e)
			return -ENOENT;
		if (pgt_is_table(pt, l, e)) {
			tpa = e & pt->oa_mask;
			continue;
		}
		mask = pgt_is_big(pt, e) ? pgt_amd_big_size(e) - 1 : (1ull << pt->shift[l]) - 1;
		*pa = (e & pt->oa_mask & ~mask) | (iova & mask);
		return 0;
	}
}

/* ---- dirty tracking ---- */

struct pgt_dirty_ctx {
	uint64_t last;
	uint64_t pos;
	bool clear, cleared, done;
	void (*record)(void *arg, uint64_t iova, uint64_t len);
	void *arg;
	void *gather;
};

static void pgt_dirty_table(struct iommu_pgtable *pt, unsigned int l, uint64_t tpa,
			    struct pgt_dirty_ctx *c)
{
	uint64_t *t = pgt_va(pt, tpa);
	const unsigned int sh = pt->shift[l];
	const uint64_t span_mask = (1ull << sh) - 1;
	uint64_t iova = c->pos;
	uint64_t idx = (iova >> sh) & pt->idx_mask[l];

	for (;;) {
		uint64_t e = t[idx];
		uint64_t ent_last = iova | span_mask;

		if (e && pgt_is_table(pt, l, e)) {
			pgt_dirty_table(pt, l - 1, e & pt->oa_mask, c);
			if (c->done)
				return;
		} else if (e) {
			uint64_t size = span_mask + 1, reps = 1, base = iova & ~span_mask;
			bool dirty = false;

			if (pgt_is_big(pt, e)) {
				size = pgt_amd_big_size(e);
				base = iova & ~(size - 1);
				reps = size >> sh;
				idx -= (iova - base) >> sh;	/* first replica */
			}
			for (uint64_t r = 0; r < reps; r++)
				dirty |= (t[idx + r] & pt->dirty_mask) == pt->dirty_val;
			if (dirty) {
				c->record(c->arg, base, size);
				if (c->clear) {
					for (uint64_t r = 0; r < reps; r++) {
						uint64_t v = t[idx + r];

						if ((v & pt->dirty_mask) == pt->dirty_val)
							__atomic_store_n(&t[idx + r],
									 (v | pt->clean_set) & ~pt->clean_clr,
									 __ATOMIC_RELAXED);
					}
					c->cleared = true;
					if (c->gather && pt->tlb && pt->tlb->add_page)
						pt->tlb->add_page(c->gather, base, size, pt->cookie);
				}
			}
			idx += reps - 1;
			ent_last = base + (size - 1);
		}
		if (ent_last >= c->last) {
			c->done = true;
			return;
		}
		iova = ent_last + 1;
		c->pos = iova;
		if (++idx > pt->idx_mask[l])
			return;
	}
}

IOMMU_EXPORT int iommu_pgtable_read_and_clear_dirty(struct iommu_pgtable *pt, uint64_t iova,
						    uint64_t size, uint32_t flags,
						    void (*record)(void *arg, uint64_t iova, uint64_t len),
						    void *arg, void *gather)
{
	struct pgt_dirty_ctx c;
	uint64_t last;

	if (!pt || !record || !size || (flags & ~IOMMU_PGTABLE_DIRTY_NO_CLEAR))
		return -EINVAL;
	if (iu_add_overflows(iova, size - 1, &last) ||
	    last > (pt->cfg.ias >= 64 ? ~0ull : (1ull << pt->cfg.ias) - 1))
		return -ERANGE;
	if (!(pt->cfg.flags & IOMMU_PGTABLE_F_DIRTY))
		return -EOPNOTSUPP;
	if (iova > pt->iova_last)
		return 0;
	c = (struct pgt_dirty_ctx){
		.last = last, .pos = iova, .clear = !(flags & IOMMU_PGTABLE_DIRTY_NO_CLEAR),
		.record = record, .arg = arg, .gather = gather,
	};
	pgt_dirty_table(pt, pt->top, pt->root_pa, &c);
	if (c.cleared && !gather && pt->tlb && pt->tlb->flush_all)
		pt->tlb->flush_all(pt->cookie);
	return 0;
}

/* ---- description ---- */

IOMMU_EXPORT int iommu_pgtable_info(const struct iommu_pgtable *pt, struct iommu_pgtable_info *info)
{
	if (!pt || !info)
		return -EINVAL;
	*info = (struct iommu_pgtable_info){
		.pgsize_bitmap = pt->pgsize_bitmap,
		.ias = pt->cfg.ias,
		.oas = pt->cfg.oas,
		.levels = pt->top + 1,
		.granule = pt->cfg.granule,
		.table_pages = pt->table_pages,
		.cached_pages = (uint64_t)pt->cache_n * (pt->table_bytes >> 12),
	};
	return 0;
}

IOMMU_EXPORT int iommu_pgtable_hw_get(const struct iommu_pgtable *pt, struct iommu_pgtable_hw *hw)
{
	if (!pt || !hw)
		return -EINVAL;
	*hw = (struct iommu_pgtable_hw){
		.fmt = pt->cfg.fmt,
		.root = pt->root_pa,
		.levels = pt->top + 1,
		.oas = pt->cfg.oas,
		.flags = (pt->cfg.flags & IOMMU_PGTABLE_F_DIRTY) ? IOMMU_PGTABLE_HW_DIRTY : 0,
	};
	pt->fmt->hw_get(pt, hw);
	return 0;
}
