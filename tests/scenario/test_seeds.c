// SPDX-License-Identifier: MIT
/*
 * One scenario per seed problem (docs/architecture.md), each showing the
 * problem solved by construction.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "util/util.h"
#include "util/lock.h"

static const struct th_pci RP_ACS = { 0, 1, 0, IOMMU_PCIE_ROOT_PORT, false, true, 1, 0, 0, 0 };

/* ------------------------------------------------------------------ */
/* Seed 000: two different IOMMU drivers translating different buses. */

static void test_mixed_drivers(void **state)
{
	struct th t;
	struct iommu_dev *smmu, *plat_mmu, *ep, *sd;
	struct iommu_group *g1, *g2;
	uint32_t id = 0x42;

	(void)state;
	th_init(&t, 0);
	smmu = th_iommu(&t, "smmu", IOMMU_MOCK_PCI);
	plat_mmu = th_iommu(&t, "sysmmu", IOMMU_MOCK_SINGLE);
	struct iommu_dev *host = th_host(&t, "pcie", "smmu");
	struct iommu_dev *rp = th_pci_new(&t, host, &RP_ACS, true);
	ep = th_pci_new(&t, rp, &(struct th_pci){ 1, 0, 0, IOMMU_PCIE_ENDPOINT }, true);
	sd = th_plat(&t, "sdhci", "test,ep", NULL, false);
	assert_int_equal(iommu_fw_bind(t.ctx, iommu_dev_fwnode(sd), iommu_dev_fwnode(plat_mmu), &id, 1), 0);
	th_add(sd);

	/* The platform IOMMU's driver loads first: it must not claim PCI. */
	assert_int_equal(iommu_driver_register(t.ctx, iommu_mock_driver(IOMMU_MOCK_SINGLE)), 0);
	assert_null(iommu_dev_iommu(ep));
	assert_non_null(iommu_dev_iommu(sd));
	assert_int_equal(iommu_driver_register(t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI)), 0);
	assert_int_equal(iommu_driver_register(t.ctx, &th_ep_pci_driver), 0);
	assert_int_equal(iommu_driver_register(t.ctx, &th_ep_plat_driver), 0);

	assert_ptr_equal(iommu_device_dev(iommu_dev_iommu(ep)), smmu);
	assert_ptr_equal(iommu_device_dev(iommu_dev_iommu(sd)), plat_mmu);
	assert_string_equal(iommu_device_driver_name(iommu_dev_iommu(ep)), "mock-pci-iommu");
	assert_string_equal(iommu_device_driver_name(iommu_dev_iommu(sd)), "mock-single-iommu");
	assert_ptr_equal(iommu_dev_driver(ep), &th_ep_pci_driver);
	assert_ptr_equal(iommu_dev_driver(sd), &th_ep_plat_driver);
	g1 = iommu_group_get(ep);
	g2 = iommu_group_get(sd);
	assert_ptr_not_equal(g1, g2);
	assert_ptr_equal(iommu_device_dev(iommu_group_iommu(g2)), plat_mmu);
	iommu_group_put(g1);
	iommu_group_put(g2);

	/* DMA works through each. */
	uint8_t buf[16] = "mixed";
	uint64_t pa, iova;
	assert_int_equal(iommu_mem_alloc(t.mem, 4096, &pa), 0);
	assert_int_equal(iommu_dma_map(sd, pa, 4096, IOMMU_DMA_FROM_DEVICE, &iova), 0);
	assert_int_equal(iommu_dma_write(sd, iova, buf, sizeof(buf)), 0);
	assert_int_equal(iommu_dma_write(ep, iova, buf, sizeof(buf)), -EFAULT);	/* not ep's */
	assert_int_equal(iommu_dma_unmap(sd, iova, 4096), 0);
	iommu_mem_release(t.mem, pa, 4096);

	iommu_driver_unregister(t.ctx, &th_ep_plat_driver);
	iommu_driver_unregister(t.ctx, &th_ep_pci_driver);
	iommu_driver_unregister(t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI));
	iommu_driver_unregister(t.ctx, iommu_mock_driver(IOMMU_MOCK_SINGLE));
	th_fini(&t);
}

