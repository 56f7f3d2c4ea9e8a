// SPDX-License-Identifier: MIT
/*
 * Unit tests of the IOMMU core: domains, attach, ownership, mapping,
 * reserved regions, default-domain policy, the DMA API's strict and lazy
 * invalidation, bad arguments, and allocation failure at every step.
 */
#include <stdlib.h>
#include <string.h>
#include "../../scenario/helpers.h"
#include "iommu/driver.h"
#include "util/util.h"

struct fixture {
	struct th t;
	struct iommu_dev *host, *rp, *ep, *ep2, *gpu;
};

static const struct th_pci RP_ACS = { 0, 1, 0, IOMMU_PCIE_ROOT_PORT, false, true, 1 };

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	th_init(&f->t, 0);
	th_iommu(&f->t, "smmu", IOMMU_MOCK_PCI);
	f->host = th_host(&f->t, "pcie", "smmu");
	f->rp = th_pci_new(&f->t, f->host, &RP_ACS, true);
	f->ep = th_pci_new(&f->t, f->rp, &(struct th_pci){ 1, 0, 0, IOMMU_PCIE_ENDPOINT }, true);
	f->ep2 = th_pci_new(&f->t, f->host, &(struct th_pci){ 0, 5, 0, IOMMU_PCIE_RC_END }, true);
	f->gpu = th_pci_new(&f->t, f->host, &(struct th_pci){ 0, 2, 0, IOMMU_PCIE_RC_END,
			    .class_code = 0x030000 }, true);
	assert_int_equal(iommu_driver_register(f->t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	iommu_driver_unregister(f->t.ctx, &th_ep_pci_driver);
	iommu_driver_unregister(f->t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI));
	th_fini(&f->t);
	free(f);
	return 0;
}

static void test_default_domains_by_policy(void **state)
{
	struct fixture *f = *state;
	struct iommu_group *g = iommu_group_get(f->ep), *gg = iommu_group_get(f->gpu);

	/* Global default: DMA (strict). Driver preference: display gets identity. */
	assert_int_equal(iommu_domain_type(iommu_group_default_domain(g)), IOMMU_DOMAIN_DMA);
	assert_int_equal(iommu_domain_type(iommu_group_default_domain(gg)), IOMMU_DOMAIN_IDENTITY);
	/* Per-group override. */
	assert_int_equal(iommu_group_set_default_domain_type(g, IOMMU_DOMAIN_DMA_FQ), 0);
	assert_int_equal(iommu_domain_type(iommu_group_domain(g)), IOMMU_DOMAIN_DMA_FQ);
	assert_int_equal(iommu_group_set_default_domain_type(g, IOMMU_DOMAIN_BLOCKED), -EINVAL);
	/* Not while a kernel-DMA driver is bound. */
	assert_int_equal(iommu_driver_register(f->t.ctx, &th_ep_pci_driver), 0);
	assert_int_equal(iommu_group_set_default_domain_type(g, IOMMU_DOMAIN_DMA), -EBUSY);
	assert_int_equal(iommu_domain_type(iommu_group_domain(g)), IOMMU_DOMAIN_DMA_FQ);
	/* The global default applies to groups made later. */
	assert_int_equal(iommu_ctx_set_default_domain_type(f->t.ctx, IOMMU_DOMAIN_IDENTITY), 0);
	struct iommu_dev *late = th_pci_new(&f->t, f->host, &(struct th_pci){ 0, 6, 0, IOMMU_PCIE_RC_END }, true);
	struct iommu_group *gl = iommu_group_get(late);
	assert_int_equal(iommu_domain_type(iommu_group_domain(gl)), IOMMU_DOMAIN_IDENTITY);
	assert_int_equal(iommu_ctx_set_default_domain_type(f->t.ctx, IOMMU_DOMAIN_UNMANAGED), -EINVAL);
	iommu_group_put(gl);
	iommu_group_put(g);
	iommu_group_put(gg);
}

