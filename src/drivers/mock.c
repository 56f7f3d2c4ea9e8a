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
 * Page tables: real formats from src/pgtable, living in the machine's RAM
 * (Arm stage 1 for the PCI variant, Arm stage 2 for the stream variant,
 * x86-64 for the single-group variant), and walked on an IOTLB miss by the
 * independent hardware walker, exactly as the context entry describes them.
 */
#include <string.h>
#include "core/core.h"
#include "iommu/mock.h"
#include "iommu/pgtable.h"

#define MOCK_ID_BITS	24		/* stream IDs up to 2^24, like many SMMUs */
#define MOCK_MAX_IDS	(1u << MOCK_ID_BITS)
#define CTX_L2_BITS	12		/* context table: 2 levels of 4096 */
#define IOTLB_SIZE	256
#define MOCK_PRIVATE_RAM (1ull << 32)	/* table store when the machine has no RAM */

/*
 * Ranks below the leaf locks, in the order the hardware path takes them:
 * context table, then a domain's page table (walk), then the IOTLB.
 */
static const struct iu_lock_class mock_hw_class = { "mock-hw", IU_RANK_LEAF - 10, false };
static const struct iu_lock_class mock_pt_class = { "mock-pgtable", IU_RANK_LEAF - 6, false };
static const struct iu_lock_class mock_tlb_class = { "mock-iotlb", IU_RANK_LEAF - 4, false };

/* The page-table format each variant's hardware walks. */
static const struct iommu_pgtable_cfg variant_pgtable[IOMMU_MOCK_NR_VARIANTS] = {
	[IOMMU_MOCK_PCI] = { .fmt = IOMMU_PGTABLE_ARM_S1, .granule = 4096, .ias = 48, .oas = 48 },
	[IOMMU_MOCK_STREAM] = { .fmt = IOMMU_PGTABLE_ARM_S2, .granule = 4096, .ias = 48, .oas = 48 },
	[IOMMU_MOCK_SINGLE] = { .fmt = IOMMU_PGTABLE_X86_64, .granule = 4096, .ias = 47, .oas = 48 },
};

struct mock_domain {
	struct iommu_domain dom;
	struct iu_mutex pt_lock;	/* serialises page-table updates and walks */
	struct iommu_pgtable *pt;	/* paging domains */
	struct iommu_pgtable_hw hw;	/* what the context entry holds */
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
	struct iommu_mem *mem;		/* where its page tables live */
	bool own_mem;			/* the machine has no RAM model: a private one */
	struct iu_mutex hw_lock;	/* the context table */
	/* Context table: ID -> domain, two levels, leaves allocated on first use. */
	struct iommu_domain **ctx_tbl[1u << (MOCK_ID_BITS - CTX_L2_BITS)];
	struct iu_mutex tlb_lock;	/* the IOTLB */
	struct iotlb_entry iotlb[IOTLB_SIZE];
	unsigned int next_asid;		/* hw_lock */
	uint64_t iotlb_hits, iotlb_misses;	/* tlb_lock */
	/* Described instances: their own name and policy, and the caller's hooks. */
	struct iommu_ops ops;
	struct iommu_mock_desc desc;
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
/* Page table: a real format from src/pgtable                         */

static int mock_map_pages(struct iommu_domain *d, uint64_t iova, uint64_t paddr,
			  uint64_t pgsize, uint64_t pgcount, unsigned int prot, uint64_t *mapped)
{
	struct mock_domain *md = container_of(d, struct mock_domain, dom);
	int ret;

	*mapped = 0;
	if (!(prot & (IOMMU_READ | IOMMU_WRITE)))
		return -EINVAL;
	ret = injected(IOMMU_MOCK_OP_MAP);
	if (ret)
		return ret;
	iu_mutex_lock(&md->pt_lock);
	ret = iommu_pgtable_map_pages(md->pt, iova, paddr, pgsize, pgcount, prot, mapped);
	iu_mutex_unlock(&md->pt_lock);
	return ret;
}

static uint64_t mock_unmap_pages(struct iommu_domain *d, uint64_t iova, uint64_t pgsize,
				 uint64_t pgcount, struct iommu_iotlb_gather *gather)
{
	struct mock_domain *md = container_of(d, struct mock_domain, dom);
	uint64_t done;

	/* Policy (the library's): a larger page is never split; stop at it. */
	iu_mutex_lock(&md->pt_lock);
	done = iommu_pgtable_unmap_pages(md->pt, iova, pgsize, pgcount, gather);
	iu_mutex_unlock(&md->pt_lock);
	return done;
}

static int mock_iova_to_phys(struct iommu_domain *d, uint64_t iova, uint64_t *paddr)
{
	struct mock_domain *md = container_of(d, struct mock_domain, dom);
	int ret;

	iu_mutex_lock(&md->pt_lock);
	ret = iommu_pgtable_iova_to_phys(md->pt, iova, paddr);
	iu_mutex_unlock(&md->pt_lock);
	return ret;
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

	iu_mutex_lock(&md->mi->tlb_lock);
	iotlb_inv_range(md->mi, md->asid, g->start, g->end);
	iu_mutex_unlock(&md->mi->tlb_lock);
}

static void mock_flush_all(struct iommu_domain *d)
{
	struct mock_domain *md = container_of(d, struct mock_domain, dom);

	iu_mutex_lock(&md->mi->tlb_lock);
	iotlb_inv_range(md->mi, md->asid, 0, UINT64_MAX);
	iu_mutex_unlock(&md->mi->tlb_lock);
}

/* The page table's invalidation requests (io-pgtable's iommu_flush_ops). */
static void tlb_flush_all(void *cookie)
{
	mock_flush_all(&((struct mock_domain *)cookie)->dom);
}

static void tlb_flush_walk(uint64_t iova, uint64_t size, uint64_t granule, void *cookie)
{
	struct mock_domain *md = cookie;

	(void)granule;
	iu_mutex_lock(&md->mi->tlb_lock);
	iotlb_inv_range(md->mi, md->asid, iova, iova + size - 1);
	iu_mutex_unlock(&md->mi->tlb_lock);
}

/* The core's gather is the page table's standard one: merge whole runs. */
_Static_assert(sizeof(struct iommu_iotlb_gather) == sizeof(struct iommu_pgtable_gather) &&
	       offsetof(struct iommu_iotlb_gather, start) == offsetof(struct iommu_pgtable_gather, start) &&
	       offsetof(struct iommu_iotlb_gather, end) == offsetof(struct iommu_pgtable_gather, end) &&
	       offsetof(struct iommu_iotlb_gather, pgsize) == offsetof(struct iommu_pgtable_gather, pgsize),
	       "gather layouts differ");

static const struct iommu_pgtable_tlb_ops mock_tlb_ops = {
	.flush_all = tlb_flush_all,
	.flush_walk = tlb_flush_walk,
	.add_page = iommu_pgtable_gather_add_page,
};

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