/* ------------------------------------------------------------------ */
/* Seed 001: the selftest device gets the selftest IOMMU; probe errors
 * unwind completely and a re-probe works. */

static void test_selftest_iommu_and_unwind(void **state)
{
	struct th t;
	struct iommu_dev *real, *mock, *st;
	uint32_t id = 7;
	long live0;

	(void)state;
	live0 = iu_alloc_live();
	th_init(&t, 0);
	real = th_iommu(&t, "real-iommu", IOMMU_MOCK_PCI);
	th_host(&t, "pcie", "real-iommu");
	assert_int_equal(iommu_driver_register(t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI)), 0);
	assert_non_null(iommu_dev_driver(real));

	mock = th_iommu(&t, "selftest-iommu", IOMMU_MOCK_SINGLE);
	st = th_plat(&t, "selftest-dev", "test,ep", NULL, false);
	assert_int_equal(iommu_fw_bind(t.ctx, iommu_dev_fwnode(st), iommu_dev_fwnode(mock), &id, 1), 0);
	th_add(st);
	/* The real IOMMU registered first; it must not take the selftest device. */
	assert_null(iommu_dev_iommu(st));

	/* Fail the IOMMU-layer probe of the device: nothing may remain. */
	assert_int_equal(iommu_mock_fail(IOMMU_MOCK_OP_PROBE_DEVICE, 1, -EIO), 0);
	assert_int_equal(iommu_driver_register(t.ctx, iommu_mock_driver(IOMMU_MOCK_SINGLE)), 0);
	assert_null(iommu_dev_iommu(st));
	assert_int_equal(iommu_dev_supplier_count(st), 0);
	assert_null(iommu_group_get(st));

	/* The device's own driver fails too when its default domain cannot be made. */
	assert_int_equal(iommu_mock_fail(IOMMU_MOCK_OP_DOMAIN_ALLOC, 1, -ENOMEM), 0);
	assert_int_equal(iommu_driver_register(t.ctx, &th_ep_plat_driver), 0);
	assert_null(iommu_dev_driver(st));
	assert_null(iommu_dev_iommu(st));
	assert_int_equal(iommu_dev_supplier_count(st), 0);

	/* And once more failing the attach. */
	assert_int_equal(iommu_mock_fail(IOMMU_MOCK_OP_ATTACH, 1, -EBUSY), 0);
	assert_int_equal(iommu_dev_reprobe(st), -EBUSY);
	assert_null(iommu_dev_iommu(st));

	/* Re-probe: the binding is rebuilt from firmware, the right IOMMU again. */
	assert_int_equal(iommu_dev_reprobe(st), 0);
	assert_ptr_equal(iommu_device_dev(iommu_dev_iommu(st)), mock);
	assert_ptr_equal(iommu_dev_driver(st), &th_ep_plat_driver);
	uint32_t got[2];
	assert_int_equal(iommu_dev_ids(st, got, 2), 1);
	assert_int_equal(got[0], 7);
	assert_int_equal(iommu_dev_supplier_count(st), 1);

	iommu_driver_unregister(t.ctx, &th_ep_plat_driver);
	iommu_driver_unregister(t.ctx, iommu_mock_driver(IOMMU_MOCK_SINGLE));
	iommu_driver_unregister(t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI));
	th_fini(&t);
	assert_int_equal(iu_alloc_live(), live0);
}

/* ------------------------------------------------------------------ */
/* Seed 002: an IOMMU driver loaded after its masters, then unloaded and
 * reloaded many times: masters defer, probe, tear down; nothing leaks. */