static void test_ownership_and_attach(void **state)
{
	struct fixture *f = *state;
	struct iommu_group *g = iommu_group_get(f->ep);
	struct iommu_domain *dom, *dom2;
	int owner, other;
	uint8_t buf[8] = "owned", back[8];
	uint64_t pa;

	assert_int_equal(iommu_driver_register(f->t.ctx, &th_ep_pci_driver), 0);
	/* A kernel driver uses the default domain: no exclusive owner now. */
	assert_int_equal(iommu_group_claim_dma_owner(g, &owner), -EBUSY);
	assert_false(iommu_group_dma_owner_claimed(g));
	assert_int_equal(iommu_dev_unbind(f->ep), 0);

	assert_int_equal(iommu_group_claim_dma_owner(g, &owner), 0);
	assert_int_equal(iommu_group_claim_dma_owner(g, &other), -EBUSY);
	assert_int_equal(iommu_group_claim_dma_owner(g, &owner), 0);	/* nests */
	assert_int_equal(iommu_domain_type(iommu_group_domain(g)), IOMMU_DOMAIN_BLOCKED);
	/* Blocked: every DMA faults. */
	assert_int_equal(iommu_dma_write(f->ep, 0x1000, buf, 8), -EFAULT);
	/* The DMA API is not for owned groups. */
	assert_int_equal(iommu_dma_map(f->ep, 0x80000000, 4096, IOMMU_DMA_TO_DEVICE, &pa), -EPERM);
	/* And no kernel driver may bind meanwhile. */
	assert_int_equal(iommu_dev_reprobe(f->ep), -EBUSY);

	assert_int_equal(iommu_paging_domain_alloc(g, &dom), 0);
	assert_int_equal(iommu_domain_type(dom), IOMMU_DOMAIN_UNMANAGED);
	assert_int_equal(iommu_mem_alloc(f->t.mem, 4096, &pa), 0);
	assert_int_equal(iommu_map(dom, 0x100000, pa, 4096, IOMMU_READ | IOMMU_WRITE), 0);
	assert_int_equal(iommu_attach_group(dom, g), 0);
	assert_int_equal(iommu_dma_write(f->ep, 0x100010, buf, 8), 0);
	assert_int_equal(iommu_mem_read(f->t.mem, pa + 0x10, back, 8), 0);
	assert_memory_equal(buf, back, 8);
	assert_int_equal(iommu_domain_free(dom), -EBUSY);	/* attached */

	/* Replace straight to another domain; this one maps nothing. */
	assert_int_equal(iommu_paging_domain_alloc(g, &dom2), 0);
	assert_int_equal(iommu_attach_group(dom2, g), -EBUSY);	/* attach needs default/blocked */
	assert_int_equal(iommu_group_replace_domain(g, dom2), 0);
	assert_int_equal(iommu_dma_write(f->ep, 0x100010, buf, 8), -EFAULT);
	assert_int_equal(iommu_detach_group(dom, g), -EINVAL);	/* not attached */
	assert_int_equal(iommu_detach_group(dom2, g), 0);
	assert_int_equal(iommu_domain_type(iommu_group_domain(g)), IOMMU_DOMAIN_BLOCKED);

	assert_int_equal(iommu_group_release_dma_owner(g, &other), -EINVAL);
	assert_int_equal(iommu_group_release_dma_owner(g, &owner), 0);
	assert_true(iommu_group_dma_owner_claimed(g));
	assert_int_equal(iommu_group_release_dma_owner(g, &owner), 0);
	assert_false(iommu_group_dma_owner_claimed(g));
	assert_int_equal(iommu_domain_type(iommu_group_domain(g)), IOMMU_DOMAIN_DMA);
	assert_int_equal(iommu_group_replace_domain(g, dom2), -EPERM);	/* not owned */

	assert_int_equal(iommu_unmap(dom, 0x100000, 4096), 4096);
	assert_int_equal(iommu_domain_free(dom), 0);
	assert_int_equal(iommu_domain_free(dom2), 0);
	iommu_mem_release(f->t.mem, pa, 4096);
	assert_int_equal(iommu_dev_reprobe(f->ep), 0);
	iommu_group_put(g);
}

