// SPDX-License-Identifier: MIT
/*
 * RAM model: an anonymous MAP_NORESERVE mapping (pages committed when first
 * touched) and an O(1) block allocator: a bump pointer for fresh memory and one
 * stack of freed blocks per order, linked through the free blocks. Blocks are not coalesced; the model's
 * address space is large and callers free what they allocate in the same sizes.
 */
#include <string.h>
#include <sys/mman.h>
#include "mem_priv.h"

static const struct iu_lock_class mem_lock_class = { "mem", IU_RANK_LEAF, false };

IOMMU_EXPORT int iommu_mem_new(uint64_t base, uint64_t size, struct iommu_mem **out)
{
	struct iommu_mem *m;
	uint64_t end, npages;

	if (!out || !size || !IS_ALIGNED(base, IOMMU_MEM_PAGE_SIZE) ||
	    !IS_ALIGNED(size, IOMMU_MEM_PAGE_SIZE) || size > IOMMU_MEM_MAX_SIZE ||
	    iu_add_overflows(base, size, &end) || end > (1ull << 52))
		return -EINVAL;

	m = iu_zalloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	npages = size / IOMMU_MEM_PAGE_SIZE;
	m->alloc_bits = iu_calloc((npages + 63) / 64, sizeof(uint64_t));
	m->alloc_order = iu_calloc(npages, 1);
	if (!m->alloc_bits || !m->alloc_order)
		goto err_free;
	m->host = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->host == MAP_FAILED)
		goto err_free;
	m->base = base;
	m->size = size;
	for (int i = 0; i <= MEM_MAX_ORDER; i++)
		m->free_head[i] = MEM_NO_BLOCK;
	iu_mutex_init(&m->lock, &mem_lock_class);
	*out = m;
	return 0;

err_free:
	iu_free(m->alloc_order);
	iu_free(m->alloc_bits);
	iu_free(m);
	return -ENOMEM;
}

IOMMU_EXPORT void iommu_mem_free(struct iommu_mem *m)
{
	if (!m)
		return;
	munmap(m->host, m->size);
	if (m->pt_counts)
		munmap(m->pt_counts, m->pt_counts_bytes);
	iu_free(m->alloc_order);
	iu_free(m->alloc_bits);
	iu_mutex_destroy(&m->lock);
	iu_free(m);
}

IOMMU_EXPORT uint64_t iommu_mem_base(const struct iommu_mem *m) { return m ? m->base : 0; }
IOMMU_EXPORT uint64_t iommu_mem_size(const struct iommu_mem *m) { return m ? m->size : 0; }

static int size_order(uint64_t size)
{
	if (size < IOMMU_MEM_PAGE_SIZE || (size & (size - 1)))
		return -1;
	int order = __builtin_ctzll(size) - 12;
	return order > MEM_MAX_ORDER ? -1 : order;
}

static bool bit_test(const uint64_t *bits, uint64_t i) { return bits[i / 64] & BIT(i % 64); }
static void bit_set(uint64_t *bits, uint64_t i) { bits[i / 64] |= BIT(i % 64); }
static void bit_clear(uint64_t *bits, uint64_t i) { bits[i / 64] &= ~BIT(i % 64); }

IOMMU_EXPORT int iommu_mem_alloc(struct iommu_mem *m, uint64_t size, uint64_t *pa)
{
	int order = size_order(size);
	uint64_t off, page;
	bool recycled = false;

	if (!m || !pa || order < 0)
		return -EINVAL;
	if (iu_fail_now())
		return -ENOMEM;		/* injected (tests): RAM is an allocation too */

	iu_mutex_lock(&m->lock);
	if (m->free_head[order] != MEM_NO_BLOCK) {
		uint64_t head = m->free_head[order];

		memcpy(&m->free_head[order], mem_va(m, head), sizeof(uint64_t));
		off = head - m->base;
		recycled = true;
	} else {
		/* Natural alignment of the physical address, not just the offset. */
		uint64_t pa0 = ALIGN_UP(m->base + m->bump, size);

		off = pa0 - m->base;
		if (off > m->size || size > m->size - off) {
			iu_mutex_unlock(&m->lock);
			return -ENOMEM;
		}
		m->bump = off + size;
	}
	page = off / IOMMU_MEM_PAGE_SIZE;
	bit_set(m->alloc_bits, page);
	m->alloc_order[page] = (uint8_t)order;
	m->pages_in_use += size / IOMMU_MEM_PAGE_SIZE;
	iu_mutex_unlock(&m->lock);

	/* Fresh memory from the mapping reads as zero already. */
	if (recycled)
		memset(m->host + off, 0, size);
	*pa = m->base + off;
	return 0;
}

IOMMU_EXPORT int iommu_mem_release(struct iommu_mem *m, uint64_t pa, uint64_t size)
{
	int order = size_order(size);
	uint64_t page, off;
	int ret = 0;

	if (!m || order < 0 || !IS_ALIGNED(pa, size) || !mem_va_checked(m, pa, size))
		return -EINVAL;
	off = pa - m->base;
	page = off / IOMMU_MEM_PAGE_SIZE;

	iu_mutex_lock(&m->lock);
	if (!bit_test(m->alloc_bits, page) || m->alloc_order[page] != order) {
		ret = -EINVAL;
		goto out;
	}
	bit_clear(m->alloc_bits, page);
	memcpy(mem_va(m, pa), &m->free_head[order], sizeof(uint64_t));
	m->free_head[order] = pa;
	m->pages_in_use -= size / IOMMU_MEM_PAGE_SIZE;
out:
	iu_mutex_unlock(&m->lock);
	return ret;
}

uint16_t *mem_pt_counts(struct iommu_mem *m)
{
	uint16_t *p;

	iu_mutex_lock(&m->lock);
	if (!m->pt_counts) {
		size_t bytes = ALIGN_UP((size_t)(m->size >> 12) * sizeof(uint16_t), (size_t)4096);

		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p != MAP_FAILED) {
			m->pt_counts = p;
			m->pt_counts_bytes = bytes;
		}
	}
	p = m->pt_counts;
	iu_mutex_unlock(&m->lock);
	return p;
}

IOMMU_EXPORT uint64_t iommu_mem_pages_in_use(const struct iommu_mem *m)
{
	return m ? __atomic_load_n(&m->pages_in_use, __ATOMIC_RELAXED) : 0;
}

IOMMU_EXPORT void *iommu_mem_ptr(const struct iommu_mem *m, uint64_t pa, uint64_t len)
{
	if (!m || !len)
		return NULL;
	return mem_va_checked(m, pa, len);
}

IOMMU_EXPORT int iommu_mem_read(const struct iommu_mem *m, uint64_t pa, void *buf, uint64_t len)
{
	void *src;

	if (!m || (!buf && len))
		return -EINVAL;
	if (!len)
		return 0;
	src = mem_va_checked(m, pa, len);
	if (!src)
		return -EFAULT;
	memcpy(buf, src, len);
	return 0;
}

IOMMU_EXPORT int iommu_mem_write(struct iommu_mem *m, uint64_t pa, const void *buf, uint64_t len)
{
	void *dst;

	if (!m || (!buf && len))
		return -EINVAL;
	if (!len)
		return 0;
	dst = mem_va_checked(m, pa, len);
	if (!dst)
		return -EFAULT;
	memcpy(dst, buf, len);
	return 0;
}