static void test_late_iommu_reload(void **state)
{
	struct th t;
	struct iommu_dev *mmu, *host, *rp, *eps[4], *pl;
	uint32_t id = 3;
	long live_before;
	uint64_t pages_before;
	unsigned int cycles = getenv("IOMMU_TEST_QUICK") ? 100 : 1000;

	(void)state;
	th_init(&t, 0);
	mmu = th_iommu(&t, "smmu", IOMMU_MOCK_PCI);
	host = th_host(&t, "pcie", "smmu");
	rp = th_pci_new(&t, host, &RP_ACS, true);
	for (int i = 0; i < 4; i++)
		eps[i] = th_pci_new(&t, rp, &(struct th_pci){ 1, 0, (uint8_t)i, IOMMU_PCIE_ENDPOINT, true, true }, true);
	pl = th_plat(&t, "dma", "test,ep", NULL, false);
	assert_int_equal(iommu_fw_bind(t.ctx, iommu_dev_fwnode(pl), iommu_dev_fwnode(mmu), &id, 1), 0);
	th_add(pl);

	/* Masters' drivers first: all defer, forever if need be. */
	assert_int_equal(iommu_driver_register(t.ctx, &th_ep_pci_driver), 0);
	assert_int_equal(iommu_driver_register(t.ctx, &th_ep_plat_driver), 0);
	for (int i = 0; i < 4; i++)
		assert_true(iommu_dev_is_deferred(eps[i]));
	assert_true(iommu_dev_is_deferred(pl));

	for (unsigned int c = 0; c < cycles; c++) {
		assert_int_equal(iommu_driver_register(t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI)), 0);
		for (int i = 0; i < 4; i++) {
			assert_ptr_equal(iommu_dev_driver(eps[i]), &th_ep_pci_driver);
			assert_int_equal(iommu_dev_supplier_count(eps[i]), 1);
		}
		assert_ptr_equal(iommu_dev_driver(pl), &th_ep_plat_driver);
		assert_int_equal(th_group_count(t.ctx), 6);	/* root port, 4 ACS functions, dma */
		assert_int_equal(iommu_driver_unregister(t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI)), 0);
		for (int i = 0; i < 4; i++) {
			assert_null(iommu_dev_driver(eps[i]));
			assert_true(iommu_dev_is_deferred(eps[i]));
			assert_null(iommu_dev_iommu(eps[i]));
			assert_int_equal(iommu_dev_supplier_count(eps[i]), 0);
		}
		assert_int_equal(th_group_count(t.ctx), 0);
		if (c == 0) {
			live_before = iu_alloc_live();
			pages_before = iommu_mem_pages_in_use(t.mem);
		}
	}
	/* Zero growth after the first cycle: every cycle freed what it made. */
	assert_int_equal(iu_alloc_live(), live_before);
	assert_int_equal(iommu_mem_pages_in_use(t.mem), pages_before);

	iommu_driver_unregister(t.ctx, &th_ep_plat_driver);
	iommu_driver_unregister(t.ctx, &th_ep_pci_driver);
	th_fini(&t);
}

/* ------------------------------------------------------------------ */
/* Seed 003: groups do not depend on the order devices appear. */

struct node {
	const char *name;	/* for the platform host */
	int parent;		/* index, -1: the host bridge */
	struct th_pci p;
};

/*
 * A small topology: a root port without ACS and one with, a PCIe-to-PCI
 * bridge with two devices, a multifunction endpoint without ACS.
 */
static const struct node small_topo[] = {
	{ NULL, -1, { 0, 1, 0, IOMMU_PCIE_ROOT_PORT, false, false, 1 } },	/* 0: RP no ACS */
	{ NULL, 0, { 1, 0, 0, IOMMU_PCIE_ENDPOINT } },				/* 1 */
	{ NULL, -1, { 0, 2, 0, IOMMU_PCIE_ROOT_PORT, false, true, 2 } },	/* 2: RP ACS */
	{ NULL, 2, { 2, 0, 0, IOMMU_PCIE_PCI_BRIDGE, false, false, 3 } },	/* 3: PCIe-to-PCI */
	{ NULL, 3, { 3, 1, 0, IOMMU_PCIE_NONE } },				/* 4 */
	{ NULL, 3, { 3, 2, 0, IOMMU_PCIE_NONE } },				/* 5 */
	{ NULL, -1, { 0, 3, 0, IOMMU_PCIE_RC_END, true, false } },		/* 6: mf */
	{ NULL, -1, { 0, 3, 1, IOMMU_PCIE_RC_END, true, false } },		/* 7: mf */
};
#define SMALL_N ((int)ARRAY_SIZE(small_topo))

