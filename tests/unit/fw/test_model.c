// SPDX-License-Identifier: MIT
/*
 * Unit tests of the topology model (src/fw/model.c, compare.c): the core
 * forms the groups of a parsed machine, the topology-only drivers apply the
 * Linux drivers' rules, the kernel's groups are compared; and of the mock's
 * described instances the model is built on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libfdt.h>
#include "iommu/iommu.h"
#include "iommu/mock.h"
#include "iommu/topo.h"
#include "fw_test.h"
#include "util/util.h"

static const struct iommu_topo_master *find(const struct iommu_topo *t, const char *id)
{
	for (size_t i = 0; i < iommu_topo_master_count(t); i++)
		if (!strcmp(iommu_topo_master(t, i)->id, id))
			return iommu_topo_master(t, i);
	return NULL;
}

static struct iommu_topo *load_files(const char *const *files, size_t n)
{
	struct iommu_topo *t;

	assert_int_equal(iommu_topo_new(&t), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(iommu_topo_add_file(t, files[i]), 0);
	assert_int_equal(iommu_topo_finish(t), 0);
	return t;
}

static struct iommu_topo *load_text(const char *name, const char *txt)
{
	struct iommu_topo *t;

	assert_int_equal(iommu_topo_new(&t), 0);
	assert_int_equal(iommu_topo_add_buffer(t, name, txt, strlen(txt)), 0);
	assert_int_equal(iommu_topo_finish(t), 0);
	return t;
}

/* Group mates of a master as "a b c" (sorted by topology order), or "none". */
static const char *mates(const struct iommu_topo *t, const char *id)
{
	static char buf[1024];
	const struct iommu_topo_master *m = find(t, id);
	const struct iommu_topo_group *g;
	size_t l = 0;

	assert_non_null(m);
	if (m->group < 0)
		return "none";
	g = iommu_topo_group(t, (size_t)m->group);
	buf[0] = 0;
	for (unsigned int i = 0; i < g->ndevices; i++)
		l += (size_t)snprintf(buf + l, sizeof(buf) - l, "%s%s", i ? " " : "",
				      iommu_topo_master(t, g->devices[i])->id);
	return buf;
}

/* The whole partition as text, for comparisons. Caller frees. */
static char *partition(const struct iommu_topo *t)
{
	size_t cap = 1 << 16, l = 0;
	char *s = malloc(cap);

	assert_non_null(s);
	s[0] = 0;
	for (size_t i = 0; i < iommu_topo_group_count(t); i++) {
		const struct iommu_topo_group *g = iommu_topo_group(t, i);

		for (unsigned int d = 0; d < g->ndevices; d++)
			l += (size_t)snprintf(s + l, cap - l, "%s%s", d ? " " : "",
					      iommu_topo_master(t, g->devices[d])->id);
		l += (size_t)snprintf(s + l, cap - l, " [%s]|", g->reason);
	}
	for (size_t i = 0; i < iommu_topo_master_count(t); i++) {
		const struct iommu_topo_master *m = iommu_topo_master(t, i);

		if (m->no_group)
			l += (size_t)snprintf(s + l, cap - l, "%s: %s|", m->id, m->no_group);
	}
	return s;
}

/* ---- described instances (include/iommu/mock.h) ---- */

static unsigned int probed, released;

static int refuse_id7(void *arg, struct iommu_dev *dev, const uint32_t *ids, unsigned int nids)
{
	(void)dev;
	assert_ptr_equal(arg, &probed);
	probed++;
	for (unsigned int i = 0; i < nids; i++)
		if (ids[i] == 7)
			return -EBUSY;
	return 0;
}

static void count_release(void *arg, struct iommu_dev *dev)
{
	(void)arg;
	(void)dev;
	released++;
}

static int described_probe(struct iommu_dev *dev)
{
	const struct iommu_mock_desc desc = {
		.name = "test-smmu", .group_policy = IOMMU_GROUP_PER_DEVICE | IOMMU_GROUP_SHARE_IDS,
		.probe_device = refuse_id7, .release_device = count_release, .arg = &probed,
	};

	return iommu_mock_probe_described(dev, &desc);
}