static void test_map_unmap_rules(void **state)
{
	struct fixture *f = *state;
	struct iommu_group *g = iommu_group_get(f->ep2);
	struct iommu_domain *dom;
	uint64_t pa;

	assert_int_equal(iommu_paging_domain_alloc(g, &dom), 0);
	assert_int_equal(iommu_domain_pgsize_bitmap(dom), (1ull << 12) | (1ull << 21) | (1ull << 30));
	/* Alignment, size, prot, wrap, aperture. */
	assert_int_equal(iommu_map(dom, 0x1001, 0x80000000, 4096, IOMMU_READ), -EINVAL);
	assert_int_equal(iommu_map(dom, 0x1000, 0x80000800, 4096, IOMMU_READ), -EINVAL);
	assert_int_equal(iommu_map(dom, 0x1000, 0x80000000, 0, IOMMU_READ), -EINVAL);
	assert_int_equal(iommu_map(dom, 0x1000, 0x80000000, 4096, 0x1000), -EINVAL);
	assert_int_equal(iommu_map(dom, ~0xfffull, 0x80000000, 8192, IOMMU_READ), -EINVAL);
	assert_int_equal(iommu_map(dom, 1ull << 48, 0x80000000, 4096, IOMMU_READ), -ERANGE);
	assert_int_equal(iommu_iova_to_phys(dom, 0x1000, &pa), -ENOENT);

	/* 2M + 4K at a 2M-aligned pair: a 2M page then a 4K page. */
	assert_int_equal(iommu_map(dom, 0x40200000, 0x80200000, 0x201000, IOMMU_READ | IOMMU_WRITE), 0);
	assert_int_equal(iommu_iova_to_phys(dom, 0x40312345, &pa), 0);
	assert_int_equal(pa, 0x80312345);
	assert_int_equal(iommu_iova_to_phys(dom, 0x40400fff, &pa), 0);
	assert_int_equal(pa, 0x80400fff);
	/* Overlap is refused and leaves nothing behind. */
	assert_int_equal(iommu_map(dom, 0x40400000, 0x90000000, 0x2000, IOMMU_READ), -EEXIST);
	assert_int_equal(iommu_iova_to_phys(dom, 0x40401000, &pa), -ENOENT);
	/* Policy: a 2M page is not split by a 4K unmap. */
	assert_int_equal(iommu_unmap(dom, 0x40200000, 0x1000), 0);
	assert_int_equal(iommu_unmap(dom, 0x40200000, 0x201000), 0x201000);
	assert_int_equal(iommu_iova_to_phys(dom, 0x40200000, &pa), -ENOENT);

	/* Reserved regions: the MSI window of an attached group cannot be mapped. */
	int owner;
	assert_int_equal(iommu_group_claim_dma_owner(g, &owner), 0);
	assert_int_equal(iommu_attach_group(dom, g), 0);
	assert_int_equal(iommu_map(dom, IOMMU_MOCK_MSI_BASE, 0x80000000, 4096, IOMMU_READ), -EADDRINUSE);
	assert_int_equal(iommu_map(dom, IOMMU_MOCK_MSI_BASE - 4096, 0x80000000, 8192, IOMMU_READ), -EADDRINUSE);
	assert_int_equal(iommu_map(dom, IOMMU_MOCK_MSI_BASE - 4096, 0x80000000, 4096, IOMMU_READ), 0);
	assert_int_equal(iommu_detach_group(dom, g), 0);
	/* And a domain that maps the window cannot be attached to the group. */
	struct iommu_domain *bad;
	assert_int_equal(iommu_paging_domain_alloc(g, &bad), 0);
	assert_int_equal(iommu_map(bad, IOMMU_MOCK_MSI_BASE, 0x80000000, 4096, IOMMU_READ), 0);
	assert_int_equal(iommu_attach_group(bad, g), -EADDRINUSE);
	assert_int_equal(iommu_domain_type(iommu_group_domain(g)), IOMMU_DOMAIN_BLOCKED);
	struct iommu_resv_region r[4];
	assert_int_equal(iommu_dev_resv_regions(f->ep2, r, 4), 1);
	assert_int_equal(r[0].start, IOMMU_MOCK_MSI_BASE);
	assert_int_equal(iommu_group_release_dma_owner(g, &owner), 0);
	assert_int_equal(iommu_domain_free(bad), 0);
	assert_int_equal(iommu_domain_free(dom), 0);
	iommu_group_put(g);
}