	if (md->pt) {
		/* No context points here any more; drop its IOTLB entries. */
		mock_flush_all(d);
		iommu_pgtable_free(md->pt);
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
	ret = iommu_pgtable_alloc(mi->mem, &variant_pgtable[mi->variant], &mock_tlb_ops, md, &md->pt);
	if (ret) {
		iu_mutex_destroy(&md->pt_lock);
		iu_free(md);
		return ret;
	}
	iommu_pgtable_hw_get(md->pt, &md->hw);
	struct iommu_pgtable_info info;
	iommu_pgtable_info(md->pt, &info);
	iu_mutex_lock(&mi->hw_lock);
	md->asid = ++mi->next_asid;
	iu_mutex_unlock(&mi->hw_lock);
	md->dom.ops = &mock_paging_ops;
	md->dom.pgsize_bitmap = info.pgsize_bitmap;
	md->dom.aperture_start = 0;
	md->dom.aperture_end = (1ull << info.ias) - 1;
	*out = &md->dom;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The hardware path                                                  */

static enum iommu_fault_reason walk_reason(enum iommu_pgtable_fault f)
{
	switch (f) {
	case IOMMU_PGTABLE_FAULT_PERMISSION: return IOMMU_FAULT_PERMISSION;
	case IOMMU_PGTABLE_FAULT_ADDR_SIZE: return IOMMU_FAULT_ADDRESS_SIZE;
	default: return IOMMU_FAULT_TRANSLATION;
	}
}

/*
 * The hardware: context table -> IOTLB -> page-table walk by the
 * independent walker over RAM. It never asks the driver's software view.
 */
static int mock_translate(struct iommu_device *iommu, uint32_t id, uint64_t iova,
			  unsigned int access, uint64_t *pa, enum iommu_fault_reason *reason)
{
	struct mock_iommu *mi = iommu_device_priv(iommu);
	struct iommu_pgtable_walk_result res;
	struct iommu_domain *d, **slot;
	struct mock_domain *md;
	struct iotlb_entry *e;
	uint64_t pfn = iova >> 12;
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

	iu_mutex_lock(&mi->tlb_lock);
	e = iotlb_slot(mi, md->asid, pfn);
	if (e->valid && e->asid == md->asid && e->iova_pfn == pfn) {
		mi->iotlb_hits++;
		prot = e->prot;
		*pa = (e->pa_pfn << 12) | (iova & 0xfff);
		iu_mutex_unlock(&mi->tlb_lock);
	} else {
		mi->iotlb_misses++;
		iu_mutex_unlock(&mi->tlb_lock);
		iu_mutex_lock(&md->pt_lock);
		ret = iommu_pgtable_walk(mi->mem, &md->hw, iova,
					 access & IOMMU_WRITE ? IOMMU_PGTABLE_ACC_WRITE : IOMMU_PGTABLE_ACC_READ,
					 &res);
		iu_mutex_unlock(&md->pt_lock);
		if (ret && res.fault != IOMMU_PGTABLE_FAULT_PERMISSION) {
			*reason = walk_reason(res.fault);
			ret = -EFAULT;
			goto out;
		}
		/* A permission fault still names the leaf: cache what it allows. */
		ret = 0;
		prot = res.prot;
		*pa = res.pa;
		iu_mutex_lock(&mi->tlb_lock);
		if (res.fault == IOMMU_PGTABLE_FAULT_NONE)
			*e = (struct iotlb_entry){ true, md->asid, pfn, res.pa >> 12, prot };
		iu_mutex_unlock(&mi->tlb_lock);
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
	struct mock_iommu *mi = iommu_device_priv(iommu);
	struct mock_master *mm;
	int ret = injected(IOMMU_MOCK_OP_PROBE_DEVICE);

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
	/* A described instance's driver may refuse the device, as the real one would. */
	if (mi->desc.probe_device) {
		ret = mi->desc.probe_device(mi->desc.arg, dev, ids, nids);
		if (ret) {
			iu_free(mm);
			return ret;
		}
	}
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
	if (mi->desc.release_device)
		mi->desc.release_device(mi->desc.arg, dev);
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

/* @desc: NULL for the selftest variants, else a described instance's name, policy, hooks. */
static int mock_probe(struct iommu_dev *dev, enum iommu_mock_variant v,
		      const struct iommu_mock_desc *desc)
{
	struct mock_iommu *mi;
	int ret = injected(IOMMU_MOCK_OP_PROBE);

	if (ret)
		return ret;
	mi = iu_zalloc(sizeof(*mi));
	if (!mi)
		return -ENOMEM;
	mi->variant = v;
	mi->ops = mock_ops[v];
	if (desc) {
		mi->desc = *desc;
		mi->ops.name = desc->name;
		mi->ops.group_policy = desc->group_policy;
	}
	/* Tables live in the machine's RAM; a machine without one gets a private store. */
	mi->mem = iommu_ctx_mem(iommu_dev_ctx(dev));
	if (!mi->mem) {
		ret = iommu_mem_new(0, MOCK_PRIVATE_RAM, &mi->mem);
		if (ret)
			goto err_free;
		mi->own_mem = true;
	}
	iu_mutex_init(&mi->hw_lock, &mock_hw_class);
	iu_mutex_init(&mi->tlb_lock, &mock_tlb_class);
	iommu_dev_set_drvdata(dev, mi);
	ret = iommu_device_register(dev, &mi->ops, mi, &mi->iommu);
	if (ret)
		goto err_destroy;
	return 0;

err_destroy:
	iommu_dev_set_drvdata(dev, NULL);
	iu_mutex_destroy(&mi->tlb_lock);
	iu_mutex_destroy(&mi->hw_lock);
	if (mi->own_mem)
		iommu_mem_free(mi->mem);
err_free:
	iu_free(mi);
	return ret;
}

static void mock_remove(struct iommu_dev *dev)
{
	struct mock_iommu *mi = iommu_dev_drvdata(dev);

	iommu_device_unregister(mi->iommu);
	iommu_dev_set_drvdata(dev, NULL);
	iu_mutex_destroy(&mi->tlb_lock);
	iu_mutex_destroy(&mi->hw_lock);
	if (mi->own_mem)
		iommu_mem_free(mi->mem);
	for (size_t i = 0; i < ARRAY_SIZE(mi->ctx_tbl); i++)
		iu_free(mi->ctx_tbl[i]);
	iu_free(mi);
}

static int mock_probe_pci(struct iommu_dev *dev) { return mock_probe(dev, IOMMU_MOCK_PCI, NULL); }
static int mock_probe_stream(struct iommu_dev *dev) { return mock_probe(dev, IOMMU_MOCK_STREAM, NULL); }
static int mock_probe_single(struct iommu_dev *dev) { return mock_probe(dev, IOMMU_MOCK_SINGLE, NULL); }

IOMMU_EXPORT int iommu_mock_probe_described(struct iommu_dev *dev, const struct iommu_mock_desc *desc)
{
	unsigned int pol;
	enum iommu_mock_variant v;

	if (!dev || !desc || !desc->name || (desc->group_policy & ~(0xffu | IOMMU_GROUP_SHARE_IDS)))
		return -EINVAL;
	pol = desc->group_policy & 0xffu;
	if (pol == IOMMU_GROUP_PCI)
		v = IOMMU_MOCK_PCI;
	else if (pol == IOMMU_GROUP_PER_DEVICE)
		v = IOMMU_MOCK_STREAM;
	else if (pol == IOMMU_GROUP_PER_INSTANCE)
		v = IOMMU_MOCK_SINGLE;
	else
		return -EINVAL;
	return mock_probe(dev, v, desc);
}

IOMMU_EXPORT void iommu_mock_remove_described(struct iommu_dev *dev)
{
	if (dev && iommu_dev_drvdata(dev))
		mock_remove(dev);
}

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