static void test_described_instance(void **state)
{
	static const char *const compat[] = { "test,described", NULL };
	struct iommu_driver drv = { .name = "described", .bus = &iommu_platform_bus,
				    .compatible = compat, .probe = described_probe,
				    .remove = iommu_mock_remove_described };
	const struct iommu_mock_desc bad = { .name = "x", .group_policy = 9 };
	const char *names[] = { "a", "b", "c" };
	const uint32_t ids[] = { 5, 5, 7 };
	struct iommu_fwnode *fw[3], *ifw;
	struct iommu_dev *dev[3], *idev;
	struct iommu_ctx *ctx;
	struct iommu_group *ga, *gb;

	(void)state;
	probed = released = 0;
	assert_int_equal(iommu_mock_probe_described(NULL, &bad), -EINVAL);
	assert_int_equal(iommu_ctx_new(NULL, &ctx), 0);
	assert_int_equal(iommu_ctx_set_default_domain_type(ctx, IOMMU_DOMAIN_IDENTITY), 0);
	assert_int_equal(iommu_fwnode_new(ctx, "smmu", &ifw), 0);
	for (int i = 0; i < 3; i++) {
		struct iommu_dev_info info = { .name = names[i], .bus = &iommu_platform_bus };

		assert_int_equal(iommu_fwnode_new(ctx, names[i], &fw[i]), 0);
		info.fwnode = fw[i];
		assert_int_equal(iommu_fw_bind(ctx, fw[i], ifw, &ids[i], 1), 0);
		assert_int_equal(iommu_dev_new(ctx, &info, &dev[i]), 0);
		assert_int_equal(iommu_dev_add(dev[i]), 0);
	}
	struct iommu_dev_info ii = { .name = "smmu", .bus = &iommu_platform_bus, .fwnode = ifw,
				     .compatible = "test,described" };
	assert_int_equal(iommu_dev_new(ctx, &ii, &idev), 0);
	assert_int_equal(iommu_dev_add(idev), 0);
	assert_int_equal(iommu_mock_probe_described(idev, &bad), -EINVAL);
	assert_int_equal(iommu_driver_register(ctx, &drv), 0);

	assert_non_null(iommu_dev_iommu(dev[0]));
	assert_string_equal(iommu_device_driver_name(iommu_dev_iommu(dev[0])), "test-smmu");
	assert_int_equal(probed, 3);
	assert_null(iommu_dev_iommu(dev[2]));		/* the hook refused ID 7 */
	ga = iommu_group_get(dev[0]);
	gb = iommu_group_get(dev[1]);
	assert_non_null(ga);
	assert_ptr_equal(ga, gb);			/* shared stream ID 5 */
	iommu_group_put(ga);
	iommu_group_put(gb);
	assert_int_equal(iommu_driver_unregister(ctx, &drv), 0);
	assert_int_equal(released, 2);			/* only the accepted ones */
	for (int i = 0; i < 3; i++)
		iommu_dev_put(dev[i]);
	iommu_dev_put(idev);
	iommu_ctx_free(ctx);
}

/* ---- the model ---- */

/* virt + SMMUv3 (device tree): what Linux 6.12 formed, 02:02.0 refused. */
static void test_model_smmuv3_refuses(void **state)
{
	char dtb[4096], hex[4096];
	const struct iommu_topo_master *m;
	struct iommu_topo *t;

	(void)state;
	snprintf(dtb, sizeof(dtb), "%s", data_path("fw/corpus/kernel-groups/virt-smmuv3-bridges/firmware.dtb"));
	snprintf(hex, sizeof(hex), "%s", data_path("fw/corpus/kernel-groups/virt-smmuv3-bridges/lspci-xxxx.txt"));
	t = load_files((const char *const[]){ dtb, hex }, 2);
	assert_int_equal(iommu_topo_group_count(t), 5);
	assert_string_equal(mates(t, "0000:00:10.0"), "0000:00:10.0 0000:01:00.0 0000:02:01.0");
	assert_string_equal(mates(t, "0000:07:00.1"), "0000:00:12.0 0000:07:00.0 0000:07:00.1");
	assert_string_equal(mates(t, "0000:00:05.0"), "0000:00:05.0");
	m = find(t, "0000:02:02.0");
	assert_int_equal(m->group, -1);
	assert_non_null(m->no_group);
	assert_non_null(strstr(m->no_group, "0x200"));
	assert_non_null(strstr(m->no_group, "0000:02:01.0"));
	assert_true(has_code(t, "PCI_STREAM_ID_SHARED"));
	/* The IDs the core resolved: own RID and the PCIe-to-PCI bridge's alias. */
	m = find(t, "0000:02:01.0");
	assert_int_equal(m->nrefs, 1);
	assert_int_equal(m->refs[0].nspecs, 2);
	assert_int_equal(m->refs[0].cells[0], 0x208);
	assert_int_equal(m->refs[0].cells[1], 0x200);
	/* Probe order: the IOMMU binds first; every master after it. */
	assert_int_equal(iommu_topo_probe_count(t), 16);
	assert_true(iommu_topo_probe(t, 0)->is_iommu);
	for (size_t i = 1; i < iommu_topo_probe_count(t); i++) {
		const struct iommu_topo_probe *p = iommu_topo_probe(t, i);

		assert_false(p->is_iommu);
		assert_int_equal(p->deferrals, 1);
		if (!strcmp(p->device, "0000:02:02.0")) {
			assert_int_not_equal(p->error, 0);
		} else {
			assert_int_equal(p->error, 0);
			assert_int_equal(p->supplier, 0);
		}
	}
	assert_null(iommu_topo_kernel_compare(t));	/* hex dumps carry no groups */
	iommu_topo_free(t);
}

