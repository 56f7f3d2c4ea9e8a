/* SPDX-License-Identifier: MIT */
/*
 * libiommu - IO page tables.
 *
 * The page-table formats that IOMMUs walk, encoded bit-exactly into the RAM
 * model (include/iommu/mem.h) and referenced by physical address:
 *
 *   IOMMU_PGTABLE_ARM_S1	Arm VMSAv8-64 long-descriptor stage 1
 *   IOMMU_PGTABLE_ARM_S2	Arm VMSAv8-64 long-descriptor stage 2
 *   IOMMU_PGTABLE_X86_64	x86-64 paging (VT-d first stage, AMD v2)
 *   IOMMU_PGTABLE_VTD_SS	Intel VT-d second stage
 *   IOMMU_PGTABLE_AMD_V1	AMD IOMMU host (v1) page table
 *
 * Two halves, written separately so that one checks the other:
 *  - the encode side (iommu_pgtable_alloc() ... iommu_pgtable_free()) is what
 *    a driver uses to build and edit a domain's table;
 *  - the walker (iommu_pgtable_walk()) is what a hardware model uses: it reads
 *    only memory and the register view (struct iommu_pgtable_hw) and returns a
 *    translation or a fault, as the hardware would.
 *
 * Partial unmap policy: unmap never splits a block. It clears every leaf that
 * lies wholly inside the requested range and stops at the first leaf that
 * crosses either end of the range, returning the length of the prefix that is
 * now unmapped (0 when the first leaf already crosses the start). Holes inside
 * the range count as unmapped.
 *
 * Map is all-or-nothing: when it fails, entries it wrote are removed again
 * and the tables it allocated are freed, so translations are as before.
 *
 * Table pages are freed when they become empty. Up to a small number of
 * emptied pages are kept by the page table for reuse (they stay allocated in
 * the RAM model; iommu_pgtable_info() counts them) and all are returned by
 * iommu_pgtable_free().
 *
 * Thread safety: a page table has no lock. Callers serialise calls that touch
 * overlapping IOVA ranges or the same table pages, as the Linux io-pgtable
 * library expects; in practice a domain lock (IU_RANK_DOMAIN) around every
 * call. The walker only reads memory (and sets accessed/dirty state with
 * atomic updates, as hardware does), so it may run concurrently with anything
 * except the freeing of the tables it walks.
 *
 * ABI status: unstable (0.x).
 */
#ifndef IOMMU_PGTABLE_H
#define IOMMU_PGTABLE_H

#include "iommu/common.h"
#include "iommu/mem.h"