/* Strict domains forget a mapping at unmap; lazy ones after the flush. */
static void test_strict_and_lazy_invalidation(void **state)
{
	struct fixture *f = *state;
	struct iommu_group *g = iommu_group_get(f->ep2);
	uint8_t buf[64];
	uint64_t pa, iova;

	for (int lazy = 0; lazy < 2; lazy++) {
		uint64_t keep_pa, keep_iova;

		if (lazy)
			assert_int_equal(iommu_group_set_default_domain_type(g, IOMMU_DOMAIN_DMA_FQ), 0);
		/*
		 * A neighbour keeps the last-level table alive: freeing a table
		 * invalidates its walk at once, in either mode.
		 */
		assert_int_equal(iommu_mem_alloc(f->t.mem, 4096, &keep_pa), 0);
		assert_int_equal(iommu_dma_map(f->ep2, keep_pa, 4096, IOMMU_DMA_TO_DEVICE, &keep_iova), 0);
		assert_int_equal(iommu_mem_alloc(f->t.mem, 4096, &pa), 0);
		assert_int_equal(iommu_dma_map(f->ep2, pa + 0x80, 64, IOMMU_DMA_TO_DEVICE, &iova), 0);
		assert_int_equal(iova & 0xfff, 0x80);
		assert_int_equal(iommu_dma_read(f->ep2, iova, buf, 64), 0);	/* fills the IOTLB */
		assert_int_equal(iommu_dma_write(f->ep2, iova, buf, 64), -EFAULT);	/* read-only */
		assert_int_equal(iommu_dma_unmap(f->ep2, iova + 1, 64), -EINVAL);	/* not a mapping */
		assert_int_equal(iommu_dma_unmap(f->ep2, iova, 64), 0);
		assert_int_equal(iommu_dma_unmap(f->ep2, iova, 64), -EINVAL);	/* twice */
		if (lazy) {
			/* The IOTLB still holds it until the flush queue runs. */
			assert_int_equal(iommu_dma_read(f->ep2, iova, buf, 64), 0);
			assert_int_equal(iommu_dma_flush(f->ep2), 0);
		}
		assert_int_equal(iommu_dma_read(f->ep2, iova, buf, 64), -EFAULT);
		assert_int_equal(iommu_dma_read(f->ep2, keep_iova, buf, 64), 0);
		assert_int_equal(iommu_dma_unmap(f->ep2, keep_iova, 4096), 0);
		assert_int_equal(iommu_dma_flush(f->ep2), 0);
		iommu_mem_release(f->t.mem, pa, 4096);
		iommu_mem_release(f->t.mem, keep_pa, 4096);
	}
	iommu_group_put(g);
}

