// SPDX-License-Identifier: MIT
/*
 * The hardware walker: what an IOMMU does with a table root, an input address
 * and an access. Written from the architecture rules, separately from the
 * encoder (it shares no code or tables with pgtable.c / fmt_*.c), so that the
 * tests can check one against the other.
 *
 * One loop (walk_run) reads descriptors through the checked RAM accessor (a
 * table address outside RAM is a walk abort, never a host crash) and hands
 * each to the format's step function, which either descends, ends at a leaf,
 * or faults. The format then decides the permissions of the leaf.
 */
#include "pgt_priv.h"

enum wk_step { WK_NEXT, WK_LEAF, WK_FAULT };

struct wk {
	struct iommu_mem *mem;
	const struct iommu_pgtable_hw *hw;
	uint64_t iova;
	uint32_t access;
	unsigned int gshift, bpl;	/* granule and index bits per level */
	int level;			/* current level, 0 = granule level */
	unsigned int idx_bits;		/* index bits at the current level */
	uint64_t table;			/* PA of the current table */
	uint64_t oa_limit;		/* first output address that is too large */
	bool hd, ha;			/* hardware dirty / access-flag updates */
	uint64_t *ep;			/* host pointer of the current descriptor */
	uint64_t e;
	/* decoded leaf */
	uint64_t out, size;
	/* permissions gathered on the way down */
	bool no_write, no_unpriv, no_uexec, no_pexec, no_read;
	enum iommu_pgtable_fault fault;
};

struct wk_fmt {
	int (*setup)(struct wk *w);		/* 0, -EINVAL, or 1 with w->fault set */
	enum wk_step (*step)(struct wk *w);
	void (*finish)(struct wk *w, struct iommu_pgtable_walk_result *res);
};

static unsigned int wk_shift(const struct wk *w, int level)
{
	return w->gshift + w->bpl * (unsigned int)level;
}

/* Set the bits of @set in the descriptor with an atomic update (hardware
 * A/D management); the local copy follows. */
static void wk_set_bits(struct wk *w, uint64_t set)
{
	w->e = __atomic_or_fetch(w->ep, set, __ATOMIC_RELAXED);
}

static void wk_clear_bits(struct wk *w, uint64_t clr)
{
	w->e = __atomic_and_fetch(w->ep, ~clr, __ATOMIC_RELAXED);
}

/* ---- Arm VMSAv8-64 ---- */

static int arm_setup(struct wk *w)
{
	const struct iommu_pgtable_hw *hw = w->hw;
	bool s2 = hw->fmt == IOMMU_PGTABLE_ARM_S2;
	unsigned int t0sz = hw->tcr & 0x3f, tg = (hw->tcr >> 14) & 3, ias, ps, levels, start;
	static const unsigned int pa_bits[8] = { 32, 36, 40, 42, 44, 48, 52, 0 };

	switch (tg) {
	case 0: w->gshift = 12; break;
	case 1: w->gshift = 16; break;
	case 2: w->gshift = 14; break;
	default: return -EINVAL;
	}
	w->bpl = w->gshift - 3;
	if (t0sz < 16 || t0sz > 39)
		return -EINVAL;
	ias = 64 - t0sz;
	ps = s2 ? (hw->tcr >> 16) & 7 : (hw->tcr >> 32) & 7;
	if (!pa_bits[ps] || pa_bits[ps] > 48)
		return -EINVAL;
	w->oa_limit = 1ull << pa_bits[ps];
	w->ha = s2 ? (hw->tcr >> 21) & 1 : (hw->tcr >> 39) & 1;
	w->hd = w->ha && (s2 ? (hw->tcr >> 22) & 1 : (hw->tcr >> 40) & 1);

	if (s2) {
		unsigned int sl0 = (hw->tcr >> 6) & 3;

		if (sl0 == 3)
			return -EINVAL;
		start = w->gshift == 12 ? 2 - sl0 : 3 - sl0;	/* Arm level number */
		w->level = 3 - (int)start;
		if (ias <= wk_shift(w, w->level) ||
		    ias - wk_shift(w, w->level) > w->bpl + 4) {
			/* SL0 and T0SZ disagree: level-0 translation fault */
			w->fault = IOMMU_PGTABLE_FAULT_TRANSLATION;
			return 1;
		}
	} else {
		levels = (ias - w->gshift + w->bpl - 1) / w->bpl;
		if (levels > 4)
			return -EINVAL;
		w->level = (int)levels - 1;
	}
	w->idx_bits = ias - wk_shift(w, w->level);
	if (ias < 64 && w->iova >> ias) {
		w->fault = IOMMU_PGTABLE_FAULT_TRANSLATION;
		return 1;
	}
	w->table = hw->root & GENMASK(47, 6);
	if (hw->root & ~GENMASK(47, 0)) {
		w->fault = IOMMU_PGTABLE_FAULT_ADDR_SIZE;
		return 1;
	}
	return 0;
}

