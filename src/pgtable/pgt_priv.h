/* SPDX-License-Identifier: MIT */
/*
 * Private to src/pgtable: the encode-side page-table object and the per-format
 * description that drives the one generic map/unmap/lookup engine (pgtable.c).
 *
 * Levels are numbered from the leaf up: level 0 holds granule-sized pages,
 * the root is level pt->top. A format is described by data per level (index
 * shift and width, the bits of a table descriptor, the bits that make a leaf
 * at that level, how to recognise a table) plus a few hooks that run once per
 * call (permission encoding, register view), never per entry.
 *
 * Encoder invariant: an entry is 0 (empty) or a valid descriptor written by
 * this code, so "empty" is "== 0" and tables are found with one mask test.
 * The hardware walker (walk_*.c) does not rely on it: it decodes entries by
 * the architecture's rules only.
 */
#ifndef PGT_PRIV_H
#define PGT_PRIV_H

#include "iommu/pgtable.h"
#include "mem/mem_priv.h"
#include "util/util.h"

#define PGT_MAX_LEVELS		6
#define PGT_CACHE_MAX		64	/* emptied table pages kept for reuse */

struct iommu_pgtable;

struct pgt_fmt {
	const char *name;
	/* Validate cfg and fill the geometry and encodings of pt. */
	int (*init)(struct iommu_pgtable *pt);
	/* Leaf attribute bits for prot (no address, no size bits). */
	uint64_t (*leaf_attrs)(const struct iommu_pgtable *pt, uint32_t prot);
	/* Register view. */
	void (*hw_get)(const struct iommu_pgtable *pt, struct iommu_pgtable_hw *hw);
};

extern const struct pgt_fmt pgt_fmt_arm_s1, pgt_fmt_arm_s2, pgt_fmt_x86_64,
	pgt_fmt_vtd_ss, pgt_fmt_amd_v1;

/*
 * No lock: the caller serialises overlapping calls (see pgtable.h). Fields
 * above "cold" are read on every map/unmap.
 */
struct iommu_pgtable {
	uint8_t *host;			/* mem->host, for mem_va() without the mem pointer */
	uint64_t mem_base;
	uint64_t root_pa;
	unsigned int top;		/* level of the root */
	bool big_leaves;		/* AMD v1: replicated leaves of non-native size */
	uint8_t shift[PGT_MAX_LEVELS];	/* lowest IOVA bit indexed at a level */
	uint64_t idx_mask[PGT_MAX_LEVELS];	/* entries - 1 (root: incl. concatenation) */
	uint64_t tmask[PGT_MAX_LEVELS], tval[PGT_MAX_LEVELS];	/* table iff (e & tmask) == tval */
	uint64_t tbits[PGT_MAX_LEVELS];	/* bits of a descriptor at level l pointing to a table */
	uint64_t lbits[PGT_MAX_LEVELS];	/* bits that make a leaf at level l */
	/* A present entry e at level l is a plain leaf of that level's size
	 * (not a table, not an AMD replicated leaf) iff (e & lmask) == lval; it
	 * is present iff bit 0 of (e | e >> vsh) is set. Both are tested with
	 * plain bit operations so that scans vectorise. */
	uint64_t lmask[PGT_MAX_LEVELS], lval[PGT_MAX_LEVELS];
	unsigned int vsh;
	uint64_t oa_mask;		/* output-address field */
	uint64_t pgsize_bitmap;
	uint64_t iova_last;		/* last valid input address */
	uint64_t pa_last;		/* last valid output address */
	uint16_t *cnt;			/* valid entries per table, by (pa - base) >> 12 */
	/*
	 * Path cache: the table at level l (below the root) that covers IOVAs
	 * with iova >> shift[l + 1] == pc_tag[l] is pc_tpa[l]. Filled by walks,
	 * emptied whenever a table page is freed or the root changes, so an
	 * entry always names a linked table.
	 */
	uint64_t pc_tag[PGT_MAX_LEVELS], pc_tpa[PGT_MAX_LEVELS];
	uint64_t attrs[IOMMU_PROT_MASK + 1];	/* leaf attribute bits per prot */
	uint8_t size_lvl[64];		/* level of a page of 2^lg2 bytes */
	uint64_t *cache;		/* emptied (all-zero) table pages */
	unsigned int cache_n;
	uint64_t table_bytes;		/* size of a non-root table (the granule) */
	const struct iommu_pgtable_tlb_ops *tlb;
	void *cookie;
	/* Dirty state of a leaf: dirty iff (e & dirty_mask) == dirty_val; clean
	 * it with e = (e | clean_set) & ~clean_clr. */
	uint64_t dirty_mask, dirty_val, clean_set, clean_clr;

	/* cold */
	struct iommu_mem *mem;
	const struct pgt_fmt *fmt;
	struct iommu_pgtable_cfg cfg;	/* as given, defaults filled in */
	unsigned int max_top;		/* AMD dynamic top: the level count may grow to max_top + 1 */
	uint64_t root_bytes;
	uint64_t table_pages;		/* RAM pages of linked tables */
	uint64_t amd_big_nl;		/* AMD: next-level field value 7, pre-shifted */
};

static inline uint64_t *pgt_va(const struct iommu_pgtable *pt, uint64_t pa)
{
	return (uint64_t *)(pt->host + (pa - pt->mem_base));
}

static inline uint16_t *pgt_cnt(const struct iommu_pgtable *pt, uint64_t tpa)
{
	return &pt->cnt[(tpa - pt->mem_base) >> 12];
}

static inline bool pgt_is_table(const struct iommu_pgtable *pt, unsigned int l, uint64_t e)
{
	return (e & pt->tmask[l]) == pt->tval[l];
}

/* Fill the level geometry for a radix tree of 'levels' levels with 'bpl'
 * index bits per level above a granule of 2^gshift, covering ias bits; the
 * root gets whatever bits remain (plus 'concat' extra bits). */
void pgt_geometry(struct iommu_pgtable *pt, unsigned int gshift, unsigned int bpl,
		  unsigned int levels, unsigned int ias);

#endif
