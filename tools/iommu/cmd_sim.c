// SPDX-License-Identifier: MIT
/*
 * iommu sim: boot the built-in machine with its drivers loaded in a seeded
 * random order, show what the IOMMU core decided, and run DMA through it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "machine.h"
#include "iommu/driver.h"
#include "util/json.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: iommu sim [--seed N] [--rounds N] [--json]\n"
		"\n"
		"Boot the built-in machine (two IOMMU drivers, a PCIe switch, root ports\n"
		"with and without ACS, multifunction devices, a PCIe-to-PCI bridge and\n"
		"platform devices), register its drivers in an order shuffled by the seed,\n"
		"print IOMMUs, devices, groups and default domains, then run a DMA\n"
		"workload including deliberate stray accesses that must fault.\n"
		"\n"
		"  --seed N     driver registration order (default 1)\n"
		"  --rounds N   DMA rounds per endpoint (default 64, at most 100000)\n"
		"  --json       machine-readable output\n");
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

struct dev_row {
	const char *name, *bus, *driver, *iommu;
	uint32_t ids[IOMMU_FW_MAX_IDS];
	int nids;
	int group;			/* -1: none */
	bool deferred, failed;
};

static void dev_row(struct iommu_dev *dev, struct dev_row *r)
{
	const struct iommu_driver *drv = iommu_dev_driver(dev);
	struct iommu_device *mmu = iommu_dev_iommu(dev);
	struct iommu_group *g = iommu_group_get(dev);

	r->name = iommu_dev_name(dev);
	r->bus = iommu_dev_bus(dev)->name;
	r->driver = drv ? drv->name : NULL;
	r->iommu = mmu ? iommu_device_name(mmu) : NULL;
	r->nids = iommu_dev_ids(dev, r->ids, IOMMU_FW_MAX_IDS);
	r->group = g ? (int)iommu_group_id(g) : -1;
	r->deferred = iommu_dev_is_deferred(dev);
	r->failed = iommu_dev_probe_failed(dev);
	iommu_group_put(g);
}

static bool is_iommu_dev(struct machine *m, struct iommu_dev *dev)
{
	(void)m;
	return iommu_dev_compatible(dev) && strstr(iommu_dev_compatible(dev), "mock-");
}

struct group_ctx {
	struct iu_json *j;
	FILE *f;
};

static int print_member(struct iommu_dev *dev, void *arg)
{
	struct group_ctx *gc = arg;

	if (gc->j)
		iu_json_str(gc->j, NULL, iommu_dev_name(dev));
	else
		fprintf(gc->f, " %s", iommu_dev_name(dev));
	return 0;
}

static int print_group(struct iommu_group *g, void *arg)
{
	struct group_ctx *gc = arg;
	struct iommu_domain *d = iommu_group_domain(g);
	struct iommu_domain *def = iommu_group_default_domain(g);

	if (gc->j) {
		iu_json_obj_begin(gc->j, NULL);
		iu_json_u64(gc->j, "id", iommu_group_id(g));
		iu_json_str(gc->j, "iommu", iommu_device_name(iommu_group_iommu(g)));
		iu_json_arr_begin(gc->j, "devices");
		iommu_group_for_each_dev(g, print_member, gc);
		iu_json_arr_end(gc->j);
		iu_json_str(gc->j, "domain", d ? iommu_domain_type_name(iommu_domain_type(d)) : NULL);
		iu_json_str(gc->j, "default_domain",
			    def ? iommu_domain_type_name(iommu_domain_type(def)) : NULL);
		iu_json_str(gc->j, "reason", iommu_group_reason(g));
		iu_json_obj_end(gc->j);
		return 0;
	}
	fprintf(gc->f, "  group %-3u %-15s %-9s", iommu_group_id(g),
		iommu_device_name(iommu_group_iommu(g)),
		d ? iommu_domain_type_name(iommu_domain_type(d)) : "-");
	iommu_group_for_each_dev(g, print_member, gc);
	fprintf(gc->f, "\n            why: %s\n", iommu_group_reason(g));
	return 0;
}

struct iommu_counts {
	struct iommu_device *mmu;
	unsigned int groups, devices;
};