static bool arm_block_ok(const struct wk *w, int level)
{
	/* 4K: level-2 (2M) and level-1 (1G) blocks; 16K, 64K: level-2 only. */
	if (w->gshift == 12)
		return level == 1 || level == 2;
	return level == 1;
}

static enum wk_step arm_step(struct wk *w)
{
	uint64_t e = w->e, addr;
	bool s2 = w->hw->fmt == IOMMU_PGTABLE_ARM_S2;

	if (!(e & 1) || (w->level == 0 && (e & 3) == 1) ||
	    (w->level > 0 && (e & 3) == 1 && !arm_block_ok(w, w->level))) {
		w->fault = IOMMU_PGTABLE_FAULT_TRANSLATION;
		return WK_FAULT;
	}
	if (w->level > 0 && (e & 3) == 3) {
		addr = e & GENMASK(47, w->gshift);
		if (addr >= w->oa_limit) {
			w->fault = IOMMU_PGTABLE_FAULT_ADDR_SIZE;
			return WK_FAULT;
		}
		if (!s2) {	/* hierarchical attributes, stage 1 only */
			w->no_unpriv |= (e >> 61) & 1;	/* APTable[0] */
			w->no_write |= (e >> 62) & 1;	/* APTable[1] */
			w->no_uexec |= (e >> 60) & 1;	/* UXNTable */
			w->no_pexec |= (e >> 59) & 1;	/* PXNTable */
		}
		w->table = addr;
		w->level--;
		w->idx_bits = w->bpl;
		return WK_NEXT;
	}
	w->size = 1ull << wk_shift(w, w->level);
	addr = e & GENMASK(47, wk_shift(w, w->level));
	if (addr >= w->oa_limit) {
		w->fault = IOMMU_PGTABLE_FAULT_ADDR_SIZE;
		return WK_FAULT;
	}
	if (!(e & (1ull << 10))) {
		if (!w->ha) {
			w->fault = IOMMU_PGTABLE_FAULT_ACCESS_FLAG;
			return WK_FAULT;
		}
		wk_set_bits(w, 1ull << 10);
	}
	w->out = addr | (w->iova & (w->size - 1));
	return WK_LEAF;
}

static void arm_s1_finish(struct wk *w, struct iommu_pgtable_walk_result *res)
{
	uint64_t e = w->e;
	bool priv = w->access & IOMMU_PGTABLE_ACC_PRIV;
	bool unpriv_ok = ((e >> 6) & 1) && !w->no_unpriv;
	bool rdonly = (e >> 7) & 1, dbm = (e >> 51) & 1;
	bool write_ok = !w->no_write && (!rdonly || (dbm && w->hd));
	/* EL0-writable memory is never privileged-executable (AP[2:1] = 01). */
	bool pexec = !((e >> 53) & 1) && !w->no_pexec && !(((e >> 6) & 3) == 1);
	bool uexec = !((e >> 54) & 1) && !w->no_uexec && unpriv_ok;
	bool exec_ok = priv ? pexec : uexec;

	res->prot = IOMMU_READ | (write_ok ? IOMMU_WRITE : 0) | (unpriv_ok ? 0 : IOMMU_PRIV) |
		    (exec_ok ? 0 : IOMMU_NOEXEC);
	if ((!priv && !unpriv_ok) ||
	    ((w->access & IOMMU_PGTABLE_ACC_WRITE) && !write_ok) ||
	    ((w->access & IOMMU_PGTABLE_ACC_EXEC) && !exec_ok)) {
		w->fault = IOMMU_PGTABLE_FAULT_PERMISSION;
		return;
	}
	if ((w->access & IOMMU_PGTABLE_ACC_WRITE) && rdonly)
		wk_clear_bits(w, 1ull << 7);	/* DBM: hardware marks it dirty */
}