/* Attach is all or nothing: a failure on the second device rolls the first back. */
static void test_attach_all_or_nothing(void **state)
{
	struct fixture *f = *state;
	struct iommu_dev *fn[3];
	struct iommu_group *g;
	struct iommu_domain *dom;
	uint64_t pa;
	uint8_t b[8];
	int owner;

	for (int i = 0; i < 3; i++)
		fn[i] = th_pci_new(&f->t, f->host, &(struct th_pci){ 0, 9, (uint8_t)i, IOMMU_PCIE_RC_END, true }, true);
	g = iommu_group_get(fn[0]);
	assert_int_equal(iommu_group_count(g), 3);
	assert_int_equal(iommu_group_claim_dma_owner(g, &owner), 0);
	assert_int_equal(iommu_paging_domain_alloc(g, &dom), 0);
	assert_int_equal(iommu_mem_alloc(f->t.mem, 4096, &pa), 0);
	assert_int_equal(iommu_map(dom, 0x200000, pa, 4096, IOMMU_READ | IOMMU_WRITE), 0);

	assert_int_equal(iommu_mock_fail(IOMMU_MOCK_OP_ATTACH, 2, -EIO), 0);
	assert_int_equal(iommu_attach_group(dom, g), -EIO);
	assert_int_equal(iommu_domain_type(iommu_group_domain(g)), IOMMU_DOMAIN_BLOCKED);
	/* No function reaches the domain's mapping: the first was rolled back. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(iommu_dma_read(fn[i], 0x200000, b, 8), -EFAULT);

	assert_int_equal(iommu_attach_group(dom, g), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(iommu_dma_read(fn[i], 0x200000, b, 8), 0);
	assert_int_equal(iommu_detach_group(dom, g), 0);
	assert_int_equal(iommu_group_release_dma_owner(g, &owner), 0);
	assert_int_equal(iommu_domain_free(dom), 0);
	iommu_mem_release(f->t.mem, pa, 4096);
	iommu_group_put(g);
}

/* Bad arguments: a negative errno and no change. */
static void test_bad_arguments(void **state)
{
	struct fixture *f = *state;
	struct iommu_stats before, after;
	struct iommu_domain *dom;
	struct iommu_group *g = iommu_group_get(f->ep);
	struct iommu_fwnode *fw = iommu_dev_fwnode(f->host);
	char *p0 = th_partition(f->t.ctx), *p1;
	uint32_t id = 1, ids[IOMMU_FW_MAX_IDS + 1] = { 0 };
	uint64_t pa;

	iommu_ctx_stats(f->t.ctx, &before);
	assert_int_equal(iommu_fw_bind(NULL, fw, fw, &id, 1), -EINVAL);
	assert_int_equal(iommu_fw_bind(f->t.ctx, NULL, fw, &id, 1), -EINVAL);
	assert_int_equal(iommu_fw_bind(f->t.ctx, fw, fw, NULL, 1), -EINVAL);
	assert_int_equal(iommu_fw_bind(f->t.ctx, fw, fw, &id, 0), -EINVAL);
	assert_int_equal(iommu_fw_bind(f->t.ctx, fw, fw, ids, IOMMU_FW_MAX_IDS + 1), -EINVAL);
	assert_int_equal(iommu_fw_bind_pci(f->t.ctx, fw, 0, 0, fw, 0, ~0u), -EINVAL);
	assert_int_equal(iommu_fw_bind_pci(f->t.ctx, fw, 0xff00, 0x200, fw, 0, ~0u), -EINVAL);
	assert_int_equal(iommu_fw_bind_pci(f->t.ctx, fw, 0, 16, fw, 0xfffffff8u, ~0u), -EINVAL);
	assert_int_equal(iommu_fw_bind_pci(f->t.ctx, fw, 0, 16, iommu_fwnode_find(f->t.ctx, "smmu"), 0, 0xffff), -EEXIST);
	assert_int_equal(iommu_device_register(NULL, NULL, NULL, NULL), -EINVAL);
	struct iommu_device *out;
	static const struct iommu_ops bad_ops = { .name = "bad" };
	assert_int_equal(iommu_device_register(f->ep, &bad_ops, NULL, &out), -EINVAL);
	iommu_device_unregister(NULL);
	assert_null(iommu_group_get(NULL));
	iommu_group_put(NULL);
	assert_int_equal(iommu_group_for_each_dev(NULL, NULL, NULL), -EINVAL);
	assert_int_equal(iommu_for_each_group(NULL, NULL, NULL), -EINVAL);
	assert_int_equal(iommu_for_each_device(f->t.ctx, NULL, NULL), -EINVAL);
	assert_int_equal(iommu_paging_domain_alloc(NULL, &dom), -EINVAL);
	assert_int_equal(iommu_paging_domain_alloc(g, NULL), -EINVAL);
	assert_int_equal(iommu_paging_domain_alloc_dev(f->host, &dom), -ENODEV);	/* untranslated */
	assert_int_equal(iommu_domain_free(NULL), 0);
	assert_int_equal(iommu_domain_free(iommu_group_default_domain(g)), -EINVAL);
	assert_int_equal(iommu_attach_group(NULL, g), -EINVAL);
	assert_int_equal(iommu_attach_group(iommu_group_default_domain(g), g), -EINVAL);
	assert_int_equal(iommu_detach_group(NULL, g), -EINVAL);
	assert_int_equal(iommu_group_replace_domain(g, NULL), -EINVAL);
	assert_int_equal(iommu_group_claim_dma_owner(NULL, &id), -EINVAL);
	assert_int_equal(iommu_group_claim_dma_owner(g, NULL), -EINVAL);
	assert_int_equal(iommu_group_release_dma_owner(g, &id), -EINVAL);
	assert_int_equal(iommu_group_set_default_domain_type(NULL, IOMMU_DOMAIN_DMA), -EINVAL);
	assert_int_equal(iommu_map(NULL, 0, 0, 4096, IOMMU_READ), -EINVAL);
	struct iommu_group *gg = iommu_group_get(f->gpu);
	/* An identity domain has no page table to map into. */
	assert_int_equal(iommu_map(iommu_group_default_domain(gg), 0, 0, 4096, IOMMU_READ), -EINVAL);
	iommu_group_put(gg);
	assert_int_equal(iommu_unmap(NULL, 0, 4096), 0);
	assert_int_equal(iommu_iova_to_phys(NULL, 0, &pa), -EINVAL);
	assert_int_equal(iommu_dev_ids(NULL, NULL, 0), -EINVAL);
	assert_int_equal(iommu_dev_resv_regions(f->host, NULL, 0), -ENODEV);
	assert_int_equal(iommu_ctx_set_fault_cb(NULL, NULL, NULL), -EINVAL);
	assert_int_equal(iommu_ctx_stats(NULL, &after), -EINVAL);
	assert_int_equal(iommu_ctx_set_default_domain_type(NULL, IOMMU_DOMAIN_DMA), -EINVAL);
	assert_int_equal(iommu_dma_map(NULL, 0, 4096, IOMMU_DMA_TO_DEVICE, &pa), -EINVAL);
	assert_int_equal(iommu_dma_map(f->ep, 0x80000000, 4096, 0, &pa), -EINVAL);
	assert_int_equal(iommu_dma_map(f->ep, 0x80000000, 0, IOMMU_DMA_TO_DEVICE, &pa), -EINVAL);
	assert_int_equal(iommu_dma_map(f->ep, ~0ull - 10, 4096, IOMMU_DMA_TO_DEVICE, &pa), -EINVAL);
	assert_int_equal(iommu_dma_unmap(f->ep, 0x1000, 0), -EINVAL);
	assert_int_equal(iommu_dma_read(f->ep, 0, NULL, 4), -EINVAL);
	assert_int_equal(iommu_dma_read(f->ep, ~0ull, &pa, 8), -EINVAL);
	assert_int_equal(iommu_dma_flush(NULL), -EINVAL);
	assert_int_equal(iommu_mock_fail(IOMMU_MOCK_OP_NR, 1, -EIO), -EINVAL);
	assert_int_equal(iommu_mock_fail(IOMMU_MOCK_OP_MAP, 1, 5), -EINVAL);
	assert_null(iommu_mock_driver(IOMMU_MOCK_NR_VARIANTS));

	iommu_ctx_stats(f->t.ctx, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	p1 = th_partition(f->t.ctx);
	assert_string_equal(p0, p1);
	free(p0);
	free(p1);
	iommu_group_put(g);
}

/*
 * Fail every allocation in turn during a realistic sequence: each step either
 * works or reports -ENOMEM, and tearing down leaves nothing allocated.
 */
static void test_allocation_failures(void **state)
{
	long live0 = iu_alloc_live();
	unsigned long hits = 1;

	(void)state;
	for (unsigned long nth = 1; hits; nth++) {
		struct iommu_mem *mem;
		struct iommu_ctx *ctx = NULL;
		struct iommu_ctx_opts o = { 0 };
		struct iommu_fwnode *fmmu = NULL, *fhost = NULL;
		struct iommu_dev *mmu = NULL, *host = NULL, *ep = NULL;
		struct iommu_pci_info pci = { .bus = 0, .devfn = 8, .class_code = 0x020000,
					      .pcie_type = IOMMU_PCIE_RC_END };
		int ret;

		assert_int_equal(iommu_mem_new(0x80000000ull, 1ull << 24, &mem), 0);
		o.mem = mem;
		iu_fail_nth(nth);
		ret = iommu_ctx_new(&o, &ctx);
		if (ret) {
			assert_int_equal(ret, -ENOMEM);
			goto done;
		}
		if (iommu_fwnode_new(ctx, "mmu", &fmmu) || iommu_fwnode_new(ctx, "host", &fhost))
			goto done;
		struct iommu_dev_info mi = { .name = "mmu", .bus = &iommu_platform_bus, .fwnode = fmmu,
					     .compatible = iommu_mock_compatible(IOMMU_MOCK_PCI) };
		struct iommu_dev_info hi = { .name = "host", .bus = &iommu_platform_bus, .fwnode = fhost };
		if (iommu_dev_new(ctx, &mi, &mmu) || iommu_dev_add(mmu))
			goto done;
		if (iommu_dev_new(ctx, &hi, &host) || iommu_dev_add(host))
			goto done;
		if (iommu_fw_bind_pci(ctx, fhost, 0, 0x10000, fmmu, 0, 0xffff))
			goto done;
		struct iommu_dev_info ei = { .name = "0000:00:01.0", .bus = &iommu_pci_bus, .parent = host, .pci = &pci };
		if (iommu_dev_new(ctx, &ei, &ep) || iommu_dev_add(ep))
			goto done;
		iommu_driver_register(ctx, &th_ep_pci_driver);
		iommu_driver_register(ctx, iommu_mock_driver(IOMMU_MOCK_PCI));
		iommu_driver_unregister(ctx, iommu_mock_driver(IOMMU_MOCK_PCI));
		iommu_driver_unregister(ctx, &th_ep_pci_driver);
done:
		hits = iu_fail_hits();
		iu_fail_nth(0);
		iommu_dev_put(ep);
		iommu_dev_put(host);
		iommu_dev_put(mmu);
		iommu_ctx_free(ctx);
		if (iommu_mem_pages_in_use(mem))
			fail_msg("nth %lu: %llu pages leaked", nth, (unsigned long long)iommu_mem_pages_in_use(mem));
		iommu_mem_free(mem);
		assert_int_equal(iu_alloc_live(), live0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_default_domains_by_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ownership_and_attach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_unmap_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strict_and_lazy_invalidation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test(test_allocation_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
