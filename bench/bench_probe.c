// SPDX-License-Identifier: MIT
/*
 * Device add + IOMMU probe + grouping at scale: 10^3, 10^4 and 10^5 PCI
 * functions. The per-device cost must stay flat (at most 2x from 10^3 to
 * 10^5): nothing in the add path may walk all devices or all groups.
 *
 * Two paths are timed: devices added while the IOMMU is up (each add probes
 * the device into the IOMMU layer and groups it), and devices added first
 * with the IOMMU registered late (registration probes them all). Each size
 * runs several times; medians are printed, and the ratio to the 10^3 row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iommu/device.h"
#include "iommu/iommu.h"
#include "iommu/mock.h"
#include "util/util.h"

#define FUNCS_PER_BUS	248	/* 31 slots x 8 functions behind each root port */
#define BUSES_PER_SEG	250

struct run {
	double add_ns, late_ns, del_ns;	/* per device */
	unsigned int groups;
};

static int count_group(struct iommu_group *g, void *arg)
{
	(void)g;
	(*(unsigned int *)arg)++;
	return 0;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_probe: %s: %s\n", what, iommu_strerror(err));
	exit(1);
}

static void build(struct iommu_ctx *ctx, size_t n, struct iommu_dev ***out_devs, size_t *out_n)
{
	struct iommu_fwnode *mmu_fw;
	struct iommu_dev *mmu;
	struct iommu_dev **devs = calloc(n + 4096, sizeof(*devs));
	size_t nd = 0, made = 0;
	int ret;

	ret = iommu_fwnode_new(ctx, "smmu", &mmu_fw);
	if (ret)
		die("fwnode", ret);
	struct iommu_dev_info mi = { .name = "smmu", .bus = &iommu_platform_bus, .fwnode = mmu_fw,
				     .compatible = iommu_mock_compatible(IOMMU_MOCK_PCI) };
	if ((ret = iommu_dev_new(ctx, &mi, &mmu)) || (ret = iommu_dev_add(mmu)))
		die("iommu device", ret);
	devs[nd++] = mmu;

	struct iommu_dev *host = NULL, *rp = NULL;
	for (unsigned int b = 0; made < n; b++) {
		unsigned int seg = b / BUSES_PER_SEG, bus = 1 + b % BUSES_PER_SEG;
		char name[32];

		if (b % BUSES_PER_SEG == 0) {
			struct iommu_fwnode *hf;

			snprintf(name, sizeof(name), "pcie%u", seg);
			if ((ret = iommu_fwnode_new(ctx, name, &hf)))
				die("fwnode", ret);
			struct iommu_dev_info hi = { .name = name, .bus = &iommu_platform_bus, .fwnode = hf };
			if ((ret = iommu_dev_new(ctx, &hi, &host)) || (ret = iommu_dev_add(host)))
				die("host", ret);
			if ((ret = iommu_fw_bind_pci(ctx, hf, 0, 0x10000, mmu_fw, seg << 16, 0xffff)))
				die("iommu-map", ret);
			devs[nd++] = host;
		}
		struct iommu_pci_info rpi = {
			.segment = (uint16_t)seg, .bus = 0, .devfn = (uint8_t)IOMMU_PCI_DEVFN(bus % 32, bus / 32),
			.vendor = 0x1b36, .device = 0x000c, .class_code = 0x060400, .header_type = 1,
			.pcie_type = IOMMU_PCIE_ROOT_PORT, .has_acs = true,
			.acs_cap = IOMMU_PCI_ACS_REQ, .acs_ctrl = IOMMU_PCI_ACS_REQ,
			.multifunction = true, .secondary = (uint8_t)bus, .subordinate = (uint8_t)bus,
		};
		snprintf(name, sizeof(name), "%04x:00:%02x.%x", seg, bus % 32, bus / 32);
		struct iommu_dev_info ri = { .name = name, .bus = &iommu_pci_bus, .parent = host, .pci = &rpi };
		if ((ret = iommu_dev_new(ctx, &ri, &rp)) || (ret = iommu_dev_add(rp)))
			die("root port", ret);
		devs[nd++] = rp;
		made++;
		for (unsigned int f = 0; f < FUNCS_PER_BUS && made < n; f++, made++) {
			struct iommu_pci_info ei = {
				.segment = (uint16_t)seg, .bus = (uint8_t)bus, .devfn = (uint8_t)(8 + f),
				.vendor = 0x8086, .device = 0x1521, .class_code = 0x020000,
				.pcie_type = IOMMU_PCIE_ENDPOINT, .multifunction = true, .has_acs = true,
				.acs_cap = IOMMU_PCI_ACS_REQ, .acs_ctrl = IOMMU_PCI_ACS_REQ,
			};
			struct iommu_dev *d;

			snprintf(name, sizeof(name), "%04x:%02x:%02x.%x", seg, bus, (8 + f) >> 3, (8 + f) & 7);
			struct iommu_dev_info di = { .name = name, .bus = &iommu_pci_bus, .parent = rp, .pci = &ei };
			if ((ret = iommu_dev_new(ctx, &di, &d)) || (ret = iommu_dev_add(d)))
				die("endpoint", ret);
			devs[nd++] = d;
		}
	}
	*out_devs = devs;
	*out_n = nd;
}