static char *build_in_order(const struct node *topo, int n, const int *order, int iommu_at, int threads)
{
	struct th t;
	struct iommu_dev *host, *devs[64];
	char *part;

	th_init(&t, (unsigned int)threads);
	th_iommu(&t, "smmu", IOMMU_MOCK_PCI);
	host = th_host(&t, "pcie", "smmu");
	for (int k = 0; k <= n; k++) {
		if (k == iommu_at)
			assert_int_equal(iommu_driver_register(t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI)), 0);
		if (k == n)
			break;
		int i = order[k];
		struct iommu_dev *parent = topo[i].parent < 0 ? host : devs[topo[i].parent];
		devs[i] = th_pci_new(&t, parent, &topo[i].p, true);
	}
	iommu_ctx_settle(t.ctx);
	part = th_partition(t.ctx);
	iommu_driver_unregister(t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI));
	th_fini(&t);
	return part;
}

/* Every permutation in which parents come before children. */
static void permute(const struct node *topo, int n, int *order, int k, bool *used,
		    const char *ref, unsigned long *count)
{
	if (k == n) {
		char *p = build_in_order(topo, n, order, (int)(*count % (unsigned long)(n + 1)), 0);

		if (strcmp(p, ref))
			fail_msg("order-dependent groups:\n  got %s\n  want %s", p, ref);
		free(p);
		(*count)++;
		return;
	}
	for (int i = 0; i < n; i++) {
		if (used[i] || (topo[i].parent >= 0 && !used[topo[i].parent]))
			continue;
		used[i] = true;
		order[k] = i;
		permute(topo, n, order, k + 1, used, ref, count);
		used[i] = false;
	}
}

static void test_groups_every_order(void **state)
{
	int order[SMALL_N];
	bool used[SMALL_N] = { false };
	unsigned long count = 0;
	char *ref;

	(void)state;
	for (int i = 0; i < SMALL_N; i++)
		order[i] = i;
	ref = build_in_order(small_topo, SMALL_N, order, 0, 0);
	/* What Linux's rules give for this topology. */
	assert_string_equal(ref, "0000:00:01.0 0000:01:00.0 | 0000:00:02.0 | "
			    "0000:00:03.0 0000:00:03.1 | 0000:02:00.0 0000:03:01.0 0000:03:02.0");
	permute(small_topo, SMALL_N, order, 0, used, ref, &count);
	assert_true(count > 1000);	/* all linear extensions of the tree */
	free(ref);
}

