// SPDX-License-Identifier: MIT
/*
 * The selftest IOMMU: a driver and the hardware it drives, in one file.
 *
 * Hardware: a context table indexed by ID pointing at a domain (blocked,
 * identity or paging), a small direct-mapped IOTLB tagged by domain, and the
 * domain's page table. dma_translate() is the hardware: it consults only the
 * context table, the IOTLB and the page table, never the core's idea of
 * which domain is attached.
 *
 * Page table: 4 levels of 512 entries over a 48-bit IOVA, leaves at level 1
 * (1G), 2 (2M) or 3 (4K). It lives in host memory; the real formats of
 * src/pgtable replace it in the hardware models.
 */
#include <string.h>
#include "core/core.h"
#include "iommu/mock.h"

#define MOCK_ID_BITS	24		/* stream IDs up to 2^24, like many SMMUs */
#define MOCK_MAX_IDS	(1u << MOCK_ID_BITS)
#define CTX_L2_BITS	12		/* context table: 2 levels of 4096 */
#define IOTLB_SIZE	256

/* Ranks below the leaf locks (the RAM allocator is taken under them). */
static const struct iu_lock_class mock_hw_class = { "mock-hw", IU_RANK_LEAF - 10, false };
static const struct iu_lock_class mock_pt_class = { "mock-pgtable", IU_RANK_LEAF - 5, false };

/* Page-table entry: bit 0 valid, bit 1 leaf, prot bits 2.., address bits 12..51. */
#define PTE_VALID	BIT(0)
#define PTE_LEAF	BIT(1)
#define PTE_PROT_SHIFT	2
#define PTE_ADDR_MASK	GENMASK(51, 12)

struct mock_domain {
	struct iommu_domain dom;
	struct iu_mutex pt_lock;
	uint64_t *root;			/* level 0 table (host memory) */
	unsigned long ntables;		/* tables below the root, to skip freeing none */
	unsigned int asid;		/* IOTLB tag */
	enum iommu_domain_type kind;	/* BLOCKED, IDENTITY or a paging type */
	struct mock_iommu *mi;
};

struct iotlb_entry {
	bool valid;
	unsigned int asid;
	uint64_t iova_pfn, pa_pfn;
	unsigned int prot;
};

struct mock_iommu {
	enum iommu_mock_variant variant;
	struct iommu_device *iommu;
	struct iu_mutex hw_lock;	/* context table and IOTLB */
	/* Context table: ID -> domain, two levels, leaves allocated on first use. */
	struct iommu_domain **ctx_tbl[1u << (MOCK_ID_BITS - CTX_L2_BITS)];
	struct iotlb_entry iotlb[IOTLB_SIZE];
	unsigned int next_asid;
	uint64_t iotlb_hits, iotlb_misses;
};

struct mock_master {
	uint32_t ids[IOMMU_FW_MAX_IDS];
	unsigned int nids;
};

/* ------------------------------------------------------------------ */
/* Fault injection                                                    */

static struct {
	unsigned long calls;
	unsigned int nth;
	int err;
} inject[IOMMU_MOCK_OP_NR];

IOMMU_EXPORT int iommu_mock_fail(enum iommu_mock_op op, unsigned int nth, int err)
{
	if ((unsigned int)op >= IOMMU_MOCK_OP_NR || err >= 0)
		return -EINVAL;
	__atomic_store_n(&inject[op].err, err, __ATOMIC_SEQ_CST);
	__atomic_store_n(&inject[op].nth, nth, __ATOMIC_SEQ_CST);
	return 0;
}

IOMMU_EXPORT unsigned long iommu_mock_calls(enum iommu_mock_op op)
{
	return (unsigned int)op < IOMMU_MOCK_OP_NR ? __atomic_load_n(&inject[op].calls, __ATOMIC_SEQ_CST) : 0;
}