static void teardown(struct iommu_ctx *ctx, struct iommu_dev **devs, size_t nd)
{
	for (size_t i = nd; i-- > 0;) {
		iommu_dev_del(devs[i]);
		iommu_dev_put(devs[i]);
	}
	free(devs);
	iommu_ctx_free(ctx);
}

static struct run one_run(size_t n)
{
	struct iommu_ctx *ctx;
	struct iommu_dev **devs;
	size_t nd;
	struct run r = { 0 };
	uint64_t t0;
	int ret;

	/* 1. IOMMU up first: every add probes and groups. */
	if ((ret = iommu_ctx_new(NULL, &ctx)))
		die("ctx", ret);
	if ((ret = iommu_driver_register(ctx, iommu_mock_driver(IOMMU_MOCK_PCI))))
		die("driver", ret);
	t0 = iu_now_ns();
	build(ctx, n, &devs, &nd);
	r.add_ns = (double)(iu_now_ns() - t0) / (double)n;
	iommu_for_each_group(ctx, count_group, &r.groups);
	t0 = iu_now_ns();
	iommu_driver_unregister(ctx, iommu_mock_driver(IOMMU_MOCK_PCI));
	teardown(ctx, devs, nd);
	r.del_ns = (double)(iu_now_ns() - t0) / (double)n;

	/* 2. Devices first, the IOMMU registers late and probes them all. */
	if ((ret = iommu_ctx_new(NULL, &ctx)))
		die("ctx", ret);
	build(ctx, n, &devs, &nd);
	t0 = iu_now_ns();
	if ((ret = iommu_driver_register(ctx, iommu_mock_driver(IOMMU_MOCK_PCI))))
		die("driver", ret);
	r.late_ns = (double)(iu_now_ns() - t0) / (double)n;
	iommu_driver_unregister(ctx, iommu_mock_driver(IOMMU_MOCK_PCI));
	teardown(ctx, devs, nd);
	return r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1000, 10000, 100000 };
	double base_add = 0, base_late = 0;
	int reps = argc > 1 ? atoi(argv[1]) : 5;
	int worst = 0;

	if (reps < 1 || reps > 100) {
		fprintf(stderr, "usage: bench_probe [repetitions 1..100]\n");
		return 2;
	}
	printf("bench_probe: device add + IOMMU probe + group, per device (median of %d runs)\n", reps);
	printf("%-8s %8s %14s %8s %16s %8s %12s\n", "devices", "groups", "add+probe ns", "ratio",
	       "late-probe ns", "ratio", "teardown ns");
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		double add[100], late[100], del[100];
		unsigned int groups = 0;

		for (int k = 0; k < reps; k++) {
			struct run r = one_run(sizes[i]);
			add[k] = r.add_ns;
			late[k] = r.late_ns;
			del[k] = r.del_ns;
			groups = r.groups;
		}
		double a = median(add, reps), l = median(late, reps), d = median(del, reps);
		if (i == 0) {
			base_add = a;
			base_late = l;
		}
		printf("%-8zu %8u %14.0f %8.2f %16.0f %8.2f %12.0f\n", sizes[i], groups, a, a / base_add,
		       l, l / base_late, d);
		if (a / base_add > 2.0 || l / base_late > 2.0)
			worst = 1;
	}
	printf("limit: per-device cost at 10^5 within 2.00x of 10^3: %s\n", worst ? "MISSED" : "met");
	return worst;
}
