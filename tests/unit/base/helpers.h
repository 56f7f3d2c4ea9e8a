/* SPDX-License-Identifier: MIT */
/* Shared fixtures of the device-model unit tests: scripted drivers, a log, events. */
#ifndef TEST_BASE_HELPERS_H
#define TEST_BASE_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "iommu/device.h"
#include "base/base.h"
#include "util/util.h"
#include "util/lock.h"

/*
 * A scripted driver. probe() returns IOMMU_EPROBE_DEFER while defer_left > 0
 * (counting down), then probe_ret. Probes and removes are written to the log
 * as "p:<drv>:<dev>" / "r:<drv>:<dev>".
 */
struct tdrv {
	struct iommu_driver drv;
	int probe_ret;
	int defer_left;
	bool defer_forever;		/* always defer */
	bool negative_defer;		/* return -IOMMU_EPROBE_DEFER */
	unsigned int probe_delay_us;	/* sleep in probe (races) */
	unsigned int nprobe, nremove;	/* atomic */
	/* Optional hook run inside probe() before returning, with the device lock held. */
	int (*hook)(struct tdrv *t, struct iommu_dev *dev);
	void *hook_arg;
};

#define NTDRV 8
extern struct tdrv tdrvs[NTDRV];

/* Reset tdrvs[i] to a driver named @name on @bus that binds (probe returns 0). */
struct tdrv *tdrv_init(int i, const char *name, const struct iommu_bus_type *bus,
		       const char *const *compatible);

/* The test log: space-separated words, thread safe. */
void tlog_reset(void);
void tlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *tlog_get(void);

/* Event recorder: lines "EV dev detail" for device-model events, in order. */
void tev_reset(void);
void tev_attach(struct iommu_ctx *ctx);
const char *tev_get(void);
unsigned int tev_count(enum iommu_event_type type);

struct iommu_ctx *tctx_new(unsigned int threads);
struct iommu_dev *tdev_new(struct iommu_ctx *ctx, const char *name,
			   struct iommu_dev *parent, const char *compatible);
struct iommu_dev *tdev_add(struct iommu_ctx *ctx, const char *name,
			   struct iommu_dev *parent, const char *compatible);
struct iommu_dev *tpci_add(struct iommu_ctx *ctx, const char *name, struct iommu_dev *parent,
			   uint16_t vendor, uint16_t device, uint32_t class_code);

/* Setup/teardown: records the allocation and lock-checker baselines, checks them after. */
int tbase_setup(void **state);
int tbase_teardown(void **state);

#endif