static void arm_s2_finish(struct wk *w, struct iommu_pgtable_walk_result *res)
{
	uint64_t e = w->e;
	bool priv = w->access & IOMMU_PGTABLE_ACC_PRIV;
	bool read_ok = (e >> 6) & 1, wr = (e >> 7) & 1, dbm = (e >> 51) & 1;
	bool write_ok = wr || (dbm && w->hd);
	unsigned int xn = (e >> 53) & 3;	/* XN[1:0], FEAT_XNX */
	bool exec_ok = priv ? (xn == 0 || xn == 3) : (xn == 0 || xn == 1);

	res->prot = (read_ok ? IOMMU_READ : 0) | (write_ok ? IOMMU_WRITE : 0) |
		    (exec_ok ? 0 : IOMMU_NOEXEC);
	if (((w->access & IOMMU_PGTABLE_ACC_READ) && !read_ok) ||
	    ((w->access & IOMMU_PGTABLE_ACC_WRITE) && !write_ok) ||
	    ((w->access & IOMMU_PGTABLE_ACC_EXEC) && (!exec_ok || !read_ok))) {
		w->fault = IOMMU_PGTABLE_FAULT_PERMISSION;
		return;
	}
	if ((w->access & IOMMU_PGTABLE_ACC_WRITE) && !wr)
		wk_set_bits(w, 1ull << 7);	/* DBM: hardware marks it dirty */
}

/* ---- x86-64 paging ---- */

static int x86_setup(struct wk *w)
{
	unsigned int levels = w->hw->levels, ias;
	uint64_t hi;

	if (levels != 4 && levels != 5)
		return -EINVAL;
	if (w->hw->oas < 32 || w->hw->oas > 52)
		return -EINVAL;
	w->gshift = 12;
	w->bpl = 9;
	w->level = (int)levels - 1;
	w->idx_bits = 9;
	w->oa_limit = 1ull << w->hw->oas;
	ias = 12 + 9 * levels;
	/* canonical: bits 63:ias-1 all equal */
	hi = w->iova >> (ias - 1);
	if (hi != 0 && hi != (~0ull >> (ias - 1))) {
		w->fault = IOMMU_PGTABLE_FAULT_ADDR_SIZE;
		return 1;
	}
	w->table = w->hw->root & GENMASK(51, 12);
	return 0;
}

static enum wk_step x86_step(struct wk *w)
{
	uint64_t e = w->e, addr;
	bool ps = (e >> 7) & 1;

	if (!(e & 1)) {
		w->fault = IOMMU_PGTABLE_FAULT_TRANSLATION;
		return WK_FAULT;
	}
	addr = e & GENMASK(51, 12);
	if (addr >= w->oa_limit || (ps && w->level >= 3)) {
		w->fault = IOMMU_PGTABLE_FAULT_RESERVED;
		return WK_FAULT;
	}
	w->no_write |= !((e >> 1) & 1);
	w->no_unpriv |= !((e >> 2) & 1);
	w->no_uexec |= (e >> 63) & 1;
	if (!((e >> 5) & 1))
		wk_set_bits(w, 1ull << 5);	/* A, always managed by hardware */
	if (w->level > 0 && !ps) {
		w->table = addr;
		w->level--;
		return WK_NEXT;
	}
	w->size = 1ull << wk_shift(w, w->level);
	if (w->level > 0 && (addr & (w->size - 1) & ~(1ull << 12))) {
		w->fault = IOMMU_PGTABLE_FAULT_RESERVED;	/* large page not aligned */
		return WK_FAULT;
	}
	w->out = (addr & ~(w->size - 1)) | (w->iova & (w->size - 1));
	return WK_LEAF;
}

static void x86_finish(struct wk *w, struct iommu_pgtable_walk_result *res)
{
	bool priv = w->access & IOMMU_PGTABLE_ACC_PRIV;
	bool user = !w->no_unpriv, write_ok = !w->no_write, exec_ok = !w->no_uexec;

	res->prot = IOMMU_READ | (write_ok ? IOMMU_WRITE : 0) | (user ? 0 : IOMMU_PRIV) |
		    (exec_ok ? 0 : IOMMU_NOEXEC);
	if ((!priv && !user) || ((w->access & IOMMU_PGTABLE_ACC_WRITE) && !write_ok) ||
	    ((w->access & IOMMU_PGTABLE_ACC_EXEC) && !exec_ok)) {
		w->fault = IOMMU_PGTABLE_FAULT_PERMISSION;
		return;
	}
	if ((w->access & IOMMU_PGTABLE_ACC_WRITE) && !((w->e >> 6) & 1))
		wk_set_bits(w, 1ull << 6);	/* D */
}

/* ---- VT-d second stage ---- */

