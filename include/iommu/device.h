/* SPDX-License-Identifier: MIT */
/*
 * libiommu - the device model: contexts, buses, devices, drivers, probe
 * deferral, device links and bus notifiers.
 *
 * A context (struct iommu_ctx) is one modelled machine. Devices sit on a bus
 * type (platform, PCI, or one the user registers), have a parent, a firmware
 * node and a reference count. Drivers bind to matching devices; a probe that
 * returns IOMMU_EPROBE_DEFER is retried whenever another driver binds, for as
 * long as the device exists: there is no "give up at the end of boot", since a
 * supplier may still be loaded (as a module) at any time.
 *
 * Device links order suppliers and consumers: a consumer probes only after
 * every supplier is bound, and unbinding a supplier first unbinds its
 * consumers. A link disappears with either end.
 *
 * Probing is synchronous and deterministic by default: devices probe in the
 * order they are added, deferred devices retry in the order they deferred.
 * With iommu_ctx_opts.probe_threads > 0, probes run on a thread pool (to
 * expose races in tests); iommu_ctx_settle() waits for them.
 *
 * Locking (the one lock order of the library, see docs/architecture.md):
 *   device lock -> IOMMU probe lock -> group mutex -> domain lock -> leaf locks.
 * A driver's probe() and remove() run with the device lock held. Bus notifier
 * callbacks run without the device's lock held (a device added from its
 * parent's probe() is announced under the parent's), and the DEL_DEVICE
 * ones never start before the ADD_DEVICE ones of the same device finished.
 *
 * Lifetimes: iommu_dev_new() returns a device holding one reference, owned by
 * the caller; iommu_dev_add() makes the model take its own reference while the
 * device is present; iommu_dev_del() drops it. The caller still releases its
 * reference with iommu_dev_put().
 *
 * Thread safety: every function may be called from any thread, as long as the
 * caller holds a reference to each device it passes in. The accessors
 * (iommu_dev_name() ... iommu_dev_consumer_count()) take no lock and return
 * a snapshot.
 */
#ifndef IOMMU_DEVICE_H
#define IOMMU_DEVICE_H

#include "iommu/common.h"
#include "iommu/pci.h"

