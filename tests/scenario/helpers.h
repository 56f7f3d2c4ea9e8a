/* SPDX-License-Identifier: MIT */
/* Builders for scenario tests: small machines in a few lines. */
#ifndef TEST_SCENARIO_HELPERS_H
#define TEST_SCENARIO_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "iommu/device.h"
#include "iommu/iommu.h"
#include "iommu/dma.h"
#include "iommu/mem.h"
#include "iommu/mock.h"

struct th {
	struct iommu_mem *mem;
	struct iommu_ctx *ctx;
};

void th_init(struct th *t, unsigned int threads);
void th_fini(struct th *t);

/*
 * A platform device with a firmware node of the same name. With @add it is
 * added and the caller holds no reference (the model does); without, the
 * caller holds the creation reference until th_add().
 */
struct iommu_dev *th_plat(struct th *t, const char *name, const char *compat,
			  struct iommu_dev *parent, bool add);
/* Add a device made with add = false and drop the caller's reference. */
void th_add(struct iommu_dev *dev);
/* An IOMMU platform device of a mock variant. */
struct iommu_dev *th_iommu(struct th *t, const char *name, enum iommu_mock_variant v);

struct th_pci {
	uint8_t bus, slot, fn;
	int8_t type;
	bool mf, acs;
	uint8_t sec;
	uint32_t class_code;
	uint16_t vendor, device;
};
/* A PCI function named DDDD:BB:DD.F below @parent. */
struct iommu_dev *th_pci_new(struct th *t, struct iommu_dev *parent, const struct th_pci *p,
			     bool add);

/* A host bridge with an identity RID -> ID map on @iommu_name. */
struct iommu_dev *th_host(struct th *t, const char *name, const char *iommu_name);

/*
 * The partition of the context's groups as text: each group's member names
 * sorted and joined by ' ', groups sorted and joined by " | ". Caller frees.
 */
char *th_partition(struct iommu_ctx *ctx);

/* Name of the group's first ... helpers */
unsigned int th_group_count(struct iommu_ctx *ctx);

/* A trivial endpoint driver for platform (compatible "test,ep") and PCI (any non-bridge). */
extern struct iommu_driver th_ep_plat_driver, th_ep_pci_driver;

#endif
