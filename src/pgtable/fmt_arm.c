// SPDX-License-Identifier: MIT
/*
 * Arm VMSAv8-64 long-descriptor translation tables, stage 1 and stage 2,
 * encode side. Descriptor bits (Arm ARM D8.3):
 *   [1:0]   0b11 table (levels above the last) or page (last level),
 *           0b01 block, 0bx0 invalid
 *   [4:2]   S1 AttrIndx          [5:2] S2 MemAttr
 *   [7:6]   S1 AP[2:1]           [7:6] S2 S2AP (bit 6 read, bit 7 write)
 *   [9:8]   SH, [10] AF, [11] nG (S1)
 *   [47:g]  output address (OAS <= 48, so bits [51:48] are never used)
 *   [51]    DBM, [52] Contiguous (not used), [53] PXN (S1),
 *   [54]    UXN/XN (S1), XN[1] (S2; XN[0] = bit 53 is left 0 so the page
 *           is not executable at any EL with or without FEAT_XNX)
 * Table descriptors carry no hierarchical attributes (APTable etc. are 0).
 */
#include "pgt_priv.h"

#define ARM_VALID		(1ull << 0)
#define ARM_TABLE		(3ull)
#define ARM_PAGE		(3ull)
#define ARM_BLOCK		(1ull)
#define ARM_S1_ATTRIDX(i)	((uint64_t)(i) << 2)
#define ARM_S2_MEMATTR(m)	((uint64_t)(m) << 2)
#define ARM_S1_AP_UNPRIV	(1ull << 6)
#define ARM_S1_AP_RDONLY	(1ull << 7)
#define ARM_S2_AP_READ		(1ull << 6)
#define ARM_S2_AP_WRITE		(1ull << 7)
#define ARM_SH_OS		(2ull << 8)
#define ARM_SH_IS		(3ull << 8)
#define ARM_AF			(1ull << 10)
#define ARM_NG			(1ull << 11)
#define ARM_DBM			(1ull << 51)
#define ARM_PXN			(1ull << 53)
#define ARM_UXN			(1ull << 54)
#define ARM_S2_XN		(1ull << 54)

/* MAIR slots used by stage 1 */
#define ARM_MAIR_NC		0	/* Normal, inner/outer non-cacheable: 0x44 */
#define ARM_MAIR_WB		1	/* Normal, inner/outer write-back RW-allocate: 0xff */
#define ARM_MAIR_DEV		2	/* Device-nGnRE: 0x04 */
#define ARM_MAIR_VALUE		(0x44ull | (0xffull << 8) | (0x04ull << 16))

/* Stage 2 MemAttr[3:0] without FEAT_S2FWB */
#define ARM_S2_MEMATTR_DEV	0x1	/* Device-nGnRE */
#define ARM_S2_MEMATTR_NC	0x5	/* Normal, outer and inner non-cacheable */
#define ARM_S2_MEMATTR_WB	0xf	/* Normal, outer and inner write-back */

static int arm_ps(unsigned int oas)
{
	switch (oas) {
	case 32: return 0;
	case 36: return 1;
	case 40: return 2;
	case 42: return 3;
	case 44: return 4;
	case 48: return 5;
	default: return -1;
	}
}

static int arm_init(struct iommu_pgtable *pt, bool s2)
{
	const struct iommu_pgtable_cfg *cfg = &pt->cfg;
	unsigned int gshift, bpl, levels, top_bits, max_start;

	switch (cfg->granule) {
	case 4096: gshift = 12; max_start = 2; break;
	case 16384: gshift = 14; max_start = 3; break;
	case 65536: gshift = 16; max_start = 3; break;
	default: return -EINVAL;
	}
	if (cfg->ias < 32 || cfg->ias > 48 || arm_ps(cfg->oas) < 0 ||
	    (cfg->flags & IOMMU_PGTABLE_F_DYNAMIC_TOP))
		return -EINVAL;
	bpl = gshift - 3;
	levels = (cfg->ias - gshift + bpl - 1) / bpl;
	top_bits = cfg->ias - gshift - bpl * (levels - 1);
	/*
	 * Stage 2 may start one level lower with up to 16 concatenated tables
	 * (VTCR.SL0); do it whenever the architecture allows: one walk step fewer.
	 */
	if (s2 && top_bits <= 4 && levels > 1 && 4 - (levels - 1) <= max_start)
		levels--;
	pgt_geometry(pt, gshift, bpl, levels, cfg->ias);
	pt->root_bytes = (pt->idx_mask[pt->top] + 1) * 8;
	if (pt->root_bytes < 4096)	/* a short top table needs only 64-byte alignment */
		pt->root_bytes = 4096;

	for (unsigned int l = 1; l < levels; l++) {
		pt->tmask[l] = 3;
		pt->tval[l] = ARM_TABLE;
		pt->tbits[l] = ARM_TABLE;
		pt->lbits[l] = ARM_BLOCK;
	}
	pt->lbits[0] = ARM_PAGE;
	for (unsigned int l = 0; l < levels; l++) {
		pt->lmask[l] = 3;
		pt->lval[l] = pt->lbits[l];
	}
	pt->oa_mask = GENMASK(47, 12);

	/* Blocks: 4K granule at levels 1 and 2 (2M, 1G); 16K and 64K at level 2
	 * only (32M, 512M; level-1 blocks need 52-bit addresses). */
	pt->pgsize_bitmap = 1ull << gshift;
	if (levels > 1)
		pt->pgsize_bitmap |= 1ull << pt->shift[1];
	if (gshift == 12 && levels > 2)
		pt->pgsize_bitmap |= 1ull << pt->shift[2];

	if (s2) {
		pt->dirty_mask = ARM_DBM | ARM_S2_AP_WRITE;
		pt->dirty_val = ARM_DBM | ARM_S2_AP_WRITE;
		pt->clean_clr = ARM_S2_AP_WRITE;
	} else {
		pt->dirty_mask = ARM_DBM | ARM_S1_AP_RDONLY;
		pt->dirty_val = ARM_DBM;
		pt->clean_set = ARM_S1_AP_RDONLY;
	}
	return 0;
}