static int vtd_ss_setup(struct wk *w)
{
	unsigned int levels = w->hw->levels, ias;

	if (levels < 3 || levels > 5 || w->hw->oas < 32 || w->hw->oas > 52)
		return -EINVAL;
	w->gshift = 12;
	w->bpl = 9;
	w->level = (int)levels - 1;
	w->idx_bits = 9;
	w->oa_limit = 1ull << w->hw->oas;
	w->hd = w->hw->flags & IOMMU_PGTABLE_HW_DIRTY;
	ias = 12 + 9 * levels;
	if (w->iova >> ias) {
		w->fault = IOMMU_PGTABLE_FAULT_ADDR_SIZE;	/* beyond the AGAW */
		return 1;
	}
	w->table = w->hw->root & GENMASK(51, 12);
	return 0;
}

static enum wk_step vtd_ss_step(struct wk *w)
{
	uint64_t e = w->e, addr;
	bool ps = (e >> 7) & 1;

	if (!(e & 3)) {
		w->fault = IOMMU_PGTABLE_FAULT_TRANSLATION;
		return WK_FAULT;
	}
	addr = e & GENMASK(51, 12);
	if (addr >= w->oa_limit || (ps && w->level >= 3)) {
		w->fault = IOMMU_PGTABLE_FAULT_RESERVED;
		return WK_FAULT;
	}
	w->no_read |= !(e & 1);
	w->no_write |= !((e >> 1) & 1);
	w->no_uexec |= !((e >> 2) & 1);
	if (w->level > 0 && !ps) {
		w->table = addr;
		w->level--;
		return WK_NEXT;
	}
	w->size = 1ull << wk_shift(w, w->level);
	if (w->level > 0 && (addr & (w->size - 1))) {
		w->fault = IOMMU_PGTABLE_FAULT_RESERVED;
		return WK_FAULT;
	}
	w->out = addr | (w->iova & (w->size - 1));
	return WK_LEAF;
}

static void vtd_ss_finish(struct wk *w, struct iommu_pgtable_walk_result *res)
{
	bool read_ok = !w->no_read, write_ok = !w->no_write, exec_ok = !w->no_uexec && read_ok;

	res->prot = (read_ok ? IOMMU_READ : 0) | (write_ok ? IOMMU_WRITE : 0) |
		    (exec_ok ? 0 : IOMMU_NOEXEC);
	if (((w->access & IOMMU_PGTABLE_ACC_READ) && !read_ok) ||
	    ((w->access & IOMMU_PGTABLE_ACC_WRITE) && !write_ok) ||
	    ((w->access & IOMMU_PGTABLE_ACC_EXEC) && !exec_ok)) {
		w->fault = IOMMU_PGTABLE_FAULT_PERMISSION;
		return;
	}
	if (w->hd) {
		uint64_t set = 1ull << 8;	/* A */

		if (w->access & IOMMU_PGTABLE_ACC_WRITE)
			set |= 1ull << 9;	/* D */
		if ((w->e & set) != set)
			wk_set_bits(w, set);
	}
}

/* ---- AMD v1 ---- */

static int amd_setup(struct wk *w)
{
	unsigned int mode = w->hw->levels, ias;

	if (mode < 1 || mode > 6 || w->hw->oas < 32 || w->hw->oas > 52)
		return -EINVAL;
	w->gshift = 12;
	w->bpl = 9;
	w->level = (int)mode - 1;
	ias = 12 + 9 * mode;
	if (ias > 64)
		ias = 64;
	w->idx_bits = ias - wk_shift(w, w->level);
	w->oa_limit = 1ull << w->hw->oas;
	w->hd = w->hw->flags & IOMMU_PGTABLE_HW_DIRTY;
	if (ias < 64 && (w->iova >> ias)) {
		w->fault = IOMMU_PGTABLE_FAULT_ADDR_SIZE;
		return 1;
	}
	w->table = w->hw->root & GENMASK(51, 12);
	return 0;
}

static enum wk_step amd_step(struct wk *w)
{
	uint64_t e = w->e, addr = e & GENMASK(51, 12);
	unsigned int nl = (e >> 9) & 7;
	int l = w->level;	/* AMD level l + 1 */