/* Policies by kind: rockchip one group per instance; arm-smmu stream matching. */
static void test_model_policies(void **state)
{
	const char *dir = getenv("FW_DTB_DIR");
	char path[4096];
	struct iommu_topo *t;

	(void)state;
	if (!dir)
		skip();
	snprintf(path, sizeof(path), "%s/populate.dtb", dir);
	t = load_files((const char *const[]){ path }, 1);
	assert_int_equal(iommu_topo_group_count(t), 1);
	assert_int_equal(iommu_topo_group(t, 0)->ndevices, 4);
	assert_non_null(strstr(iommu_topo_group(t, 0)->reason, "per IOMMU instance"));
	iommu_topo_free(t);

	snprintf(path, sizeof(path), "%s/smr_conflict.dtb", dir);
	t = load_files((const char *const[]){ path }, 1);
	assert_string_equal(mates(t, "/a@1"), "/a@1 /d@4");	/* same stream match entry */
	assert_string_equal(mates(t, "/b@2"), "none");		/* overlaps a's entry */
	assert_non_null(strstr(find(t, "/b@2")->no_group, "arm-smmu"));
	assert_true(has_code(t, "IOMMU_PROBE_REFUSED"));
	iommu_topo_free(t);

	snprintf(path, sizeof(path), "%s/stream_clash.dtb", dir);
	t = load_files((const char *const[]){ path }, 1);
	assert_string_equal(mates(t, "/b@2"), "none");		/* SMMUv3: ID 5 is a's */
	assert_string_equal(mates(t, "/a@1"), "/a@1");
	iommu_topo_free(t);

	/* Two machines' DTBs at once: both have an /iommu@0, /a@1 and /b@2;
	 * each keeps its own IOMMU and its own driver's rule. */
	{
		char p2[4096];
		unsigned int refused = 0;

		snprintf(path, sizeof(path), "%s/smr_conflict.dtb", dir);
		snprintf(p2, sizeof(p2), "%s/stream_clash.dtb", dir);
		t = load_files((const char *const[]){ path, p2 }, 2);
		assert_int_equal(iommu_topo_iommu_count(t), 2);
		for (size_t i = 0; i < iommu_topo_master_count(t); i++) {
			const struct iommu_topo_master *m = iommu_topo_master(t, i);

			if (strcmp(m->id, "/b@2"))
				continue;
			assert_non_null(m->no_group);
			assert_non_null(strstr(m->no_group, !strcmp(m->source, "smr_conflict.dtb")
							    ? "arm-smmu refuses" : "arm-smmu-v3 refuses"));
			refused++;
		}
		assert_int_equal(refused, 2);
		assert_string_equal(mates(t, "/d@4"), "/a@1 /d@4");
		iommu_topo_free(t);
	}
}