/* A larger topology in seeded random orders, synchronous and on a thread pool. */
static void test_groups_random_orders(void **state)
{
	struct node topo[48];
	int n = 0, order[48];
	uint64_t rng = 12345;
	char *ref;

	(void)state;
	/* Root ports 1..6 alternating ACS; switches below the ACS ones; mf endpoints. */
	for (int rp = 1; rp <= 6; rp++) {
		int rpi = n;
		uint8_t sec = (uint8_t)(rp * 10);

		topo[n++] = (struct node){ NULL, -1, { 0, (uint8_t)rp, 0, IOMMU_PCIE_ROOT_PORT, false, rp % 2, sec } };
		if (rp % 2) {
			int up = n;
			topo[n++] = (struct node){ NULL, rpi, { sec, 0, 0, IOMMU_PCIE_UPSTREAM, false, false, (uint8_t)(sec + 1) } };
			for (int d = 0; d < 2; d++) {
				int dsp = n;
				uint8_t b = (uint8_t)(sec + 2 + d);
				topo[n++] = (struct node){ NULL, up, { (uint8_t)(sec + 1), (uint8_t)d, 0, IOMMU_PCIE_DOWNSTREAM, false, d == 0, b } };
				for (int f = 0; f < 2; f++)
					topo[n++] = (struct node){ NULL, dsp, { b, 0, (uint8_t)f, IOMMU_PCIE_ENDPOINT, true, false } };
			}
		} else {
			topo[n++] = (struct node){ NULL, rpi, { sec, 0, 0, IOMMU_PCIE_ENDPOINT } };
			topo[n++] = (struct node){ NULL, rpi, { sec, 0, 1, IOMMU_PCIE_ENDPOINT, true, true } };
		}
	}
	assert_true(n <= 48);
	for (int i = 0; i < n; i++)
		order[i] = i;
	ref = build_in_order(topo, n, order, 0, 0);
	for (int round = 0; round < 60; round++) {
		/* Random linear extension: repeatedly pick a random ready node. */
		bool used[48] = { false };
		for (int k = 0; k < n; k++) {
			int ready[48], nr = 0;
			for (int i = 0; i < n; i++)
				if (!used[i] && (topo[i].parent < 0 || used[topo[i].parent]))
					ready[nr++] = i;
			int pick = ready[iu_rand_below(&rng, (uint64_t)nr)];
			used[pick] = true;
			order[k] = pick;
		}
		char *p = build_in_order(topo, n, order, (int)iu_rand_below(&rng, (uint64_t)n + 1),
					 round % 3 == 2 ? 2 : 0);
		if (strcmp(p, ref))
			fail_msg("round %d: order-dependent groups:\n  got %s\n  want %s", round, p, ref);
		free(p);
	}
	free(ref);
}

/* A late IOMMU probes exactly the devices it translates. */
static void test_late_iommu_probes_only_its_own(void **state)
{
	struct th t;
	struct iommu_dev *a, *b, *host, *rp;
	unsigned long before;
	uint32_t ids[3] = { 1, 2, 3 };

	(void)state;
	th_init(&t, 0);
	a = th_iommu(&t, "iommu-a", IOMMU_MOCK_PCI);
	b = th_iommu(&t, "iommu-b", IOMMU_MOCK_STREAM);
	host = th_host(&t, "pcie", "iommu-a");
	rp = th_pci_new(&t, host, &RP_ACS, true);
	for (int i = 0; i < 5; i++)
		th_pci_new(&t, rp, &(struct th_pci){ 1, (uint8_t)i, 0, IOMMU_PCIE_ENDPOINT }, true);
	for (int i = 0; i < 3; i++) {
		char name[16];
		snprintf(name, sizeof(name), "plat%d", i);
		struct iommu_dev *d = th_plat(&t, name, "test,ep", NULL, false);
		assert_int_equal(iommu_fw_bind(t.ctx, iommu_dev_fwnode(d), iommu_dev_fwnode(b), &ids[i], 1), 0);
		th_add(d);
	}
	th_plat(&t, "untranslated", "test,ep", NULL, true);

	assert_int_equal(iommu_driver_register(t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI)), 0);
	before = iommu_mock_calls(IOMMU_MOCK_OP_PROBE_DEVICE);
	assert_int_equal(iommu_driver_register(t.ctx, iommu_mock_driver(IOMMU_MOCK_STREAM)), 0);
	/* Exactly its three masters, not the six PCI functions or the untranslated one. */
	assert_int_equal(iommu_mock_calls(IOMMU_MOCK_OP_PROBE_DEVICE) - before, 3);
	(void)a;
	iommu_driver_unregister(t.ctx, iommu_mock_driver(IOMMU_MOCK_STREAM));
	iommu_driver_unregister(t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI));
	th_fini(&t);
}