	if (!(e & 1)) {
		w->fault = IOMMU_PGTABLE_FAULT_TRANSLATION;
		return WK_FAULT;
	}
	if (addr >= w->oa_limit) {
		w->fault = IOMMU_PGTABLE_FAULT_RESERVED;
		return WK_FAULT;
	}
	w->no_read |= !((e >> 61) & 1);
	w->no_write |= !((e >> 62) & 1);
	if (nl >= 1 && nl <= 6) {
		unsigned int skip_lo, skip_hi;

		if ((int)nl > l) {	/* must point to a lower level */
			w->fault = IOMMU_PGTABLE_FAULT_RESERVED;
			return WK_FAULT;
		}
		/* Level skip: the address bits of the skipped levels must be 0. */
		skip_lo = wk_shift(w, (int)nl);
		skip_hi = wk_shift(w, l);
		if (skip_hi > skip_lo && (w->iova & (GENMASK(skip_hi - 1, skip_lo)))) {
			w->fault = IOMMU_PGTABLE_FAULT_TRANSLATION;
			return WK_FAULT;
		}
		w->table = addr;
		w->level = (int)nl - 1;
		w->idx_bits = 9;
		return WK_NEXT;
	}
	if (nl == 0) {
		w->size = 1ull << wk_shift(w, l);
	} else {	/* 7: size in the address bits */
		unsigned int z = (unsigned int)__builtin_ctzll(~(e >> 12)), lg2 = 13 + z;

		if (lg2 <= wk_shift(w, l) || lg2 >= wk_shift(w, l + 1)) {
			w->fault = IOMMU_PGTABLE_FAULT_RESERVED;
			return WK_FAULT;
		}
		w->size = 1ull << lg2;
	}
	w->out = (addr & ~(w->size - 1)) | (w->iova & (w->size - 1));
	return WK_LEAF;
}

static void amd_finish(struct wk *w, struct iommu_pgtable_walk_result *res)
{
	bool read_ok = !w->no_read, write_ok = !w->no_write;

	res->prot = (read_ok ? IOMMU_READ : 0) | (write_ok ? IOMMU_WRITE : 0);
	if (((w->access & (IOMMU_PGTABLE_ACC_READ | IOMMU_PGTABLE_ACC_EXEC)) && !read_ok) ||
	    ((w->access & IOMMU_PGTABLE_ACC_WRITE) && !write_ok)) {
		w->fault = IOMMU_PGTABLE_FAULT_PERMISSION;
		return;
	}
	if (w->hd) {
		uint64_t set = 1ull << 5;	/* A */

		if (w->access & IOMMU_PGTABLE_ACC_WRITE)
			set |= 1ull << 6;	/* D */
		if ((w->e & set) != set)
			wk_set_bits(w, set);
	}
}

static const struct wk_fmt wk_fmts[IOMMU_PGTABLE_NR_FMTS] = {
	[IOMMU_PGTABLE_ARM_S1] = { arm_setup, arm_step, arm_s1_finish },
	[IOMMU_PGTABLE_ARM_S2] = { arm_setup, arm_step, arm_s2_finish },
	[IOMMU_PGTABLE_X86_64] = { x86_setup, x86_step, x86_finish },
	[IOMMU_PGTABLE_VTD_SS] = { vtd_ss_setup, vtd_ss_step, vtd_ss_finish },
	[IOMMU_PGTABLE_AMD_V1] = { amd_setup, amd_step, amd_finish },
};

IOMMU_EXPORT int iommu_pgtable_walk(struct iommu_mem *mem, const struct iommu_pgtable_hw *hw,
				    uint64_t iova, uint32_t access,
				    struct iommu_pgtable_walk_result *res)
{
	const struct wk_fmt *f;
	struct wk w = { .mem = mem, .hw = hw, .iova = iova, .access = access };
	int ret;

	if (!mem || !hw || !res || (unsigned int)hw->fmt >= IOMMU_PGTABLE_NR_FMTS ||
	    (access & ~IOMMU_PGTABLE_ACC_MASK) ||
	    !(access & (IOMMU_PGTABLE_ACC_READ | IOMMU_PGTABLE_ACC_WRITE | IOMMU_PGTABLE_ACC_EXEC)))
		return -EINVAL;
	f = &wk_fmts[hw->fmt];
	*res = (struct iommu_pgtable_walk_result){ .level = -1 };
	ret = f->setup(&w);
	if (ret < 0)
		return ret;
	if (ret > 0)
		goto fault;
	for (;;) {
		uint64_t idx = (iova >> wk_shift(&w, w.level)) &
			       ((w.idx_bits >= 64 ? 0 : 1ull << w.idx_bits) - 1);
		enum wk_step s;

		res->level = w.level;
		w.ep = mem_va_checked(mem, w.table + idx * 8, 8);
		if (!w.ep) {
			w.fault = IOMMU_PGTABLE_FAULT_WALK_ABORT;
			goto fault;
		}
		w.e = __atomic_load_n(w.ep, __ATOMIC_RELAXED);
		res->entry = w.e;
		s = f->step(&w);
		if (s == WK_NEXT)
			continue;
		if (s == WK_FAULT)
			goto fault;
		break;
	}
	f->finish(&w, res);
	res->entry = w.e;
	if (w.fault)
		goto fault;
	res->pa = w.out;
	res->page_size = w.size;
	return 0;
fault:
	res->fault = w.fault;
	return -EFAULT;
}