static int count_for_iommu(struct iommu_group *g, void *arg)
{
	struct iommu_counts *c = arg;

	if (iommu_group_iommu(g) == c->mmu) {
		c->groups++;
		c->devices += iommu_group_count(g);
	}
	return 0;
}

static int print_iommu(struct iommu_device *mmu, void *arg)
{
	struct group_ctx *gc = arg;
	struct iommu_counts c = { mmu, 0, 0 };

	iommu_for_each_group(iommu_dev_ctx(iommu_device_dev(mmu)), count_for_iommu, &c);

	if (gc->j) {
		iu_json_obj_begin(gc->j, NULL);
		iu_json_str(gc->j, "name", iommu_device_name(mmu));
		iu_json_str(gc->j, "driver", iommu_device_driver_name(mmu));
		iu_json_u64(gc->j, "devices", c.devices);
		iu_json_u64(gc->j, "groups", c.groups);
		iu_json_obj_end(gc->j);
	} else {
		fprintf(gc->f, "  %-18s driver %-18s %2u devices in %2u groups\n", iommu_device_name(mmu),
			iommu_device_driver_name(mmu), c.devices, c.groups);
	}
	return 0;
}

static void print_text(struct machine *m, uint64_t seed, const struct workload_result *w)
{
	struct group_ctx gc = { NULL, stdout };
	struct iommu_stats st;

	printf("iommu sim: built-in machine, seed %" PRIu64 "\n\n", seed);
	printf("Driver load order:");
	for (size_t i = 0; i < m->ndrivers; i++)
		printf(" %s", m->drivers[i]->name);
	printf("\n\nIOMMUs\n");
	iommu_for_each_device(m->ctx, print_iommu, &gc);

	printf("\nProbe log (what the core and the drivers did, in order)\n");
	for (size_t i = 0; i < m->nlog; i++)
		printf("  %3zu  %s\n", i + 1, m->log[i]);

	printf("\nDevices\n  %-18s %-9s %-12s %-15s %-14s %s\n", "name", "bus", "driver",
	       "iommu", "ids", "group");
	for (size_t i = 0; i < m->ndevs; i++) {
		struct dev_row r;
		char ids[64] = "-", grp[16] = "-";

		if (is_iommu_dev(m, m->devs[i]) || !strcmp(iommu_dev_name(m->devs[i]), "pcie@40000000"))
			continue;
		dev_row(m->devs[i], &r);
		if (r.nids > 0) {
			size_t l = 0;
			for (int k = 0; k < r.nids && k < IOMMU_FW_MAX_IDS; k++)
				l += snprintf(ids + l, sizeof(ids) - l, "%s0x%x", k ? "," : "", r.ids[k]);
		}
		if (r.group >= 0)
			snprintf(grp, sizeof(grp), "%d", r.group);
		printf("  %-18s %-9s %-12s %-15s %-14s %s%s\n", r.name, r.bus,
		       r.driver ? r.driver : r.deferred ? "(deferred)" : r.failed ? "(failed)" : "-",
		       r.iommu ? r.iommu : "(none)", ids, grp,
		       r.iommu ? "" : "   untranslated: DMA reaches memory directly");
	}

	printf("\nGroups (domain = attached now; why = the isolation rule that applied)\n");
	iommu_for_each_group(m->ctx, print_group, &gc);

	iommu_ctx_stats(m->ctx, &st);
	printf("\nDMA workload\n");
	printf("  ops %" PRIu64 ", bytes %" PRIu64 ", faults %" PRIu64 " (expected %" PRIu64
	       "), verify errors %" PRIu64 "\n", w->ops, w->bytes, w->faults, w->expected_faults,
	       w->verify_errors);
	printf("  time %.3f ms, %.1f MB/s, %.0f ns/op\n", w->ns / 1e6,
	       w->ns ? w->bytes * 1e3 / w->ns : 0.0, w->ops ? (double)w->ns / w->ops : 0.0);
	printf("  maps %" PRIu64 ", unmaps %" PRIu64 ", IOTLB syncs %" PRIu64 ", flush-all %" PRIu64 "\n",
	       st.maps, st.unmaps, st.iotlb_syncs, st.iotlb_flush_all);
	for (unsigned int i = 0; i < w->nfault_lines; i++)
		printf("  fault: %s\n", w->fault_lines[i]);
	printf("\n%s\n", w->faults == w->expected_faults && !w->verify_errors
	       ? "OK: every access reached exactly what was mapped, with the permissions mapped."
	       : "FAILED: DMA isolation did not hold.");
}