static int injected(enum iommu_mock_op op)
{
	unsigned int n;

	__atomic_add_fetch(&inject[op].calls, 1, __ATOMIC_SEQ_CST);
	n = __atomic_load_n(&inject[op].nth, __ATOMIC_SEQ_CST);
	while (n) {
		if (__atomic_compare_exchange_n(&inject[op].nth, &n, n - 1, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return n == 1 ? inject[op].err : 0;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Page table                                                         */

static unsigned int level_shift(int level)
{
	return 39 - 9 * level;		/* level 0: 39, 1: 30, 2: 21, 3: 12 */
}

static int pgsize_level(uint64_t pgsize)
{
	switch (pgsize) {
	case 1ull << 30: return 1;
	case 1ull << 21: return 2;
	case 1ull << 12: return 3;
	}
	return -1;
}

static uint64_t *table_of(uint64_t pte)
{
	return (uint64_t *)(uintptr_t)(pte & ~(uint64_t)(PTE_VALID | PTE_LEAF));
}

static void pt_free(uint64_t *table, int level)
{
	if (!table)
		return;
	for (int i = 0; level < 3 && i < 512; i++)
		if ((table[i] & PTE_VALID) && !(table[i] & PTE_LEAF))
			pt_free(table_of(table[i]), level + 1);
	iu_free(table);
}

/* The entry for @iova at @target level, creating tables; NULL: a leaf is in the way or ENOMEM. */
static uint64_t *pt_slot(struct mock_domain *md, uint64_t iova, int target, bool create, int *err)
{
	uint64_t *table = md->root;

	for (int level = 0; level < target; level++) {
		uint64_t *pte = &table[(iova >> level_shift(level)) & 511];

		if (!(*pte & PTE_VALID)) {
			uint64_t *next;

			if (!create) {
				*err = -ENOENT;
				return NULL;
			}
			next = iu_zalloc(512 * sizeof(uint64_t));
			if (!next) {
				*err = -ENOMEM;
				return NULL;
			}
			*pte = (uint64_t)(uintptr_t)next | PTE_VALID;
			md->ntables++;
		} else if (*pte & PTE_LEAF) {
			*err = -EEXIST;
			return NULL;
		}
		table = table_of(*pte);
	}
	return &table[(iova >> level_shift(target)) & 511];
}

/* Walk for @iova: the leaf entry and its size, or 0. pt_lock held. */
static uint64_t pt_lookup(struct mock_domain *md, uint64_t iova, uint64_t *size)
{
	uint64_t *table = md->root;

	if (iova >> IOMMU_MOCK_IAS)
		return 0;
	for (int level = 0; level <= 3; level++) {
		uint64_t pte = table[(iova >> level_shift(level)) & 511];

		if (!(pte & PTE_VALID))
			return 0;
		if (pte & PTE_LEAF) {
			*size = 1ull << level_shift(level);
			return pte;
		}
		table = table_of(pte);
	}
	return 0;
}

static int mock_map_pages(struct iommu_domain *d, uint64_t iova, uint64_t paddr,
			  uint64_t pgsize, uint64_t pgcount, unsigned int prot, uint64_t *mapped)
{
	struct mock_domain *md = container_of(d, struct mock_domain, dom);
	int level = pgsize_level(pgsize), ret = 0;

	*mapped = 0;
	if (level < 0 || (iova | paddr) & (pgsize - 1) || !(prot & (IOMMU_READ | IOMMU_WRITE)))
		return -EINVAL;
	ret = injected(IOMMU_MOCK_OP_MAP);
	if (ret)
		return ret;
	iu_mutex_lock(&md->pt_lock);
	for (uint64_t i = 0; i < pgcount; i++) {
		uint64_t *pte;

		if ((iova + pgsize - 1) >> IOMMU_MOCK_IAS) {
			ret = -ERANGE;
			break;
		}
		pte = pt_slot(md, iova, level, true, &ret);
		if (!pte)
			break;
		if (*pte & PTE_VALID) {
			ret = -EEXIST;
			break;
		}
		*pte = (paddr & PTE_ADDR_MASK) | ((uint64_t)prot << PTE_PROT_SHIFT) | PTE_VALID | PTE_LEAF;
		iova += pgsize;
		paddr += pgsize;
		*mapped += pgsize;
	}
	iu_mutex_unlock(&md->pt_lock);
	return ret;
}

static uint64_t mock_unmap_pages(struct iommu_domain *d, uint64_t iova, uint64_t pgsize,
				 uint64_t pgcount, struct iommu_iotlb_gather *gather)
{
	struct mock_domain *md = container_of(d, struct mock_domain, dom);
	uint64_t done = 0;

	iu_mutex_lock(&md->pt_lock);
	for (uint64_t i = 0; i < pgcount; i++) {
		uint64_t size, pte = pt_lookup(md, iova, &size);
		uint64_t *slot;
		int err;

		/* Policy: never split a larger page; stop at holes. */
		if (!pte || size != pgsize || (iova & (size - 1)))
			break;
		slot = pt_slot(md, iova, pgsize_level(size), false, &err);
		*slot = 0;
		iommu_iotlb_gather_add(gather, iova, size);
		iova += size;
		done += size;
	}
	iu_mutex_unlock(&md->pt_lock);
	return done;
}

static int mock_iova_to_phys(struct iommu_domain *d, uint64_t iova, uint64_t *paddr)
{
	struct mock_domain *md = container_of(d, struct mock_domain, dom);
	uint64_t size, pte;

	iu_mutex_lock(&md->pt_lock);
	pte = pt_lookup(md, iova, &size);
	iu_mutex_unlock(&md->pt_lock);
	if (!pte)
		return -ENOENT;
	*paddr = (pte & PTE_ADDR_MASK & ~(size - 1)) | (iova & (size - 1));
	return 0;
}

/* ------------------------------------------------------------------ */
/* IOTLB                                                              */

static struct iotlb_entry *iotlb_slot(struct mock_iommu *mi, unsigned int asid, uint64_t pfn)
{
	return &mi->iotlb[(pfn ^ (asid * 0x9e37u)) % IOTLB_SIZE];
}

static void iotlb_inv_range(struct mock_iommu *mi, unsigned int asid, uint64_t start, uint64_t last)
{
	for (unsigned int i = 0; i < IOTLB_SIZE; i++) {
		struct iotlb_entry *e = &mi->iotlb[i];

		if (e->valid && e->asid == asid && e->iova_pfn >= start >> 12 && e->iova_pfn <= last >> 12)
			e->valid = false;
	}
}

static void mock_iotlb_sync(struct iommu_domain *d, struct iommu_iotlb_gather *g)
{
	struct mock_domain *md = container_of(d, struct mock_domain, dom);

	iu_mutex_lock(&md->mi->hw_lock);
	iotlb_inv_range(md->mi, md->asid, g->start, g->end);
	iu_mutex_unlock(&md->mi->hw_lock);
}

static void mock_flush_all(struct iommu_domain *d)
{
	struct mock_domain *md = container_of(d, struct mock_domain, dom);

	iu_mutex_lock(&md->mi->hw_lock);
	iotlb_inv_range(md->mi, md->asid, 0, UINT64_MAX);
	iu_mutex_unlock(&md->mi->hw_lock);
}

/* ------------------------------------------------------------------ */
/* Domains                                                            */

/* The context-table entry of @id; hw_lock held. NULL: none (or no memory to make one). */
static struct iommu_domain **ctx_slot(struct mock_iommu *mi, uint32_t id, bool create)
{
	struct iommu_domain ***l1 = &mi->ctx_tbl[id >> CTX_L2_BITS];

	if (!*l1) {
		if (!create)
			return NULL;
		*l1 = iu_calloc(1u << CTX_L2_BITS, sizeof(**l1));
		if (!*l1)
			return NULL;
	}
	return &(*l1)[id & ((1u << CTX_L2_BITS) - 1)];
}

static int mock_attach(struct iommu_domain *d, struct iommu_dev *dev, void *priv)
{
	struct mock_domain *md = container_of(d, struct mock_domain, dom);
	struct mock_master *mm = priv;
	int ret = injected(IOMMU_MOCK_OP_ATTACH);

	if (ret)
		return ret;
	(void)dev;
	iu_mutex_lock(&md->mi->hw_lock);
	for (unsigned int i = 0; i < mm->nids; i++) {
		struct iommu_domain **slot = ctx_slot(md->mi, mm->ids[i], true);

		if (!slot) {
			iu_mutex_unlock(&md->mi->hw_lock);
			return -ENOMEM;
		}
		*slot = d;
	}
	iu_mutex_unlock(&md->mi->hw_lock);
	return 0;
}

static void mock_domain_free(struct iommu_domain *d)
{
	struct mock_domain *md = container_of(d, struct mock_domain, dom);

	if (md->root) {
		/* No context points here any more; drop its IOTLB entries. */
		mock_flush_all(d);
		if (md->ntables)
			pt_free(md->root, 0);
		else
			iu_free(md->root);
	}
	iu_mutex_destroy(&md->pt_lock);
	iu_free(md);
}

static const struct iommu_domain_ops mock_paging_ops = {
	.attach_dev = mock_attach,
	.map_pages = mock_map_pages,
	.unmap_pages = mock_unmap_pages,
	.iova_to_phys = mock_iova_to_phys,
	.iotlb_sync = mock_iotlb_sync,
	.flush_iotlb_all = mock_flush_all,
	.free = mock_domain_free,
};

static const struct iommu_domain_ops mock_static_ops = {
	.attach_dev = mock_attach,
	.free = mock_domain_free,
};

static int mock_domain_alloc(struct iommu_device *iommu, struct iommu_dev *dev,
			     enum iommu_domain_type type, struct iommu_domain **out)
{
	struct mock_iommu *mi = iommu_device_priv(iommu);
	struct mock_domain *md;
	int ret = injected(IOMMU_MOCK_OP_DOMAIN_ALLOC);

	(void)dev;
	if (ret)
		return ret;
	if (type < IOMMU_DOMAIN_BLOCKED || type > IOMMU_DOMAIN_DMA_FQ)
		return -EOPNOTSUPP;
	md = iu_zalloc(sizeof(*md));
	if (!md)
		return -ENOMEM;
	md->kind = type;
	md->mi = mi;
	iu_mutex_init(&md->pt_lock, &mock_pt_class);
	if (type == IOMMU_DOMAIN_BLOCKED || type == IOMMU_DOMAIN_IDENTITY) {
		md->dom.ops = &mock_static_ops;
		*out = &md->dom;
		return 0;
	}
	md->root = iu_zalloc(512 * sizeof(uint64_t));
	if (!md->root) {
		iu_mutex_destroy(&md->pt_lock);
		iu_free(md);
		return -ENOMEM;
	}
	iu_mutex_lock(&mi->hw_lock);
	md->asid = ++mi->next_asid;
	iu_mutex_unlock(&mi->hw_lock);
	md->dom.ops = &mock_paging_ops;
	md->dom.pgsize_bitmap = (1ull << 12) | (1ull << 21) | (1ull << 30);
	md->dom.aperture_start = 0;
	md->dom.aperture_end = (1ull << IOMMU_MOCK_IAS) - 1;
	*out = &md->dom;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The hardware path                                                  */

static int mock_translate(struct iommu_device *iommu, uint32_t id, uint64_t iova,
			  unsigned int access, uint64_t *pa, enum iommu_fault_reason *reason)
{
	struct mock_iommu *mi = iommu_device_priv(iommu);
	struct iommu_domain *d, **slot;
	struct mock_domain *md;
	struct iotlb_entry *e;
	uint64_t pfn = iova >> 12, size, pte;
	unsigned int prot;
	int ret = 0;

	if (id >= MOCK_MAX_IDS) {
		*reason = IOMMU_FAULT_NO_CONTEXT;
		return -EFAULT;
	}
	iu_mutex_lock(&mi->hw_lock);
	slot = ctx_slot(mi, id, false);
	d = slot ? *slot : NULL;
	if (!d) {
		*reason = IOMMU_FAULT_NO_CONTEXT;
		ret = -EFAULT;
		goto out;
	}
	md = container_of(d, struct mock_domain, dom);
	if (md->kind == IOMMU_DOMAIN_BLOCKED) {
		*reason = IOMMU_FAULT_BLOCKED;
		ret = -EFAULT;
		goto out;
	}
	if (md->kind == IOMMU_DOMAIN_IDENTITY) {
		*pa = iova;
		goto out;
	}
	if (iova >> IOMMU_MOCK_IAS) {
		*reason = IOMMU_FAULT_ADDRESS_SIZE;
		ret = -EFAULT;
		goto out;
	}
	e = iotlb_slot(mi, md->asid, pfn);
	if (e->valid && e->asid == md->asid && e->iova_pfn == pfn) {
		mi->iotlb_hits++;
		prot = e->prot;
		*pa = (e->pa_pfn << 12) | (iova & 0xfff);
	} else {
		mi->iotlb_misses++;
		iu_mutex_lock(&md->pt_lock);
		pte = pt_lookup(md, iova, &size);
		iu_mutex_unlock(&md->pt_lock);
		if (!pte) {
			*reason = IOMMU_FAULT_TRANSLATION;
			ret = -EFAULT;
			goto out;
		}
		prot = (unsigned int)(pte >> PTE_PROT_SHIFT) & IOMMU_PROT_MASK;
		*pa = (pte & PTE_ADDR_MASK & ~(size - 1)) | (iova & (size - 1));
		*e = (struct iotlb_entry){ true, md->asid, pfn, *pa >> 12, prot };
	}
	if (((access & IOMMU_READ) && !(prot & IOMMU_READ)) ||
	    ((access & IOMMU_WRITE) && !(prot & IOMMU_WRITE))) {
		*reason = IOMMU_FAULT_PERMISSION;
		ret = -EFAULT;
	}
out:
	iu_mutex_unlock(&mi->hw_lock);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Devices                                                            */

static int mock_probe_device(struct iommu_device *iommu, struct iommu_dev *dev,
			     const uint32_t *ids, unsigned int nids, void **priv)
{
	struct mock_master *mm;
	int ret = injected(IOMMU_MOCK_OP_PROBE_DEVICE);

	(void)iommu;
	(void)dev;
	if (ret)
		return ret;
	if (!nids)
		return -EINVAL;
	for (unsigned int i = 0; i < nids; i++)
		if (ids[i] >= MOCK_MAX_IDS)
			return -ERANGE;	/* the context table has no such entry */
	mm = iu_zalloc(sizeof(*mm));
	if (!mm)
		return -ENOMEM;
	memcpy(mm->ids, ids, nids * sizeof(*ids));
	mm->nids = nids;
	*priv = mm;
	return 0;
}

static void mock_release_device(struct iommu_device *iommu, struct iommu_dev *dev, void *priv)
{
	struct mock_iommu *mi = iommu_device_priv(iommu);
	struct mock_master *mm = priv;

	(void)dev;
	/* The device leaves: its contexts stop translating (DMA then faults). */
	iu_mutex_lock(&mi->hw_lock);
	for (unsigned int i = 0; i < mm->nids; i++) {
		struct iommu_domain **slot = ctx_slot(mi, mm->ids[i], false);

		if (slot)
			*slot = NULL;
	}
	iu_mutex_unlock(&mi->hw_lock);
	iu_free(mm);
}

static enum iommu_domain_type mock_def_domain_type(struct iommu_dev *dev)
{
	const struct iommu_pci_info *p = iommu_dev_pci(dev);

	/* Like intel-iommu's identity map for integrated graphics. */
	if (p && (p->class_code >> 16) == 0x03)
		return IOMMU_DOMAIN_IDENTITY;
	return 0;
}

static int mock_resv_regions(struct iommu_device *iommu, struct iommu_dev *dev,
			     struct iommu_resv_region *out, unsigned int max)
{
	(void)iommu;
	(void)dev;
	if (max >= 1)
		out[0] = (struct iommu_resv_region){ IOMMU_MOCK_MSI_BASE, IOMMU_MOCK_MSI_SIZE,
						     IOMMU_READ | IOMMU_WRITE | IOMMU_MMIO,
						     IOMMU_RESV_SW_MSI };
	return 1;
}

static const struct iommu_ops mock_ops[IOMMU_MOCK_NR_VARIANTS] = {
#define MOCK_OPS(nm, policy) { \
	.name = nm, .group_policy = policy, \
	.probe_device = mock_probe_device, .release_device = mock_release_device, \
	.def_domain_type = mock_def_domain_type, .get_resv_regions = mock_resv_regions, \
	.domain_alloc = mock_domain_alloc, .dma_translate = mock_translate, }
	[IOMMU_MOCK_PCI] = MOCK_OPS("mock-pci-iommu", IOMMU_GROUP_PCI),
	[IOMMU_MOCK_STREAM] = MOCK_OPS("mock-stream-iommu", IOMMU_GROUP_PER_DEVICE | IOMMU_GROUP_SHARE_IDS),
	[IOMMU_MOCK_SINGLE] = MOCK_OPS("mock-single-iommu", IOMMU_GROUP_PER_INSTANCE),
#undef MOCK_OPS
};

/* ------------------------------------------------------------------ */
/* The platform driver                                                */

static int mock_probe(struct iommu_dev *dev, enum iommu_mock_variant v)
{
	struct mock_iommu *mi;
	int ret = injected(IOMMU_MOCK_OP_PROBE);

	if (ret)
		return ret;
	mi = iu_zalloc(sizeof(*mi));
	if (!mi)
		return -ENOMEM;
	mi->variant = v;
	iu_mutex_init(&mi->hw_lock, &mock_hw_class);
	iommu_dev_set_drvdata(dev, mi);
	ret = iommu_device_register(dev, &mock_ops[v], mi, &mi->iommu);
	if (ret)
		goto err_destroy;
	return 0;

err_destroy:
	iommu_dev_set_drvdata(dev, NULL);
	iu_mutex_destroy(&mi->hw_lock);
	iu_free(mi);
	return ret;
}

static void mock_remove(struct iommu_dev *dev)
{
	struct mock_iommu *mi = iommu_dev_drvdata(dev);

	iommu_device_unregister(mi->iommu);
	iommu_dev_set_drvdata(dev, NULL);
	iu_mutex_destroy(&mi->hw_lock);
	for (size_t i = 0; i < ARRAY_SIZE(mi->ctx_tbl); i++)
		iu_free(mi->ctx_tbl[i]);
	iu_free(mi);
}

static int mock_probe_pci(struct iommu_dev *dev) { return mock_probe(dev, IOMMU_MOCK_PCI); }
static int mock_probe_stream(struct iommu_dev *dev) { return mock_probe(dev, IOMMU_MOCK_STREAM); }
static int mock_probe_single(struct iommu_dev *dev) { return mock_probe(dev, IOMMU_MOCK_SINGLE); }

static const char *const compat_pci[] = { "libiommu,mock-pci-iommu", NULL };
static const char *const compat_stream[] = { "libiommu,mock-stream-iommu", NULL };
static const char *const compat_single[] = { "libiommu,mock-single-iommu", NULL };

static struct iommu_driver mock_drivers[IOMMU_MOCK_NR_VARIANTS] = {
	[IOMMU_MOCK_PCI] = { .name = "mock-pci-iommu", .bus = &iommu_platform_bus,
			     .compatible = compat_pci, .probe = mock_probe_pci, .remove = mock_remove },
	[IOMMU_MOCK_STREAM] = { .name = "mock-stream-iommu", .bus = &iommu_platform_bus,
				.compatible = compat_stream, .probe = mock_probe_stream, .remove = mock_remove },
	[IOMMU_MOCK_SINGLE] = { .name = "mock-single-iommu", .bus = &iommu_platform_bus,
				.compatible = compat_single, .probe = mock_probe_single, .remove = mock_remove },
};

IOMMU_EXPORT struct iommu_driver *iommu_mock_driver(enum iommu_mock_variant v)
{
	return (unsigned int)v < IOMMU_MOCK_NR_VARIANTS ? &mock_drivers[v] : NULL;
}

IOMMU_EXPORT const char *iommu_mock_compatible(enum iommu_mock_variant v)
{
	return (unsigned int)v < IOMMU_MOCK_NR_VARIANTS ? mock_drivers[v].compatible[0] : NULL;
}
