/* SPDX-License-Identifier: MIT */
/*
 * Internal view of the RAM model, for the layers that walk memory on hot
 * paths (page tables, hardware models): physical-to-host translation is one
 * subtraction and one bounds check.
 */
#ifndef IU_MEM_PRIV_H
#define IU_MEM_PRIV_H

#include "iommu/mem.h"
#include "util/util.h"
#include "util/lock.h"

#define MEM_MAX_ORDER	18	/* 4 KiB << 18 = 1 GiB */
#define MEM_NO_BLOCK	UINT64_MAX	/* end of a free list (PA 0 is a valid block) */

struct iommu_mem {
	uint8_t *host;		/* host mapping of [base, base + size) */
	uint64_t base, size;
	struct iu_mutex lock;	/* protects everything below */
	uint64_t bump;		/* offset of the first never-allocated byte */
	uint64_t pages_in_use;
	/*
	 * Freed blocks, per order: a stack linked through the blocks themselves
	 * (the first 8 bytes of a free block hold the next one's address, or
	 * MEM_NO_BLOCK),
	 * so that freeing never needs memory and cannot fail.
	 */
	uint64_t free_head[MEM_MAX_ORDER + 1];
	/* One bit per 4 KiB page: set while the page starts an allocated block. */
	uint16_t *pt_counts;	/* page-table entry counts per 4 KiB page (pgtable), lazily */
	size_t pt_counts_bytes;
	uint64_t *alloc_bits;
	uint8_t *alloc_order;	/* order of each block, indexed by its first page */
};

/*
 * One uint16_t per 4 KiB page of RAM, zero-initialised and shared by every
 * page table living in this RAM (a table page belongs to one table at a
 * time): the page tables keep their entry counts here. Reserved on first use
 * with MAP_NORESERVE, so only touched pages cost. NULL if it cannot be mapped.
 */
uint16_t *mem_pt_counts(struct iommu_mem *m);

/* Host pointer for a physical address the caller knows lies in RAM. */
static inline void *mem_va(const struct iommu_mem *m, uint64_t pa)
{
	return m->host + (pa - m->base);
}

/* Host pointer for [pa, pa+len), or NULL if any byte lies outside RAM. */
static inline void *mem_va_checked(const struct iommu_mem *m, uint64_t pa, uint64_t len)
{
	uint64_t off = pa - m->base;

	if (pa < m->base || off > m->size || len > m->size - off)
		return NULL;
	return m->host + off;
}

#endif