static void print_json(struct machine *m, uint64_t seed, const struct workload_result *w)
{
	struct iu_json j;
	struct group_ctx gc = { &j, NULL };

	iu_json_init(&j, stdout);
	iu_json_obj_begin(&j, NULL);
	iu_json_str(&j, "schema", "iommu-sim/1");
	iu_json_u64(&j, "seed", seed);
	iu_json_arr_begin(&j, "driver_order");
	for (size_t i = 0; i < m->ndrivers; i++)
		iu_json_str(&j, NULL, m->drivers[i]->name);
	iu_json_arr_end(&j);
	iu_json_arr_begin(&j, "iommus");
	iommu_for_each_device(m->ctx, print_iommu, &gc);
	iu_json_arr_end(&j);
	iu_json_arr_begin(&j, "devices");
	for (size_t i = 0; i < m->ndevs; i++) {
		struct dev_row r;

		dev_row(m->devs[i], &r);
		iu_json_obj_begin(&j, NULL);
		iu_json_str(&j, "name", r.name);
		iu_json_str(&j, "bus", r.bus);
		iu_json_str(&j, "driver", r.driver);
		iu_json_bool(&j, "deferred", r.deferred);
		iu_json_bool(&j, "probe_failed", r.failed);
		iu_json_str(&j, "iommu", r.iommu);
		iu_json_arr_begin(&j, "ids");
		for (int k = 0; k < r.nids && k < IOMMU_FW_MAX_IDS; k++)
			iu_json_u64(&j, NULL, r.ids[k]);
		iu_json_arr_end(&j);
		if (r.group >= 0)
			iu_json_u64(&j, "group", (uint64_t)r.group);
		else
			iu_json_null(&j, "group");
		iu_json_obj_end(&j);
	}
	iu_json_arr_end(&j);
	iu_json_arr_begin(&j, "groups");
	iommu_for_each_group(m->ctx, print_group, &gc);
	iu_json_arr_end(&j);
	iu_json_arr_begin(&j, "events");
	for (size_t i = 0; i < m->nlog; i++)
		iu_json_str(&j, NULL, m->log[i]);
	iu_json_arr_end(&j);
	iu_json_obj_begin(&j, "dma");
	iu_json_u64(&j, "ops", w->ops);
	iu_json_u64(&j, "bytes", w->bytes);
	iu_json_u64(&j, "faults", w->faults);
	iu_json_u64(&j, "expected_faults", w->expected_faults);
	iu_json_u64(&j, "verify_errors", w->verify_errors);
	iu_json_u64(&j, "ns", w->ns);
	iu_json_obj_end(&j);
	iu_json_obj_end(&j);
	iu_json_end(&j);
}

int cmd_sim(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t seed = 1, rounds = 64;
	bool json = false;
	struct machine m;
	struct workload_result w;
	int c, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!parse_u64(optarg, UINT64_MAX, &seed)) {
				fprintf(stderr, "iommu sim: --seed wants a non-negative integer, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'r':
			if (!parse_u64(optarg, 100000, &rounds)) {
				fprintf(stderr, "iommu sim: --rounds wants an integer from 0 to 100000, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "iommu sim: unknown or incomplete option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "iommu sim: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}

	ret = machine_create(&m, 0);
	if (ret) {
		fprintf(stderr, "iommu sim: cannot build the machine: %s\n", iommu_strerror(ret));
		return 1;
	}
	ret = machine_register_drivers(&m, seed);
	if (ret) {
		fprintf(stderr, "iommu sim: driver registration failed: %s\n", iommu_strerror(ret));
		machine_destroy(&m);
		return 1;
	}
	m.log_events = false;
	ret = machine_workload(&m, (unsigned int)rounds, &w);
	if (ret) {
		fprintf(stderr, "iommu sim: DMA workload failed: %s\n", iommu_strerror(ret));
		machine_destroy(&m);
		return 1;
	}
	if (json)
		print_json(&m, seed, &w);
	else
		print_text(&m, seed, &w);
	ret = (w.faults == w.expected_faults && !w.verify_errors) ? 0 : 1;
	machine_destroy(&m);
	return ret;
}