#ifdef __cplusplus
extern "C" {
#endif

struct iommu_ctx;
struct iommu_dev;
struct iommu_fwnode;
struct iommu_link;
struct iommu_mem;

/* ------------------------------------------------------------------ */
/* Contexts                                                           */

struct iommu_ctx_opts {
	unsigned int probe_threads;	/* 0: synchronous (default); at most 64 */
	struct iommu_mem *mem;		/* RAM of the machine, or NULL (borrowed) */
	uint32_t flags;			/* none defined yet: must be 0 */
};

/**
 * iommu_ctx_new() - create an empty machine.
 * @opts: options, or NULL for the defaults.
 * @out: receives the context; the caller owns it (iommu_ctx_free()).
 *
 * Return: 0, -EINVAL (NULL @out, unknown flags, too many threads), -ENOMEM,
 * -EAGAIN (a probe thread could not be started).
 */
IOMMU_EXPORT int iommu_ctx_new(const struct iommu_ctx_opts *opts, struct iommu_ctx **out);

/**
 * iommu_ctx_free() - tear a machine down: every device is deleted (children
 * before parents, consumers unbound before suppliers), every driver is
 * unregistered, then the context is freed. NULL is a no-op. The caller must
 * not hold device references beyond this point except ones it then puts.
 */
IOMMU_EXPORT void iommu_ctx_free(struct iommu_ctx *ctx);

/** iommu_ctx_mem() - the RAM model given at creation, or NULL. */
IOMMU_EXPORT struct iommu_mem *iommu_ctx_mem(const struct iommu_ctx *ctx);

/**
 * iommu_ctx_settle() - wait until no probe is running or queued (thread-pool
 * mode). In synchronous mode, and when called from a probe thread of @ctx
 * (a driver callback), it returns at once. Devices still deferred stay
 * deferred: they wait for a supplier, not for time.
 */
IOMMU_EXPORT void iommu_ctx_settle(struct iommu_ctx *ctx);

/* ------------------------------------------------------------------ */
/* Events, for logs and for `iommu sim`                               */

enum iommu_event_type {
	IOMMU_EV_DEV_ADD,		/* device added to its bus */
	IOMMU_EV_DEV_DEL,		/* device deleted */
	IOMMU_EV_BOUND,			/* driver bound (detail: driver name) */
	IOMMU_EV_UNBOUND,		/* driver unbound (detail: driver name) */
	IOMMU_EV_DEFER,			/* probe deferred (detail: reason) */
	IOMMU_EV_PROBE_FAIL,		/* probe failed (err set) */
	IOMMU_EV_IOMMU_PROBE,		/* device probed into the IOMMU layer (detail: IOMMU) */
	IOMMU_EV_IOMMU_RELEASE,		/* device released from the IOMMU layer */
	IOMMU_EV_IOMMU_REGISTER,	/* IOMMU instance registered (detail: name) */
	IOMMU_EV_IOMMU_UNREGISTER,
	IOMMU_EV_GROUP,			/* device joined a group (detail: reason) */
	IOMMU_EV_LINK,			/* device link created (detail: supplier) */
	IOMMU_EV_FAULT,			/* DMA fault reported (detail: text) */
	IOMMU_EV_NOTE,			/* anything else worth a line */
};

struct iommu_event {
	enum iommu_event_type type;
	const char *dev;		/* device name, or NULL */
	const char *detail;		/* valid only during the callback */
	int err;
};

typedef void (*iommu_event_fn)(void *arg, const struct iommu_event *ev);

/**
 * iommu_ctx_set_event_cb() - receive every event of the machine, in order.
 * The callback runs with model locks held: it must not call back into the
 * library. Pass NULL to stop. Return: 0, -EINVAL for a NULL @ctx.
 */
IOMMU_EXPORT int iommu_ctx_set_event_cb(struct iommu_ctx *ctx, iommu_event_fn fn, void *arg);

/* ------------------------------------------------------------------ */
/* Firmware nodes                                                     */

/**
 * iommu_fwnode_new() - a firmware node (a DT node, an ACPI object, or a
 * programmatic one): what firmware descriptions refer to devices and IOMMUs
 * by. Owned by the context and freed with it.
 * @name: a unique name, copied (e.g. "/soc/iommu@ff650800").
 *
 * Return: 0, -EINVAL (NULL or empty argument), -EEXIST (name taken), -ENOMEM.
 */
IOMMU_EXPORT int iommu_fwnode_new(struct iommu_ctx *ctx, const char *name,
				  struct iommu_fwnode **out);

/** iommu_fwnode_find() - the node of that name, or NULL. */
IOMMU_EXPORT struct iommu_fwnode *iommu_fwnode_find(struct iommu_ctx *ctx, const char *name);

/** iommu_fwnode_name() - its name ("" for NULL). */
IOMMU_EXPORT const char *iommu_fwnode_name(const struct iommu_fwnode *fw);

/* ------------------------------------------------------------------ */
/* Buses                                                              */

struct iommu_driver;

struct iommu_bus_type {
	const char *name;
	/* Does @drv handle @dev? NULL: match by driver name == compatible. */
	bool (*match)(struct iommu_dev *dev, const struct iommu_driver *drv);
};

/* The built-in buses: platform (match by compatible) and PCI (match by ID). */
IOMMU_EXPORT extern const struct iommu_bus_type iommu_platform_bus;
IOMMU_EXPORT extern const struct iommu_bus_type iommu_pci_bus;

/**
 * iommu_bus_register() - make a further bus type known to the context
 * (platform and PCI are always known). The struct is borrowed and must
 * outlive the context.
 *
 * Return: 0, -EINVAL (NULL or unnamed), -EEXIST (already registered), -ENOMEM.
 */
IOMMU_EXPORT int iommu_bus_register(struct iommu_ctx *ctx, const struct iommu_bus_type *bus);

/* ------------------------------------------------------------------ */
/* Devices                                                            */

struct iommu_dev_info {
	const char *name;		/* unique in the context; copied */
	const struct iommu_bus_type *bus;	/* a registered bus type */
	struct iommu_dev *parent;	/* NULL for a root device */
	struct iommu_fwnode *fwnode;	/* NULL if firmware does not describe it */
	const char *compatible;		/* platform match string, or NULL; copied */
	const struct iommu_pci_info *pci;	/* required on the PCI bus; copied */
};

/**
 * iommu_dev_new() - create a device, not yet visible.
 *
 * Return: 0, -EINVAL (NULL arguments, no name, unknown bus, PCI bus without
 * @pci, parent from another context or not added (or deleted), fwnode from
 * another context), -ENOMEM.
 */
IOMMU_EXPORT int iommu_dev_new(struct iommu_ctx *ctx, const struct iommu_dev_info *info,
			       struct iommu_dev **out);

/**
 * iommu_dev_add() - add a device to its bus: the bus notifiers run (the IOMMU
 * core probes it into the IOMMU layer), then a matching driver probes it.
 *
 * Return: 0 (also when no driver matched or the probe deferred or failed: the
 * device is present either way), -EINVAL (NULL, already added or deleted),
 * -EEXIST (name taken), -ENODEV (parent deleted meanwhile).
 */
IOMMU_EXPORT int iommu_dev_add(struct iommu_dev *dev);

/**
 * iommu_dev_del() - remove a device (hot-unplug): its children are deleted
 * first, its consumers unbound, its driver unbound, the notifiers run, its
 * links are removed. The caller's reference stays valid.
 *
 * Return: 0, -EINVAL (NULL or never added), -ENODEV (already deleted).
 */
IOMMU_EXPORT int iommu_dev_del(struct iommu_dev *dev);

/** iommu_dev_get() / iommu_dev_put() - reference counting; put(NULL) is a no-op. */
IOMMU_EXPORT struct iommu_dev *iommu_dev_get(struct iommu_dev *dev);
IOMMU_EXPORT void iommu_dev_put(struct iommu_dev *dev);

/**
 * iommu_dev_find() - look a present device up by name.
 * Return: a new reference (the caller puts it), or NULL.
 */
IOMMU_EXPORT struct iommu_dev *iommu_dev_find(struct iommu_ctx *ctx, const char *name);

/**
 * iommu_dev_for_each() - call @fn on every present device, in the order they
 * were added, until it returns non-zero (that value is returned). Runs on a
 * snapshot: @fn may add or delete devices (a device of the snapshot deleted
 * meanwhile is skipped). Return: that value, 0, -EINVAL (NULL @ctx or @fn),
 * -ENOMEM (no memory for the snapshot).
 */
IOMMU_EXPORT int iommu_dev_for_each(struct iommu_ctx *ctx,
				    int (*fn)(struct iommu_dev *dev, void *arg), void *arg);

IOMMU_EXPORT const char *iommu_dev_name(const struct iommu_dev *dev);
IOMMU_EXPORT struct iommu_ctx *iommu_dev_ctx(const struct iommu_dev *dev);
IOMMU_EXPORT struct iommu_dev *iommu_dev_parent(const struct iommu_dev *dev);
IOMMU_EXPORT const struct iommu_bus_type *iommu_dev_bus(const struct iommu_dev *dev);
IOMMU_EXPORT struct iommu_fwnode *iommu_dev_fwnode(const struct iommu_dev *dev);
IOMMU_EXPORT const char *iommu_dev_compatible(const struct iommu_dev *dev);
/** NULL unless the device is on the PCI bus. */
IOMMU_EXPORT const struct iommu_pci_info *iommu_dev_pci(const struct iommu_dev *dev);
/** The bound driver, or NULL. */
IOMMU_EXPORT const struct iommu_driver *iommu_dev_driver(const struct iommu_dev *dev);
IOMMU_EXPORT bool iommu_dev_is_present(const struct iommu_dev *dev);
IOMMU_EXPORT bool iommu_dev_is_deferred(const struct iommu_dev *dev);
/** A driver's probe failed with a real error; it is retried only when a driver registers or on reprobe. */
IOMMU_EXPORT bool iommu_dev_probe_failed(const struct iommu_dev *dev);
/** Driver-private data; set in probe, cleared after remove. */
IOMMU_EXPORT void *iommu_dev_drvdata(const struct iommu_dev *dev);
IOMMU_EXPORT void iommu_dev_set_drvdata(struct iommu_dev *dev, void *data);

/**
 * iommu_dev_lock() - the device lock: serialises probe, remove and IOMMU-layer
 * state of a device. A thread may hold several (a child added from its
 * parent's probe() is probed under both): the lock checker sees each one
 * taken while the thread holds others through these calls as nested one
 * level deeper. NULL is a no-op.
 */
IOMMU_EXPORT void iommu_dev_lock(struct iommu_dev *dev);
IOMMU_EXPORT void iommu_dev_unlock(struct iommu_dev *dev);

/* ------------------------------------------------------------------ */
/* Drivers                                                            */

struct iommu_pci_id {
	uint16_t vendor, device;	/* IOMMU_PCI_ANY_ID matches any */
	uint32_t class_code, class_mask;	/* matched when class_mask != 0 */
};
#define IOMMU_PCI_ANY_ID 0xffff

struct iommu_driver {
	const char *name;
	const struct iommu_bus_type *bus;
	/* Platform: NULL-terminated list of compatible strings. */
	const char *const *compatible;
	/* PCI: table ended by an all-zero entry. */
	const struct iommu_pci_id *pci_ids;
	/*
	 * probe() binds: 0 on success, IOMMU_EPROBE_DEFER (or its negation)
	 * to retry later, any other negative errno to give up on this device
	 * (until a driver is registered again, or iommu_dev_reprobe()).
	 * Matching drivers are tried in registration order: the first whose
	 * probe succeeds binds; a failing probe lets the next one try; a
	 * deferral ends the walk. remove() undoes probe; it cannot fail and
	 * may be NULL. Both run with the device lock held.
	 */
	int (*probe)(struct iommu_dev *dev);
	void (*remove)(struct iommu_dev *dev);
	/*
	 * The driver does its own DMA management (like vfio-pci): the DMA API
	 * is not set up for it and it does not block DMA ownership claims.
	 */
	bool driver_managed_dma;
	void *priv;			/* for the driver's own use */
};

/**
 * iommu_driver_register() - load a driver: it binds to every matching device
 * that has none, then deferred probes are retried.
 * The struct is borrowed until iommu_driver_unregister() returns.
 *
 * Return: 0, -EINVAL (NULL, no name, no probe, bus not registered),
 * -EEXIST (this driver or one of the same name is registered), -ENOMEM.
 */
IOMMU_EXPORT int iommu_driver_register(struct iommu_ctx *ctx, struct iommu_driver *drv);

/**
 * iommu_driver_unregister() - unload a driver: every device bound to it is
 * unbound (consumers of each first), and probes using it are waited for, so
 * @drv is not touched once this returns. Not to be called from @drv's own
 * probe() or remove(). Return: 0, -EINVAL (NULL), -ENOENT (not registered).
 */
IOMMU_EXPORT int iommu_driver_unregister(struct iommu_ctx *ctx, struct iommu_driver *drv);

/**
 * iommu_dev_reprobe() - try to bind a present, unbound device again (as a
 * "bind" written to sysfs would), on the calling thread even in thread-pool
 * mode. Return: 0 (bound), IOMMU_EPROBE_DEFER, -EINVAL (NULL), -ENODEV (no
 * matching driver, or device not present), -EBUSY (already bound), or the
 * driver's error.
 */
IOMMU_EXPORT int iommu_dev_reprobe(struct iommu_dev *dev);

/**
 * iommu_dev_unbind() - release the device's driver (consumers first).
 * Return: 0, -EINVAL (NULL), -ENODEV (not bound).
 */
IOMMU_EXPORT int iommu_dev_unbind(struct iommu_dev *dev);

/* ------------------------------------------------------------------ */
/* Device links                                                       */

/*
 * A link says @consumer needs @supplier: the consumer's driver probes only
 * while the supplier is bound (otherwise the probe defers), and unbinding the
 * supplier unbinds the consumer first (it re-probes when the supplier binds
 * again). Adding a link that exists returns the same link with its count
 * raised; each add is undone by one del. A consumer already bound when the
 * link is made stays bound. Links only order what they name: a device does
 * not wait for its parent, so a parent whose driver fails strands no child.
 *
 * The link disappears with either end; the handle stays valid for
 * iommu_link_del() until the count the caller holds is dropped (a del on a
 * link that lost an end only drops the count), or the context is freed.
 */

/**
 * iommu_link_add() - link consumer to supplier.
 * Return: 0, -EINVAL (NULL, @out NULL, same device, different contexts, or a
 * link that would close a cycle), -ENODEV (either end not present), -ENOMEM.
 */
IOMMU_EXPORT int iommu_link_add(struct iommu_dev *consumer, struct iommu_dev *supplier,
				struct iommu_link **out);

/** iommu_link_del() - drop one count of a link; NULL is a no-op. */
IOMMU_EXPORT void iommu_link_del(struct iommu_link *link);

/** Number of live links where @dev is the consumer (its suppliers) or the supplier. */
IOMMU_EXPORT unsigned int iommu_dev_supplier_count(const struct iommu_dev *dev);
IOMMU_EXPORT unsigned int iommu_dev_consumer_count(const struct iommu_dev *dev);

/* ------------------------------------------------------------------ */
/* Bus notifiers                                                      */

enum iommu_bus_action {
	IOMMU_BUS_ADD_DEVICE,		/* before any driver probes it */
	IOMMU_BUS_DEL_DEVICE,		/* after its driver is unbound */
	IOMMU_BUS_BOUND_DRIVER,
	IOMMU_BUS_UNBOUND_DRIVER,
};

struct iommu_notifier {
	/* Return value of ADD_DEVICE: < 0 is logged, the device stays. */
	int (*call)(struct iommu_notifier *nb, enum iommu_bus_action action,
		    struct iommu_dev *dev);
	/* private to the model */
	void *priv_link[2];
	const struct iommu_bus_type *priv_bus;
};

/**
 * iommu_bus_notifier_register() - be told of devices on @bus (NULL: all buses).
 * Notifiers run in registration order. @nb is borrowed until unregistered;
 * its private fields must be zero before its first registration.
 * Return: 0, -EINVAL (NULL @ctx/@nb/call), -EEXIST (already registered, in
 * this context or another).
 */
IOMMU_EXPORT int iommu_bus_notifier_register(struct iommu_ctx *ctx,
					     const struct iommu_bus_type *bus,
					     struct iommu_notifier *nb);
/**
 * iommu_bus_notifier_unregister() - waits until no notifier callback is
 * running, so @nb is never called after this returns.
 * Return: 0, -EINVAL (NULL), -ENOENT (not registered), -EBUSY (called from a
 * notifier callback, where that wait could never end).
 */
IOMMU_EXPORT int iommu_bus_notifier_unregister(struct iommu_ctx *ctx, struct iommu_notifier *nb);

#ifdef __cplusplus
}
#endif
#endif
