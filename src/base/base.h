/* SPDX-License-Identifier: MIT */
/*
 * Internal view of the device model, shared by src/base (which owns it) and
 * src/core (the IOMMU core, which hangs its per-device state off it).
 *
 * Locking:
 *  - ctx->lock (leaf rank) protects every list of the context: devices,
 *    drivers, buses, notifiers, fwnodes, the deferred list, every device's
 *    link lists. Nothing is taken under it. dev->state and dev->driver
 *    change under both ctx->lock and dev->lock: either one reads them.
 *  - ctx->event_lock ranks below every leaf (IU_RANK_LEAF + 1): base_event()
 *    may be called with any lock of the library held, ctx->lock included.
 *  - dev->lock (device rank, nestable) serialises probe and remove of that
 *    device: dev->driver and dev->drvdata change only under it. The device
 *    model takes it through iommu_dev_lock(), whose nesting depth is the
 *    number of device locks the thread already holds that way (a child added
 *    from its parent's probe() is probed at depth 1, say).
 *  - Fields marked "atomic" are written under the lock named and may be read
 *    without any lock (__atomic_load_n), as the public accessors do.
 *  - dev->iommu belongs to the IOMMU core; see src/core/core.h.
 */
#ifndef IU_BASE_H
#define IU_BASE_H

#include <pthread.h>
#include "iommu/device.h"
#include "util/util.h"
#include "util/lock.h"

enum dev_state {
	DEV_NEW,		/* created, not added */
	DEV_PRESENT,		/* added */
	DEV_DYING,		/* iommu_dev_del() in progress */
	DEV_DEAD,		/* deleted */
};

struct dev_iommu;		/* IOMMU-core state of a device (src/core) */
struct iommu_core;		/* IOMMU-core state of a context (src/core) */

/* An entry of a name table (unique names: devices, firmware nodes). */
struct base_name {
	struct iu_list node;	/* hash chain */
	const char *name;
};

struct base_names {
	struct iu_list *buckets;	/* power-of-two count */
	size_t nbuckets, count;
};

struct iommu_fwnode {
	struct iu_list node;	/* ctx->fwnodes */
	struct base_name hname;	/* ctx->fwnode_names */
	struct iommu_ctx *ctx;
	char *name;
};

/*
 * A link lives on both ends' lists until either end is deleted or its count
 * drops to 0. A link removed with an end while callers still hold counts
 * moves to ctx->dead_links, so that their iommu_link_del() stays valid.
 */
struct iommu_link {
	struct iu_list c_node;	/* in consumer->suppliers, or ctx->dead_links */
	struct iu_list s_node;	/* in supplier->consumers */
	struct iommu_dev *consumer, *supplier;	/* each holds a reference; NULL once dead */
	struct iommu_ctx *ctx;
	unsigned int count;	/* ctx->lock */
	bool dead;		/* ctx->lock */
};

struct iommu_dev {
	struct iommu_ctx *ctx;
	char *name;
	char *compatible;
	const struct iommu_bus_type *bus;
	struct iommu_dev *parent;	/* holds a reference on the parent */
	struct iommu_fwnode *fwnode;
	bool is_pci;
	struct iommu_pci_info pci;

	unsigned long refcount;		/* atomic */
	struct iu_mutex lock;		/* the device lock */
	/* Changed with dev->lock and ctx->lock both held, so either one reads it; atomic */
	enum dev_state state;
	uint64_t seq;			/* add order, for deterministic walks */

	/* Changed with dev->lock and ctx->lock both held, so either one reads it; atomic */
	const struct iommu_driver *driver;
	void *drvdata;				/* dev->lock */
	bool deferred;			/* ctx->lock: on a deferred list; atomic */
	bool probe_failed;		/* ctx->lock: a driver gave up on it; atomic */

	struct iu_list node;		/* ctx->devices (ctx->lock) */
	struct iu_list deferred_node;	/* ctx->deferred or a retry pass (ctx->lock) */
	struct iu_list suppliers;	/* struct iommu_link.c_node (ctx->lock) */
	struct iu_list consumers;	/* struct iommu_link.s_node (ctx->lock) */

	/* Below: private to src/base, all under ctx->lock unless said otherwise. */
	struct base_name hname;		/* ctx->dev_names while added */
	struct iu_list children;	/* added children, in add order */
	struct iu_list child_node;	/* parent->children */
	struct iu_list bound_node;	/* drv_entry.bound while bound */
	struct iu_list work_node;	/* ctx->work while a probe is queued */
	unsigned int nsuppliers, nconsumers;	/* live links; atomic */
	unsigned int unbinding;		/* releases in progress: consumers must not probe */
	bool probing;			/* between the supplier check and the bind */
	bool adding;			/* iommu_dev_add() still running the notifiers */
	bool work_queued;		/* on ctx->work (holds a reference) */