#ifdef __cplusplus
extern "C" {
#endif

struct iommu_pgtable;

enum iommu_pgtable_fmt {
	IOMMU_PGTABLE_ARM_S1 = 0,
	IOMMU_PGTABLE_ARM_S2,
	IOMMU_PGTABLE_X86_64,
	IOMMU_PGTABLE_VTD_SS,
	IOMMU_PGTABLE_AMD_V1,
	IOMMU_PGTABLE_NR_FMTS
};

/* cfg.flags */
/* Track dirty state: writable leaves start clean and hardware marks them dirty
 * (Arm DBM with HD, x86/VT-d/AMD D bit); enables read_and_clear_dirty. */
#define IOMMU_PGTABLE_F_DIRTY		(1u << 0)
/* AMD v1 only: start with few levels and add levels on top as higher IOVAs
 * are mapped (the tlb op change_top reports each new root). */
#define IOMMU_PGTABLE_F_DYNAMIC_TOP	(1u << 1)
#define IOMMU_PGTABLE_F_MASK		0x3u

/**
 * struct iommu_pgtable_cfg - what a page table is asked to be.
 * @fmt: the format.
 * @flags: IOMMU_PGTABLE_F_*.
 * @granule: translation granule in bytes; Arm: 4096, 16384 or 65536; other
 *	formats 4096. 0 means 4096.
 * @ias: input (IOVA) address bits. Arm: 32..48. x86-64: 32..56, usable bits
 *	of the lower canonical half (4 levels up to 47, 5 above). VT-d SS: 32..57 (3, 4 or 5 levels). AMD v1: 21..64.
 *	0 means 48.
 * @oas: output address bits; Arm: 32, 36, 40, 42, 44 or 48; others 32..52.
 *	0 means 48.
 * @pgsize_bitmap: if non-zero, restrict the page sizes to these (it must
 *	include the granule); 0 means every size the format supports.
 */
struct iommu_pgtable_cfg {
	enum iommu_pgtable_fmt fmt;
	uint32_t flags;
	uint32_t granule;
	uint32_t ias;
	uint32_t oas;
	uint64_t pgsize_bitmap;
};

/**
 * struct iommu_pgtable_tlb_ops - how the page table asks its driver to
 * invalidate. Every member may be NULL (nothing to do). @cookie is the
 * pointer given to iommu_pgtable_alloc().
 * @flush_all: invalidate everything cached for this table. Called after
 *	read_and_clear_dirty() cleared dirty state without a gather.
 * @flush_walk: synchronously invalidate cached translations and cached table
 *	walks for [iova, iova + size); @granule is the leaf size in that range.
 *	Called when table pages are unlinked (freed when empty, a whole subtree
 *	unmapped, a failed map rolled back), before a freed page is reused.
 * @add_page: add one unmapped (or dirty-cleared) leaf [iova, iova + granule)
 *	to the caller's gather, the opaque pointer passed to
 *	iommu_pgtable_unmap_pages() / read_and_clear_dirty(). Called only when
 *	that pointer is not NULL; the caller flushes the gather when the call
 *	returns (with a NULL gather it invalidates the range it unmapped).
 * @change_top: AMD v1 with IOMMU_PGTABLE_F_DYNAMIC_TOP: the table grew a new
 *	top level; program the device table with @root and @levels before the
 *	map that grew it returns (the old root stays linked below the new one).
 */
struct iommu_pgtable_tlb_ops {
	void (*flush_all)(void *cookie);
	void (*flush_walk)(uint64_t iova, uint64_t size, uint64_t granule, void *cookie);
	void (*add_page)(void *gather, uint64_t iova, uint64_t granule, void *cookie);
	void (*change_top)(void *cookie, uint64_t root, unsigned int levels);
};

/**
 * struct iommu_pgtable_gather - a ready-made gather: the IOVA range an unmap
 * made stale, inclusive (@start > @end when empty), and the smallest leaf
 * size added. Same layout as the core's struct iommu_iotlb_gather.
 */
struct iommu_pgtable_gather {
	uint64_t start, end;
	uint64_t pgsize;
};

/**
 * iommu_pgtable_gather_add_page() - an add_page callback that merges
 * [iova, iova + granule) into a struct iommu_pgtable_gather. When a table's
 * add_page is this function, unmap merges each run of cleared leaves into the
 * gather at once instead of calling it per leaf: the same gather, without an
 * indirect call per page.
 */
IOMMU_EXPORT void iommu_pgtable_gather_add_page(void *gather, uint64_t iova, uint64_t granule,
						void *cookie);

/* Bits of struct iommu_pgtable_hw.flags */
/* Hardware updates dirty state (Arm TCR/VTCR.HD, VT-d SSADE, AMD HAD, x86 D). */
#define IOMMU_PGTABLE_HW_DIRTY		(1u << 0)

/**
 * struct iommu_pgtable_hw - the register view of a page table: what a driver
 * programs into the IOMMU and what the walker reads.
 * @fmt: the format.
 * @flags: IOMMU_PGTABLE_HW_*.
 * @root: physical address of the top table (TTBR0/VTTBR base address, VT-d
 *	SSPTPTR/FSPTPTR, AMD DTE page-table root / GCR3 table root).
 * @tcr: Arm stage 1: a TCR_EL1-layout value (T0SZ[5:0], IRGN0[9:8],
 *	ORGN0[11:10], SH0[13:12], TG0[15:14], EPD1[23], IPS[34:32], HA[39],
 *	HD[40]). Arm stage 2: a VTCR_EL2-layout value (T0SZ[5:0], SL0[7:6],
 *	IRGN0, ORGN0, SH0, TG0, PS[18:16], HA[21], HD[22]). Else 0.
 * @mair: Arm stage 1 memory attributes for AttrIndx 0..7. Else 0.
 * @levels: levels walked from the root. x86-64: 4 or 5 (VT-d FLPM / AMD GLX);
 *	VT-d SS: 3..5 (the context AW field is @levels - 2); AMD v1: the DTE
 *	Mode, 1..6. Arm: derived from @tcr (filled in for information).
 * @oas: output address bits (Arm: also encoded in @tcr; x86/VT-d: the
 *	MAXPHYADDR/HAW reserved-bit boundary; AMD: likewise).
 */
struct iommu_pgtable_hw {
	enum iommu_pgtable_fmt fmt;
	uint32_t flags;
	uint64_t root;
	uint64_t tcr;
	uint64_t mair;
	unsigned int levels;
	unsigned int oas;
};

/**
 * struct iommu_pgtable_info - what a page table is, and what it holds.
 * @pgsize_bitmap: page sizes map/unmap accept.
 * @ias, @oas: address sizes: IOVAs in [0, 2^ias) can be mapped.
 * @levels: current number of levels (AMD dynamic top: grows with use).
 * @granule: the translation granule.
 * @table_pages: 4 KiB pages of RAM held by linked tables (root included).
 * @cached_pages: 4 KiB pages of RAM held by emptied tables kept for reuse.
 */
struct iommu_pgtable_info {
	uint64_t pgsize_bitmap;
	unsigned int ias, oas, levels, granule;
	uint64_t table_pages;
	uint64_t cached_pages;
};

/**
 * iommu_pgtable_alloc() - create an empty page table in @mem.
 * @mem: the RAM model the tables live in; must outlive the page table.
 * @cfg: the format and its parameters (copied).
 * @tlb: invalidation callbacks (not copied: must outlive the table); may be NULL.
 * @cookie: passed back to every @tlb callback.
 * @out: receives the table; the caller owns it (iommu_pgtable_free()).
 *
 * Return: 0; -EINVAL for a NULL @mem/@cfg/@out, an unknown format or flag, a
 * granule, ias, oas or pgsize_bitmap the format does not support;
 * -ENOMEM when host memory or RAM for the root table runs out.
 */
IOMMU_EXPORT int iommu_pgtable_alloc(struct iommu_mem *mem, const struct iommu_pgtable_cfg *cfg,
				     const struct iommu_pgtable_tlb_ops *tlb, void *cookie,
				     struct iommu_pgtable **out);

/**
 * iommu_pgtable_free() - free the table, every table page it holds, and the
 * object. Mappings vanish without TLB callbacks (the caller has detached the
 * table from hardware). NULL is a no-op.
 */
IOMMU_EXPORT void iommu_pgtable_free(struct iommu_pgtable *pt);

/**
 * iommu_pgtable_map_pages() - map @pgcount pages of @pgsize bytes.
 * @pt: the table.
 * @iova: first input address; aligned to @pgsize.
 * @pa: first output address; aligned to @pgsize.
 * @pgsize: one of the sizes of iommu_pgtable_info().pgsize_bitmap.
 * @pgcount: number of pages, at least 1.
 * @prot: IOMMU_READ/WRITE/NOEXEC/PRIV/CACHE/MMIO; at least one of READ and
 *	WRITE. What a format cannot express is widened or ignored (Arm S1 and
 *	x86 have no write-only: WRITE alone maps read-write; PRIV and NOEXEC
 *	mean nothing to AMD v1 and PRIV nothing to Arm S2 and VT-d SS).
 * @mapped: if not NULL, receives the bytes mapped (all or 0).
 *
 * Return: 0; -EINVAL for a NULL @pt, a zero or unsupported @pgsize, zero
 * @pgcount, unaligned @iova/@pa, unknown @prot bits or neither READ nor WRITE;
 * -ERANGE when [iova, iova + size) or [pa, pa + size) leaves the input or
 * output address space (or the size overflows); -EEXIST when any part of the
 * range is already mapped; -ENOMEM when RAM for a table runs out. On error
 * nothing is mapped (AMD dynamic top: a level added on top stays).
 */
IOMMU_EXPORT int iommu_pgtable_map_pages(struct iommu_pgtable *pt, uint64_t iova, uint64_t pa,
					 uint64_t pgsize, uint64_t pgcount, uint32_t prot,
					 uint64_t *mapped);

/**
 * iommu_pgtable_unmap_pages() - unmap [iova, iova + pgsize * pgcount).
 * @pt: the table.
 * @iova: aligned to @pgsize.
 * @pgsize: a supported page size.
 * @pgcount: at least 1.
 * @gather: opaque; if not NULL, handed to tlb->add_page for every leaf
 *	removed. With NULL the caller invalidates [iova, iova + returned size).
 *
 * Blocks are never split (see the policy at the top of this file).
 *
 * Return: the number of bytes from @iova that are now unmapped: the whole
 * size on success, less when a leaf crosses the end of the range, 0 when the
 * first leaf crosses @iova, and 0 for bad arguments (NULL @pt, unsupported
 * @pgsize, zero @pgcount, unaligned @iova, range outside the input space),
 * which change nothing.
 */
IOMMU_EXPORT uint64_t iommu_pgtable_unmap_pages(struct iommu_pgtable *pt, uint64_t iova,
						uint64_t pgsize, uint64_t pgcount, void *gather);

/**
 * iommu_pgtable_iova_to_phys() - software lookup of one address.
 * @pa: receives the output address of @iova.
 *
 * Return: 0; -EINVAL for NULL arguments; -ERANGE for an @iova outside the
 * input space; -ENOENT when @iova is not mapped.
 */
IOMMU_EXPORT int iommu_pgtable_iova_to_phys(const struct iommu_pgtable *pt, uint64_t iova,
					    uint64_t *pa);

/* read_and_clear_dirty() flags */
#define IOMMU_PGTABLE_DIRTY_NO_CLEAR	(1u << 0)	/* report only */

/**
 * iommu_pgtable_read_and_clear_dirty() - report dirty leaves in a range and
 * mark them clean.
 * @pt: a table allocated with IOMMU_PGTABLE_F_DIRTY.
 * @iova, @size: the range; @size > 0; need not be aligned: every leaf that
 *	overlaps it is examined (and reported and cleared whole).
 * @flags: IOMMU_PGTABLE_DIRTY_*.
 * @record: called with each dirty leaf [iova, iova + len) in increasing order.
 * @arg: passed to @record.
 * @gather: if not NULL, each cleared leaf is added to it (tlb->add_page); if
 *	NULL and something was cleared, tlb->flush_all is called at the end, so
 *	that hardware sets dirty state again on the next write.
 *
 * Return: 0; -EINVAL for NULL @pt/@record, zero @size, unknown flags;
 * -ERANGE for a range outside the input space; -EOPNOTSUPP when the table
 * was not allocated with IOMMU_PGTABLE_F_DIRTY.
 */
IOMMU_EXPORT int iommu_pgtable_read_and_clear_dirty(struct iommu_pgtable *pt, uint64_t iova,
						    uint64_t size, uint32_t flags,
						    void (*record)(void *arg, uint64_t iova, uint64_t len),
						    void *arg, void *gather);

/**
 * iommu_pgtable_info() - describe the table.
 * Return: 0; -EINVAL for NULL arguments.
 */
IOMMU_EXPORT int iommu_pgtable_info(const struct iommu_pgtable *pt, struct iommu_pgtable_info *info);

/**
 * iommu_pgtable_hw_get() - the register view to program into an IOMMU and to
 * hand to iommu_pgtable_walk().
 * Return: 0; -EINVAL for NULL arguments.
 */
IOMMU_EXPORT int iommu_pgtable_hw_get(const struct iommu_pgtable *pt, struct iommu_pgtable_hw *hw);

/* Access kinds for iommu_pgtable_walk() */
#define IOMMU_PGTABLE_ACC_READ	(1u << 0)
#define IOMMU_PGTABLE_ACC_WRITE	(1u << 1)
#define IOMMU_PGTABLE_ACC_EXEC	(1u << 2)	/* instruction fetch */
#define IOMMU_PGTABLE_ACC_PRIV	(1u << 3)	/* privileged request */
#define IOMMU_PGTABLE_ACC_MASK	0xfu

enum iommu_pgtable_fault {
	IOMMU_PGTABLE_FAULT_NONE = 0,
	IOMMU_PGTABLE_FAULT_TRANSLATION,	/* no valid entry (or an invalid encoding on Arm) */
	IOMMU_PGTABLE_FAULT_PERMISSION,		/* mapped, but not for this access */
	IOMMU_PGTABLE_FAULT_ADDR_SIZE,		/* input or output address too large */
	IOMMU_PGTABLE_FAULT_ACCESS_FLAG,	/* Arm: AF clear and hardware AF update off */
	IOMMU_PGTABLE_FAULT_RESERVED,		/* reserved bits or encoding (x86, VT-d, AMD) */
	IOMMU_PGTABLE_FAULT_WALK_ABORT,		/* a table address outside RAM */
};

/**
 * struct iommu_pgtable_walk_result - what one walk found.
 * @fault: IOMMU_PGTABLE_FAULT_NONE, or why the walk failed.
 * @level: level of the entry that ended the walk: 0 is the 4 KiB/granule
 *	level, counting up (Arm level 3 is 0 here).
 * @pa: translated address (valid when @fault is NONE).
 * @page_size: size of the leaf that translated (when @fault is NONE).
 * @prot: the leaf's effective permissions as IOMMU_READ/WRITE/NOEXEC/PRIV,
 *	after combining every level (when the walk reached a leaf).
 * @entry: the last descriptor read (raw).
 */
struct iommu_pgtable_walk_result {
	enum iommu_pgtable_fault fault;
	int level;
	uint64_t pa;
	uint64_t page_size;
	uint32_t prot;
	uint64_t entry;
};

/**
 * iommu_pgtable_walk() - translate one access as the hardware would.
 * @mem: the RAM the tables live in; table addresses outside it are faults.
 * @hw: the register view (root, control registers, levels).
 * @iova: the input address.
 * @access: IOMMU_PGTABLE_ACC_*; at least one of READ, WRITE, EXEC.
 * @res: receives the result (always filled for a 0 or -EFAULT return).
 *
 * With IOMMU_PGTABLE_HW_DIRTY in @hw->flags a permitted write marks the leaf
 * dirty in memory with an atomic update, as hardware does.
 *
 * Return: 0 when the access translates; -EFAULT when it faults (@res->fault
 * says why); -EINVAL for NULL arguments, unknown @access bits or a register
 * view that does not describe a valid configuration.
 */
IOMMU_EXPORT int iommu_pgtable_walk(struct iommu_mem *mem, const struct iommu_pgtable_hw *hw,
				    uint64_t iova, uint32_t access,
				    struct iommu_pgtable_walk_result *res);

/** iommu_pgtable_fmt_name() - short name of a format ("arm-s1", ...), or NULL. */
IOMMU_EXPORT const char *iommu_pgtable_fmt_name(enum iommu_pgtable_fmt fmt);

/** iommu_pgtable_fault_name() - short name of a fault reason, or "?". */
IOMMU_EXPORT const char *iommu_pgtable_fault_name(enum iommu_pgtable_fault fault);

#ifdef __cplusplus
}
#endif
#endif