static int arm_s1_init(struct iommu_pgtable *pt) { return arm_init(pt, false); }
static int arm_s2_init(struct iommu_pgtable *pt) { return arm_init(pt, true); }

static uint64_t arm_s1_leaf_attrs(const struct iommu_pgtable *pt, uint32_t prot)
{
	uint64_t e = ARM_AF | ARM_NG;

	if (prot & IOMMU_MMIO)
		e |= ARM_S1_ATTRIDX(ARM_MAIR_DEV);
	else if (prot & IOMMU_CACHE)
		e |= ARM_S1_ATTRIDX(ARM_MAIR_WB) | ARM_SH_IS;
	else
		e |= ARM_S1_ATTRIDX(ARM_MAIR_NC) | ARM_SH_OS;
	if (!(prot & IOMMU_PRIV))
		e |= ARM_S1_AP_UNPRIV;
	if (!(prot & IOMMU_WRITE))
		e |= ARM_S1_AP_RDONLY;
	else if (pt->cfg.flags & IOMMU_PGTABLE_F_DIRTY)
		e |= ARM_DBM | ARM_S1_AP_RDONLY;	/* writable-clean */
	if (prot & IOMMU_NOEXEC)
		e |= ARM_UXN | ARM_PXN;
	return e;
}

static uint64_t arm_s2_leaf_attrs(const struct iommu_pgtable *pt, uint32_t prot)
{
	uint64_t e = ARM_AF;

	if (prot & IOMMU_MMIO)
		e |= ARM_S2_MEMATTR(ARM_S2_MEMATTR_DEV);
	else if (prot & IOMMU_CACHE)
		e |= ARM_S2_MEMATTR(ARM_S2_MEMATTR_WB) | ARM_SH_IS;
	else
		e |= ARM_S2_MEMATTR(ARM_S2_MEMATTR_NC) | ARM_SH_OS;
	if (prot & IOMMU_READ)
		e |= ARM_S2_AP_READ;
	if (prot & IOMMU_WRITE)
		e |= (pt->cfg.flags & IOMMU_PGTABLE_F_DIRTY) ? ARM_DBM : ARM_S2_AP_WRITE;
	if (prot & IOMMU_NOEXEC)
		e |= ARM_S2_XN;
	return e;
}

static uint64_t arm_tg0(unsigned int granule)
{
	return granule == 4096 ? 0 : granule == 65536 ? 1 : 2;
}

static void arm_s1_hw_get(const struct iommu_pgtable *pt, struct iommu_pgtable_hw *hw)
{
	uint64_t tcr = (64 - pt->cfg.ias) |
		       (1ull << 8) | (1ull << 10) | (3ull << 12) |	/* WBWA, inner shareable walks */
		       (arm_tg0(pt->cfg.granule) << 14) |
		       (1ull << 23) |					/* EPD1: no TTBR1 walks */
		       ((uint64_t)arm_ps(pt->cfg.oas) << 32);

	if (pt->cfg.flags & IOMMU_PGTABLE_F_DIRTY)
		tcr |= (1ull << 39) | (1ull << 40);			/* HA, HD */
	hw->tcr = tcr;
	hw->mair = ARM_MAIR_VALUE;
}

static void arm_s2_hw_get(const struct iommu_pgtable *pt, struct iommu_pgtable_hw *hw)
{
	unsigned int start = 3 - pt->top;	/* Arm level number of the root */
	uint64_t sl0 = pt->cfg.granule == 4096 ? 2 - start : 3 - start;
	uint64_t vtcr = (64 - pt->cfg.ias) | (sl0 << 6) |
			(1ull << 8) | (1ull << 10) | (3ull << 12) |
			(arm_tg0(pt->cfg.granule) << 14) |
			((uint64_t)arm_ps(pt->cfg.oas) << 16);

	if (pt->cfg.flags & IOMMU_PGTABLE_F_DIRTY)
		vtcr |= (1ull << 21) | (1ull << 22);			/* HA, HD */
	hw->tcr = vtcr;
}

const struct pgt_fmt pgt_fmt_arm_s1 = {
	.name = "arm-s1",
	.init = arm_s1_init,
	.leaf_attrs = arm_s1_leaf_attrs,
	.hw_get = arm_s1_hw_get,
};

const struct pgt_fmt pgt_fmt_arm_s2 = {
	.name = "arm-s2",
	.init = arm_s2_init,
	.leaf_attrs = arm_s2_leaf_attrs,
	.hw_get = arm_s2_hw_get,
};