	struct dev_iommu *iommu;	/* owned by the IOMMU core */
};

struct bus_entry {
	struct iu_list node;
	const struct iommu_bus_type *bus;
};

/*
 * One registration of a driver. An unregistered entry leaves ctx->drivers at
 * once but lives until no walk uses it (users) and nothing is bound to it.
 */
struct drv_entry {
	struct iu_list node;		/* ctx->drivers (ctx->lock) */
	struct iommu_driver *drv;
	uint64_t seq;			/* registration order */
	unsigned int users;		/* probe walks using it (ctx->lock) */
	bool unlinked;			/* unregistered (ctx->lock) */
	struct iu_list bound;		/* struct iommu_dev.bound_node (ctx->lock) */
};

struct iommu_ctx {
	struct iu_mutex lock;		/* leaf: all lists below */
	struct iu_list devices;		/* struct iommu_dev.node, in add order */
	struct iu_list drivers;		/* struct drv_entry, in registration order */
	struct iu_list buses;		/* struct bus_entry */
	/* Registered notifiers, in order, chained through priv_link[0] (next), [1] (prev). */
	struct iommu_notifier *notifiers, *notifiers_tail;
	struct iu_list fwnodes;
	struct iu_list deferred;	/* struct iommu_dev.deferred_node, in defer order */
	struct iu_list dead_links;	/* struct iommu_link.c_node (see iommu_link) */
	struct base_names dev_names, fwnode_names;
	size_t ndevices;		/* on ctx->devices */
	uint64_t next_seq, next_drv_seq;
	struct iommu_mem *mem;

	/* Waiters for adding, DYING children, notifier calls, driver entries (ctx->lock). */
	pthread_cond_t state_cv;
	unsigned int notifier_calls;	/* notifier callbacks running */

	/* Deferred-probe retry (ctx->lock); see base/probe.c. */
	bool retry_requested;		/* a bind (or a trigger) since the last pass began */
	bool retrying;			/* a thread runs the synchronous retry loop */
	bool teardown;			/* iommu_ctx_free(): no more retries */

	struct iu_mutex event_lock;	/* innermost: serialises the callback */
	iommu_event_fn event_fn;	/* event_lock */
	void *event_arg;

	/* Thread-pool probing (probe_threads > 0); see base/pool.c. */
	unsigned int nthreads;
	pthread_t *threads;
	pthread_cond_t work_cv, idle_cv;
	struct iu_list work;		/* struct iommu_dev.work_node (ctx->lock) */
	bool retry_queued;		/* a retry pass is queued (ctx->lock) */
	unsigned int busy;		/* workers running an item (ctx->lock) */
	bool stopping;

	struct iommu_core *core;	/* owned by the IOMMU core */
};

/*
 * Report an event to the context's callback (if any). Any lock may be held;
 * calls are serialised, so the callback sees events in order.
 */
void base_event(struct iommu_ctx *ctx, enum iommu_event_type type,
		const struct iommu_dev *dev, const char *detail, int err);

/* Upcalls into the IOMMU core (src/core), made by the device model. */
int core_ctx_init(struct iommu_ctx *ctx);		/* at iommu_ctx_new() */
void core_ctx_fini(struct iommu_ctx *ctx);		/* at iommu_ctx_free(), devices gone */
/*
 * Before @drv's probe() of @dev, with the device lock held: make sure the
 * device is translated as firmware says. Returns 0, IOMMU_EPROBE_DEFER when
 * its IOMMU is not registered yet (the core reports that DEFER event itself),
 * or another negative errno (the probe fails).
 */
int core_dma_configure(struct iommu_dev *dev, const struct iommu_driver *drv);
/* After @drv's remove() or failed probe() of @dev, device lock held. */
void core_dma_cleanup(struct iommu_dev *dev, const struct iommu_driver *drv);

/* Device-model internals other layers use. */
bool base_dev_is_bound(const struct iommu_dev *dev);	/* takes no lock */
/*
 * Snapshot of present devices in add order, each with a reference; free with
 * base_put_array. Returns 0 or -ENOMEM. Takes ctx->lock only.
 */
int base_snapshot(struct iommu_ctx *ctx, struct iommu_dev ***devs, size_t *n);
void base_put_array(struct iommu_dev **devs, size_t n);
/*
 * Kick the deferred-probe retry (after an IOMMU registered, say). Call it
 * without locks of the core held. From inside a driver or notifier callback
 * it only records the request: the outermost device-model call on the thread
 * runs the retry before it returns (synchronous mode); with a thread pool the
 * retry is queued.
 */
void base_trigger_deferred(struct iommu_ctx *ctx);

#endif