static const char amd_txt[] =
	"00:00.0 Host bridge [0600]: AMD Root Complex [1022:1630]\n"
	"\n"
	"00:00.2 IOMMU [0806]: AMD IOMMU [1022:1631]\n"
	"\n"
	"00:01.0 Host bridge [0600]: AMD Dummy Host Bridge [1022:1632]\n"
	"\tIOMMU group: 0\n"
	"\n"
	"00:01.1 PCI bridge [0604]: AMD GPP Bridge [1022:1633] (prog-if 00 [Normal decode])\n"
	"\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
	"\tCapabilities: [58] Express (v2) Root Port (Slot+), MSI 00\n"
	"\tCapabilities: [2a0 v1] Access Control Services\n"
	"\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans+\n"
	"\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n"
	"\tIOMMU group: 1\n"
	"\n"
	"01:00.0 Non-Volatile memory controller [0108]: X NVMe [144d:a808] (prog-if 02 [NVM Express])\n"
	"\tCapabilities: [70] Express (v2) Endpoint, MSI 00\n"
	"\tIOMMU group: 3\n"
	"\n"
	"01:00.1 Non-Volatile memory controller [0108]: X NVMe [144d:a808] (prog-if 02 [NVM Express])\n"
	"\tCapabilities: [70] Express (v2) Endpoint, MSI 00\n"
	"\tIOMMU group: 4\n";

/* lspci only: the implied IOMMU; AMD's root complex and IOMMU stay out; the kernel's groups compared. */
static void test_model_kernel_compare(void **state)
{
	struct iommu_topo *t = load_text("amd.txt", amd_txt);
	const struct iommu_topo_kernel_cmp *kc;
	const struct iommu_topo_kernel_diff *d;

	(void)state;
	assert_true(has_code(t, "PCI_IMPLIED_AMD_IOMMU"));
	assert_string_equal(mates(t, "0000:00:00.0"), "none");
	assert_null(find(t, "0000:00:00.0")->no_group);	/* untranslated, not refused */
	assert_string_equal(mates(t, "0000:00:00.2"), "none");
	assert_string_equal(mates(t, "0000:00:01.0"), "0000:00:01.0");
	/* Two functions without ACS share a group; the kernel split them. */
	assert_string_equal(mates(t, "0000:01:00.1"), "0000:01:00.0 0000:01:00.1");
	kc = iommu_topo_kernel_compare(t);
	assert_non_null(kc);
	assert_int_equal(kc->devices, 6);
	assert_int_equal(kc->placed, 4);
	assert_int_equal(kc->ndiffs, 1);
	d = &kc->diffs[0];
	assert_int_equal(d->nkernel, 2);
	assert_int_equal(d->npredicted, 1);
	assert_false(d->predicted[0].none);
	assert_int_equal(d->predicted[0].n, 2);
	assert_true(has_code(t, "KERNEL_GROUPS_DIFFER"));
	iommu_topo_free(t);
}

/* A device the kernel left without a group and we grouped is a difference of its own. */
static void test_model_kernel_none(void **state)
{
	static const char txt[] =
		"00:00.0 Host bridge [0600]: Intel Host [8086:3e33]\n"
		"\n"
		"00:14.0 USB controller [0c03]: Intel USB [8086:a36d] (prog-if 30 [XHCI])\n"
		"\tIOMMU group: 2\n";
	struct iommu_topo *t = load_text("intel.txt", txt);
	const struct iommu_topo_kernel_cmp *kc = iommu_topo_kernel_compare(t);

	(void)state;
	assert_non_null(kc);
	assert_int_equal(kc->devices, 2);
	assert_int_equal(kc->placed, 1);
	assert_int_equal(kc->ndiffs, 1);
	assert_int_equal(kc->diffs[0].nkernel, 1);
	assert_true(kc->diffs[0].kernel[0].none);
	assert_false(kc->diffs[0].predicted[0].none);
	iommu_topo_free(t);
}

/*
 * Every allocation failure, in the parsers, the model or the core, either
 * fails iommu_topo_finish() with -ENOMEM and leaks nothing, or (where the
 * library recovers, e.g. a hash table that stays small) gives the same
 * groups as without the failure.
 */