/* Devices behind a PCIe-to-PCI bridge alias to it: one group, alias IDs. */
static void test_bridge_alias(void **state)
{
	struct th t;
	struct iommu_dev *host, *rp, *br, *c1, *c2;
	struct iommu_group *g1, *g2, *gb;
	uint32_t ids[4];

	(void)state;
	th_init(&t, 0);
	th_iommu(&t, "smmu", IOMMU_MOCK_PCI);
	host = th_host(&t, "pcie", "smmu");
	rp = th_pci_new(&t, host, &RP_ACS, true);
	br = th_pci_new(&t, rp, &(struct th_pci){ 1, 0, 0, IOMMU_PCIE_PCI_BRIDGE, false, false, 2 }, true);
	c1 = th_pci_new(&t, br, &(struct th_pci){ 2, 3, 0, IOMMU_PCIE_NONE }, true);
	c2 = th_pci_new(&t, br, &(struct th_pci){ 2, 4, 0, IOMMU_PCIE_NONE }, true);
	assert_int_equal(iommu_driver_register(t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI)), 0);

	g1 = iommu_group_get(c1);
	g2 = iommu_group_get(c2);
	gb = iommu_group_get(br);
	assert_non_null(g1);
	assert_ptr_equal(g1, g2);
	assert_ptr_equal(g1, gb);
	assert_non_null(strstr(iommu_group_reason(g1), "behind PCI bridge 0000:01:00.0"));
	/* Own RID 02:03.0 = 0x218 and the bridge's alias (secondary bus 2, devfn 0) = 0x200. */
	assert_int_equal(iommu_dev_ids(c1, ids, 4), 2);
	assert_int_equal(ids[0], 0x218);
	assert_int_equal(ids[1], 0x200);
	iommu_group_put(g1);
	iommu_group_put(g2);
	iommu_group_put(gb);
	iommu_driver_unregister(t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI));
	th_fini(&t);
}

/* A port whose driver fails strands no device below it (seed 003). */
static int failing_port_probe(struct iommu_dev *dev)
{
	(void)dev;
	return -EIO;
}
static void port_remove(struct iommu_dev *dev) { (void)dev; }
static const struct iommu_pci_id port_ids[] = { { IOMMU_PCI_ANY_ID, IOMMU_PCI_ANY_ID, 0x060400, 0xffff00 }, { 0 } };
static struct iommu_driver failing_port = {
	.name = "broken-port", .bus = &iommu_pci_bus, .pci_ids = port_ids,
	.probe = failing_port_probe, .remove = port_remove, .driver_managed_dma = true,
};

static void test_failing_port_strands_nobody(void **state)
{
	struct th t;
	struct iommu_dev *host, *rp, *ep;
	uint8_t buf[8] = { 1 };

	(void)state;
	th_init(&t, 0);
	th_iommu(&t, "smmu", IOMMU_MOCK_PCI);
	host = th_host(&t, "pcie", "smmu");
	rp = th_pci_new(&t, host, &RP_ACS, true);
	ep = th_pci_new(&t, rp, &(struct th_pci){ 1, 0, 0, IOMMU_PCIE_ENDPOINT }, true);
	assert_int_equal(iommu_driver_register(t.ctx, &failing_port), 0);
	assert_int_equal(iommu_driver_register(t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI)), 0);
	assert_int_equal(iommu_driver_register(t.ctx, &th_ep_pci_driver), 0);
	assert_null(iommu_dev_driver(rp));
	assert_ptr_equal(iommu_dev_driver(ep), &th_ep_pci_driver);
	assert_non_null(iommu_dev_iommu(ep));
	/* Its DMA works: it reaches its ring. */
	uint64_t pa, iova;
	assert_int_equal(iommu_mem_alloc(t.mem, 4096, &pa), 0);
	assert_int_equal(iommu_dma_map(ep, pa, 4096, IOMMU_DMA_FROM_DEVICE, &iova), 0);
	assert_int_equal(iommu_dma_write(ep, iova, buf, sizeof(buf)), 0);
	assert_int_equal(iommu_dma_unmap(ep, iova, 4096), 0);
	iommu_mem_release(t.mem, pa, 4096);
	iommu_driver_unregister(t.ctx, &th_ep_pci_driver);
	iommu_driver_unregister(t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI));
	iommu_driver_unregister(t.ctx, &failing_port);
	th_fini(&t);
}

/* ------------------------------------------------------------------ */
/* Seed 004: domain allocation racing device hot-removal. */

