// SPDX-License-Identifier: MIT
/*
 * Two 4 KiB-granule, 9-bits-per-level formats, encode side:
 *
 * x86-64 paging, as VT-d first stage and AMD v2 (guest) tables use it:
 *   [0] P, [1] R/W, [2] U/S, [3] PWT, [4] PCD, [5] A, [6] D,
 *   [7] PS (leaf at the 2M and 1G levels; PAT at the 4K level),
 *   [51:12] address, [63] XD. Non-leaf entries are P|R/W|U/S|A so that the
 *   leaf alone decides the permissions (x86 ANDs them over the levels).
 *   4 levels (48-bit canonical input) or 5 levels (57-bit). Only the lower
 *   canonical half is used, so cfg.ias counts usable bits: up to 47 means
 *   4 levels, 48..56 means 5 levels.
 *
 * Intel VT-d second stage (SL/SS paging entries):
 *   [0] R, [1] W, [2] X, [5:3] EMT (0), [6] IPAT (0), [7] PS (leaf above the
 *   4K level), [8] A, [9] D, [11] SNP, [51:12] address.
 *   3, 4 or 5 levels (39, 48, 57-bit AGAW). Non-leaf entries are R|W|X.
 */
#include "pgt_priv.h"

#define X86_P		(1ull << 0)
#define X86_RW		(1ull << 1)
#define X86_US		(1ull << 2)
#define X86_PWT		(1ull << 3)
#define X86_PCD		(1ull << 4)
#define X86_A		(1ull << 5)
#define X86_D		(1ull << 6)
#define X86_PS		(1ull << 7)
#define X86_XD		(1ull << 63)

#define SS_R		(1ull << 0)
#define SS_W		(1ull << 1)
#define SS_X		(1ull << 2)
#define SS_PS		(1ull << 7)
#define SS_D		(1ull << 9)
#define SS_SNP		(1ull << 11)

static int x86_like_init(struct iommu_pgtable *pt, unsigned int min_levels, unsigned int max_ias,
			 uint64_t ps)
{
	const struct iommu_pgtable_cfg *cfg = &pt->cfg;
	unsigned int levels;

	if (cfg->granule != 4096 || cfg->ias < 32 || cfg->ias > max_ias ||
	    cfg->oas < 32 || cfg->oas > 52 || (cfg->flags & IOMMU_PGTABLE_F_DYNAMIC_TOP))
		return -EINVAL;
	levels = (cfg->ias - 12 + 8) / 9;
	if (levels < min_levels)
		levels = min_levels;
	pgt_geometry(pt, 12, 9, levels, cfg->ias);
	for (unsigned int l = 1; l < levels; l++) {
		pt->tmask[l] = ps;
		pt->tval[l] = 0;
		pt->lbits[l] = ps;
		pt->lmask[l] = ps;
		pt->lval[l] = ps;
	}
	pt->oa_mask = GENMASK(51, 12);
	pt->pgsize_bitmap = (1ull << 12) | (1ull << 21) | (1ull << 30);
	return 0;
}

static int x86_64_init(struct iommu_pgtable *pt)
{
	int ret;

	/* One bit more for the walk: the top index covers both canonical halves
	 * and the encoder stays in the lower one. */
	if (pt->cfg.ias > 56)
		return -EINVAL;
	pt->cfg.ias++;
	ret = x86_like_init(pt, 4, 57, X86_PS);
	pt->cfg.ias--;

	if (ret)
		return ret;
	/* ias + 1 bits of geometry, ias bits of addresses */
	pt->idx_mask[pt->top] >>= 1;
	pt->iova_last >>= 1;
	for (unsigned int l = 1; l <= pt->top; l++)
		pt->tbits[l] = X86_P | X86_RW | X86_US | X86_A;
	pt->dirty_mask = X86_D;
	pt->dirty_val = X86_D;
	pt->clean_clr = X86_D;
	return 0;
}

static uint64_t x86_64_leaf_attrs(const struct iommu_pgtable *pt, uint32_t prot)
{
	uint64_t e = X86_P | X86_A;

	if (prot & IOMMU_WRITE) {
		e |= X86_RW;
		/* Without dirty tracking, preset D so hardware never writes it. */
		if (!(pt->cfg.flags & IOMMU_PGTABLE_F_DIRTY))
			e |= X86_D;
	}
	if (!(prot & IOMMU_PRIV))
		e |= X86_US;
	if (prot & IOMMU_NOEXEC)
		e |= X86_XD;
	if (prot & IOMMU_MMIO)
		e |= X86_PCD | X86_PWT;
	return e;
}

static void x86_64_hw_get(const struct iommu_pgtable *pt, struct iommu_pgtable_hw *hw)
{
	(void)pt;
	(void)hw;	/* root and levels (FLPM/GLX) say it all */
}

static int vtd_ss_init(struct iommu_pgtable *pt)
{
	int ret = x86_like_init(pt, 3, 57, SS_PS);

	if (ret)
		return ret;
	for (unsigned int l = 1; l <= pt->top; l++)
		pt->tbits[l] = SS_R | SS_W | SS_X;
	pt->vsh = 1;	/* present: R or W */
	pt->dirty_mask = SS_D;
	pt->dirty_val = SS_D;
	pt->clean_clr = SS_D;
	return 0;
}

static uint64_t vtd_ss_leaf_attrs(const struct iommu_pgtable *pt, uint32_t prot)
{
	uint64_t e = 0;

	(void)pt;
	if (prot & IOMMU_READ)
		e |= SS_R;
	if (prot & IOMMU_WRITE)
		e |= SS_W;
	if (!(prot & IOMMU_NOEXEC))
		e |= SS_X;
	if (prot & IOMMU_CACHE)
		e |= SS_SNP;
	return e;
}

const struct pgt_fmt pgt_fmt_x86_64 = {
	.name = "x86-64",
	.init = x86_64_init,
	.leaf_attrs = x86_64_leaf_attrs,
	.hw_get = x86_64_hw_get,
};

const struct pgt_fmt pgt_fmt_vtd_ss = {
	.name = "vtd-ss",
	.init = vtd_ss_init,
	.leaf_attrs = vtd_ss_leaf_attrs,
	.hw_get = x86_64_hw_get,
};
