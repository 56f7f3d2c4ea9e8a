/* SPDX-License-Identifier: MIT */
/*
 * Private to src/base: helpers the files of the device model share.
 * Nothing here is visible to the IOMMU core (that is base.h).
 */
#ifndef IU_BASE_PRIV_H
#define IU_BASE_PRIV_H

#include "base.h"

/* Internal result of base_driver_probe(): the device or driver went away. */
#define BASE_PROBE_SKIP	1

/*
 * Per-thread nesting: callbacks out of the device model (driver probe and
 * remove, notifiers, core upcalls) running on this thread, notifier callbacks
 * among them, and device locks taken through iommu_dev_lock(). The
 * synchronous deferred retry only runs when all are zero, so it never probes
 * a device under another device's lock or inside a callback.
 */
extern __thread unsigned int base_cb_depth;
extern __thread unsigned int base_notify_depth;
extern __thread unsigned int base_dev_lock_depth;
/* The context whose pool this thread works for, or NULL. */
extern __thread struct iommu_ctx *base_worker_ctx;

/* names.c: unique-name hash tables. */
int base_names_init(struct base_names *t, size_t nbuckets);
void base_names_fini(struct base_names *t);
struct base_name *base_names_find(const struct base_names *t, const char *name);
void base_names_add(struct base_names *t, struct base_name *e, const char *name);
void base_names_del(struct base_names *t, struct base_name *e);

/* bus.c */
bool base_bus_known_locked(const struct iommu_ctx *ctx, const struct iommu_bus_type *bus);
bool base_bus_match(struct iommu_dev *dev, const struct iommu_driver *drv);
int base_bus_add(struct iommu_ctx *ctx, const struct iommu_bus_type *bus);
void base_buses_free(struct iommu_ctx *ctx);

/* notifier.c */
void base_notify(struct iommu_ctx *ctx, enum iommu_bus_action action, struct iommu_dev *dev);
void base_notifiers_forget(struct iommu_ctx *ctx);

/* fwnode.c */
void base_fwnodes_free(struct iommu_ctx *ctx);

/* driver.c */
void base_entry_put_locked(struct iommu_ctx *ctx, struct drv_entry *e);
void base_drivers_free(struct iommu_ctx *ctx);

/* link.c */
void base_links_remove(struct iommu_dev *dev);
void base_dead_links_free(struct iommu_ctx *ctx);

/* probe.c */
int base_driver_probe(struct iommu_dev *dev, struct drv_entry *e);
int base_attach(struct iommu_dev *dev);
bool base_release(struct iommu_dev *dev);
void base_defer_locked(struct iommu_dev *dev);
void base_undefer_locked(struct iommu_dev *dev);
void base_request_retry(struct iommu_ctx *ctx);
void base_retry_flush(struct iommu_ctx *ctx);
void base_retry_pass(struct iommu_ctx *ctx);

/* pool.c */
int base_pool_start(struct iommu_ctx *ctx, unsigned int n);
void base_pool_stop(struct iommu_ctx *ctx);
void base_pool_queue_probe(struct iommu_dev *dev);
void base_pool_queue_retry_locked(struct iommu_ctx *ctx);

/* Lock-free reads and writes of the fields marked "atomic" in base.h. */
#define BASE_LOAD(x)		__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define BASE_STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

#endif
