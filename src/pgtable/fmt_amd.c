// SPDX-License-Identifier: MIT
/*
 * AMD IOMMU host (v1) page table, encode side. Entry bits:
 *   [0] PR, [5] A, [6] D (PTE), [11:9] next level (NL), [51:12] address,
 *   [59] U, [60] FC, [61] IR, [62] IW.
 * Levels are 1 (4K) .. 6; the device table's Mode is the number of levels.
 *   NL = 1..L-1 in a level-L entry: a table of level NL (NL < L-1 skips
 *     levels; this encoder never skips, the walker understands it);
 *   NL = 0: a page of the level's natural size (4K, 2M, 1G, ...);
 *   NL = 7: a page of another power-of-two size, given by the address
 *     bits: ones from bit 12 up to the size's top bit, which is 0
 *     (8K: bit 12 = 0; 16K: bits 13:12 = 01; ...). The entry is repeated in
 *     every slot the page covers, as the specification requires.
 * Non-leaf entries are PR|IR|IW: permissions are ANDed over the levels.
 * With IOMMU_PGTABLE_F_DYNAMIC_TOP the table starts at 3 levels (or fewer
 * for a small ias) and grows on top, as Linux's AMD driver did.
 */
#include "pgt_priv.h"

#define AMD_PR		(1ull << 0)
#define AMD_D		(1ull << 6)
#define AMD_NL(n)	((uint64_t)(n) << 9)
#define AMD_FC		(1ull << 60)
#define AMD_IR		(1ull << 61)
#define AMD_IW		(1ull << 62)

static int amd_v1_init(struct iommu_pgtable *pt)
{
	const struct iommu_pgtable_cfg *cfg = &pt->cfg;
	unsigned int levels, start, max_lg2;

	if (cfg->granule != 4096 || cfg->ias < 21 || cfg->ias > 64 ||
	    cfg->oas < 32 || cfg->oas > 52)
		return -EINVAL;
	levels = (cfg->ias - 12 + 8) / 9;
	pgt_geometry(pt, 12, 9, levels, cfg->ias);
	pt->max_top = pt->top;
	start = (cfg->flags & IOMMU_PGTABLE_F_DYNAMIC_TOP) && levels > 3 ? 3 : levels;
	if (start < levels) {
		pt->top = start - 1;
		pt->idx_mask[pt->top] = 511;
		pt->iova_last = (1ull << (12 + 9 * start)) - 1;
	}
	for (unsigned int l = 1; l < levels; l++) {
		pt->tmask[l] = AMD_PR | AMD_NL(7);
		pt->tval[l] = AMD_PR | AMD_NL(l);
		pt->tbits[l] = AMD_PR | AMD_IR | AMD_IW | AMD_NL(l);
	}
	for (unsigned int l = 0; l < levels; l++)
		pt->lmask[l] = AMD_NL(7);	/* plain leaf: next level 0 */
	pt->oa_mask = GENMASK(51, 12);
	pt->big_leaves = true;
	pt->amd_big_nl = AMD_NL(7);
	/* Every power of two from 4K to 256G that fits the input space. */
	max_lg2 = cfg->ias - 1 < 38 ? cfg->ias - 1 : 38;
	pt->pgsize_bitmap = GENMASK(max_lg2, 12);
	pt->dirty_mask = AMD_D;
	pt->dirty_val = AMD_D;
	pt->clean_clr = AMD_D;
	return 0;
}

static uint64_t amd_v1_leaf_attrs(const struct iommu_pgtable *pt, uint32_t prot)
{
	uint64_t e = AMD_PR;

	(void)pt;
	if (prot & IOMMU_READ)
		e |= AMD_IR;
	if (prot & IOMMU_WRITE)
		e |= AMD_IW;
	if (prot & IOMMU_CACHE)
		e |= AMD_FC;
	return e;
}

static void amd_v1_hw_get(const struct iommu_pgtable *pt, struct iommu_pgtable_hw *hw)
{
	(void)pt;
	(void)hw;	/* root and levels (the DTE Mode) say it all */
}

const struct pgt_fmt pgt_fmt_amd_v1 = {
	.name = "amd-v1",
	.init = amd_v1_init,
	.leaf_attrs = amd_v1_leaf_attrs,
	.hw_get = amd_v1_hw_get,
};
