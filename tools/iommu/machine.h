/* SPDX-License-Identifier: MIT */
/*
 * The built-in machine of `iommu sim`: a mixed system with two IOMMU drivers
 * (mock-pci-iommu translating PCI, mock-stream-iommu translating platform
 * devices), a PCIe hierarchy with a switch, root ports with and without ACS,
 * multifunction devices, a PCIe-to-PCI bridge with conventional devices
 * behind it, and platform devices, one of them untranslated. Also used by the
 * scenario tests and the benchmark.
 */
#ifndef IOMMU_TOOL_MACHINE_H
#define IOMMU_TOOL_MACHINE_H

#include <stdio.h>
#include "iommu/device.h"
#include "iommu/iommu.h"
#include "iommu/mem.h"

#define MACHINE_MAX_DRIVERS 8

struct machine {
	struct iommu_mem *mem;
	struct iommu_ctx *ctx;
	struct iommu_dev **devs;	/* in add order; references held */
	size_t ndevs;
	struct iommu_driver *drivers[MACHINE_MAX_DRIVERS];	/* registration order */
	size_t ndrivers;
	bool registered[MACHINE_MAX_DRIVERS];
	/* Event log, collected by the context's event callback. */
	char **log;
	size_t nlog, caplog;
	bool log_events;
};

/* Build the machine's devices and firmware; no driver is registered yet. */
int machine_create(struct machine *m, unsigned int probe_threads);
/* Register every driver, in an order shuffled by @seed. */
int machine_register_drivers(struct machine *m, uint64_t seed);
/* Unregister every driver (reverse order), delete devices, free all. */
void machine_destroy(struct machine *m);

/* Count how many endpoint drivers are bound (for checks). */
size_t machine_bound_endpoints(struct machine *m);

struct workload_result {
	uint64_t ops, bytes, faults, expected_faults, verify_errors;
	uint64_t ns;
	char fault_lines[8][160];
	unsigned int nfault_lines;
};

/* DMA through every bound endpoint, then the deliberate stray accesses. */
int machine_workload(struct machine *m, unsigned int rounds, struct workload_result *res);

#endif