static void test_model_fail_nth(void **state)
{
	char dtb[4096], hex[4096];
	struct iommu_topo *t;
	char *want;
	long base = iu_alloc_live();
	unsigned long k, recovered = 0;

	(void)state;
	snprintf(dtb, sizeof(dtb), "%s", data_path("fw/corpus/kernel-groups/virt-smmuv3-bridges/firmware.dtb"));
	snprintf(hex, sizeof(hex), "%s", data_path("fw/corpus/kernel-groups/virt-smmuv3-bridges/lspci-vvnn.txt"));
	t = load_files((const char *const[]){ dtb, hex }, 2);
	want = partition(t);
	iommu_topo_free(t);
	for (k = 1; k < 1000000; k++) {
		int ret;

		t = NULL;
		iu_fail_nth(k);
		ret = iommu_topo_new(&t);
		if (!ret)
			ret = iommu_topo_add_file(t, dtb);
		if (!ret)
			ret = iommu_topo_add_file(t, hex);
		if (!ret)
			ret = iommu_topo_finish(t);
		if (!iu_fail_hits()) {
			iu_fail_nth(0);
			assert_int_equal(ret, 0);
			iommu_topo_free(t);
			break;
		}
		iu_fail_nth(0);
		if (ret == 0) {
			char *got = partition(t);

			assert_string_equal(got, want);
			free(got);
			recovered++;
		} else {
			assert_int_equal(ret, -ENOMEM);
		}
		iommu_topo_free(t);
		assert_int_equal(iu_alloc_live(), base);
	}
	printf("  %lu allocations failed in turn, %lu recovered\n", k - 1, recovered);
	assert_true(k > 100);
	free(want);
}

/*
 * A function with more DMA-alias quirks than the core's buffers hold (an
 * Intel VCA NTB aliases functions 0-4 of every slot: 160 devfns; found by
 * the lspci_hex fuzz target): the core's alias walk and grouping keys must
 * stay inside their arrays (ASan checks), and the function still gets a
 * group with its own RID first.
 */
static void test_model_many_aliases(void **state)
{
	static const char txt[] =
		"00:00.0 Host bridge [0600]: Intel Host [8086:3e33]\n"
		"\n"
		"00:01.0 Other [0b40]: Intel VCA NTB [8086:2954]\n"
		"\tCapabilities: [40] Express (v2) Root Complex Integrated Endpoint, MSI 00\n";
	struct iommu_topo *t = load_text("vca.txt", txt);
	const struct iommu_topo_master *m = find(t, "0000:00:01.0");

	(void)state;
	assert_int_not_equal(m->group, -1);
	assert_true(m->nrefs == 1 && m->refs[0].nspecs >= 1);
	assert_int_equal(m->refs[0].cells[0], 0x0008);
	iommu_topo_free(t);
}

/* A hostile DTB with 1100 IOMMUs: no machine that large is instantiated. */
static void test_model_too_large(void **state)
{
	size_t sz = 1 << 20;
	void *fdt = malloc(sz);
	struct iommu_topo *t;
	char name[32];

	(void)state;
	assert_non_null(fdt);
	assert_int_equal(fdt_create(fdt, (int)sz), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, ""), 0);
	for (int i = 0; i < 1100; i++) {
		snprintf(name, sizeof(name), "iommu@%x", i);
		assert_int_equal(fdt_begin_node(fdt, name), 0);
		assert_int_equal(fdt_property_string(fdt, "compatible", "arm,smmu-v3"), 0);
		assert_int_equal(fdt_property_u32(fdt, "#iommu-cells", 1), 0);
		assert_int_equal(fdt_end_node(fdt), 0);
	}
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_finish(fdt), 0);
	assert_int_equal(iommu_topo_new(&t), 0);
	assert_int_equal(iommu_topo_add_buffer(t, "big.dtb", fdt, fdt_totalsize(fdt)), 0);
	assert_int_equal(iommu_topo_finish(t), 0);
	assert_int_equal(iommu_topo_iommu_count(t), 1100);
	assert_int_equal(iommu_topo_group_count(t), 0);
	assert_true(has_code(t, "MODEL_TOO_LARGE"));
	iommu_topo_free(t);
	free(fdt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_described_instance),
		cmocka_unit_test(test_model_smmuv3_refuses),
		cmocka_unit_test(test_model_policies),
		cmocka_unit_test(test_model_kernel_compare),
		cmocka_unit_test(test_model_kernel_none),
		cmocka_unit_test(test_model_many_aliases),
		cmocka_unit_test(test_model_too_large),
		cmocka_unit_test(test_model_fail_nth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