struct race {
	struct th *t;
	struct iommu_dev *host;
	struct iommu_dev *dev;		/* under mu */
	pthread_mutex_t mu;
	bool stop;			/* atomic */
	unsigned long allocs, enodev, tries;
};

static struct iommu_dev *race_take(struct race *r)
{
	struct iommu_dev *d;

	pthread_mutex_lock(&r->mu);
	d = r->dev ? iommu_dev_get(r->dev) : NULL;
	pthread_mutex_unlock(&r->mu);
	return d;
}

static void *race_alloc(void *arg)
{
	struct race *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		struct iommu_dev *d = race_take(r);
		struct iommu_domain *dom;
		int ret;

		if (!d)
			continue;
		__atomic_add_fetch(&r->tries, 1, __ATOMIC_RELAXED);
		ret = iommu_paging_domain_alloc_dev(d, &dom);
		if (!ret) {
			/* Map and unmap through it while the device may be going away. */
			assert_int_equal(iommu_map(dom, 0x10000, 0x80000000, 0x1000, IOMMU_READ), 0);
			assert_int_equal(iommu_unmap(dom, 0x10000, 0x1000), 0x1000);
			assert_int_equal(iommu_domain_free(dom), 0);
			__atomic_add_fetch(&r->allocs, 1, __ATOMIC_RELAXED);
		} else {
			assert_int_equal(ret, -ENODEV);
			__atomic_add_fetch(&r->enodev, 1, __ATOMIC_RELAXED);
		}
		iommu_dev_put(d);
	}
	return NULL;
}

static void test_domain_alloc_races_removal(void **state)
{
	struct th t;
	struct race r = { 0 };
	pthread_t th[3];
	unsigned int iters = getenv("IOMMU_TEST_QUICK") ? 300 : 2000;

	(void)state;
	th_init(&t, 0);
	th_iommu(&t, "smmu", IOMMU_MOCK_PCI);
	r.t = &t;
	r.host = th_host(&t, "pcie", "smmu");
	pthread_mutex_init(&r.mu, NULL);
	assert_int_equal(iommu_driver_register(t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI)), 0);
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, race_alloc, &r);

	for (unsigned int i = 0; i < iters; i++) {
		struct iommu_dev *d = th_pci_new(&t, r.host,
			&(struct th_pci){ 0, (uint8_t)(1 + i % 30), 0, IOMMU_PCIE_RC_END }, true);

		iommu_dev_get(d);
		pthread_mutex_lock(&r.mu);
		r.dev = d;
		pthread_mutex_unlock(&r.mu);
		/* Let the allocators at it, then hot-remove it under their feet. */
		unsigned long tries = __atomic_load_n(&r.tries, __ATOMIC_RELAXED);
		uint64_t t0 = iu_now_ns();
		/* The first rounds wait as long as it takes, so some allocation
		 * surely meets a live device however loaded the machine is. */
		while (__atomic_load_n(&r.tries, __ATOMIC_RELAXED) < tries + 2 &&
		       (i < 10 || iu_now_ns() - t0 < 200000))
			sched_yield();
		assert_int_equal(iommu_dev_del(d), 0);
		pthread_mutex_lock(&r.mu);
		r.dev = NULL;
		pthread_mutex_unlock(&r.mu);
		iommu_dev_put(d);
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	assert_true(r.allocs > 0);
	assert_int_equal(iu_lockdep_violations(), 0);
	assert_int_equal(th_group_count(t.ctx), 0);
	iommu_driver_unregister(t.ctx, iommu_mock_driver(IOMMU_MOCK_PCI));
	pthread_mutex_destroy(&r.mu);
	th_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mixed_drivers),
		cmocka_unit_test(test_selftest_iommu_and_unwind),
		cmocka_unit_test(test_late_iommu_reload),
		cmocka_unit_test(test_groups_every_order),
		cmocka_unit_test(test_groups_random_orders),
		cmocka_unit_test(test_late_iommu_probes_only_its_own),
		cmocka_unit_test(test_bridge_alias),
		cmocka_unit_test(test_failing_port_strands_nobody),
		cmocka_unit_test(test_domain_alloc_races_removal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
