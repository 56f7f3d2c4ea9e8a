// SPDX-License-Identifier: MIT
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include "helpers.h"

struct tdrv tdrvs[NTDRV];

static int tdrv_probe(struct tdrv *t, struct iommu_dev *dev)
{
	int ret = t->probe_ret;

	/* probe() runs with the device lock held: a trylock must fail. */
	assert_false(iu_mutex_trylock(&dev->lock));
	__atomic_add_fetch(&t->nprobe, 1, __ATOMIC_SEQ_CST);
	tlog("p:%s:%s", t->drv.name, iommu_dev_name(dev));
	if (t->probe_delay_us)
		usleep(t->probe_delay_us);
	if (t->hook) {
		int r = t->hook(t, dev);

		if (r)
			return r;
	}
	if (t->defer_forever) {
		ret = IOMMU_EPROBE_DEFER;
	} else if (t->defer_left > 0) {
		t->defer_left--;
		ret = IOMMU_EPROBE_DEFER;
	}
	if (ret == IOMMU_EPROBE_DEFER && t->negative_defer)
		ret = -IOMMU_EPROBE_DEFER;
	if (!ret)
		iommu_dev_set_drvdata(dev, t);
	else
		iommu_dev_set_drvdata(dev, (void *)1);	/* the model must clear it */
	return ret;
}

static void tdrv_remove(struct tdrv *t, struct iommu_dev *dev)
{
	assert_false(iu_mutex_trylock(&dev->lock));
	assert_ptr_equal(iommu_dev_drvdata(dev), t);
	__atomic_add_fetch(&t->nremove, 1, __ATOMIC_SEQ_CST);
	tlog("r:%s:%s", t->drv.name, iommu_dev_name(dev));
}

#define TRAMPOLINES(i) \
	static int probe_##i(struct iommu_dev *d) { return tdrv_probe(&tdrvs[i], d); } \
	static void remove_##i(struct iommu_dev *d) { tdrv_remove(&tdrvs[i], d); }
TRAMPOLINES(0) TRAMPOLINES(1) TRAMPOLINES(2) TRAMPOLINES(3)
TRAMPOLINES(4) TRAMPOLINES(5) TRAMPOLINES(6) TRAMPOLINES(7)

static int (*const probes[NTDRV])(struct iommu_dev *) = {
	probe_0, probe_1, probe_2, probe_3, probe_4, probe_5, probe_6, probe_7,
};
static void (*const removes[NTDRV])(struct iommu_dev *) = {
	remove_0, remove_1, remove_2, remove_3, remove_4, remove_5, remove_6, remove_7,
};

struct tdrv *tdrv_init(int i, const char *name, const struct iommu_bus_type *bus,
		       const char *const *compatible)
{
	struct tdrv *t = &tdrvs[i];

	memset(t, 0, sizeof(*t));
	t->drv.name = name;
	t->drv.bus = bus;
	t->drv.compatible = compatible;
	t->drv.probe = probes[i];
	t->drv.remove = removes[i];
	return t;
}

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char logbuf[1 << 16];
static size_t loglen;

void tlog_reset(void)
{
	pthread_mutex_lock(&log_lock);
	loglen = 0;
	logbuf[0] = 0;
	pthread_mutex_unlock(&log_lock);
}

void tlog(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&log_lock);
	if (loglen && loglen < sizeof(logbuf) - 1)
		logbuf[loglen++] = ' ';
	va_start(ap, fmt);
	if (loglen < sizeof(logbuf))
		loglen += (size_t)vsnprintf(logbuf + loglen, sizeof(logbuf) - loglen, fmt, ap);
	va_end(ap);
	if (loglen >= sizeof(logbuf))
		loglen = sizeof(logbuf) - 1;
	pthread_mutex_unlock(&log_lock);
}

const char *tlog_get(void)
{
	return logbuf;
}

static char evbuf[1 << 16];
static size_t evlen;
static unsigned int evcount[IOMMU_EV_NOTE + 1];

static const char *const evname[] = {
	[IOMMU_EV_DEV_ADD] = "add", [IOMMU_EV_DEV_DEL] = "del",
	[IOMMU_EV_BOUND] = "bound", [IOMMU_EV_UNBOUND] = "unbound",
	[IOMMU_EV_DEFER] = "defer", [IOMMU_EV_PROBE_FAIL] = "fail",
	[IOMMU_EV_LINK] = "link", [IOMMU_EV_NOTE] = "note",
};

static void tev_cb(void *arg, const struct iommu_event *ev)
{
	(void)arg;
	if (ev->type > IOMMU_EV_NOTE)
		return;
	evcount[ev->type]++;
	/* Only the device model's own events go into the text. */
	if (!evname[ev->type])
		return;
	if (evlen < sizeof(evbuf) - 256)
		evlen += (size_t)snprintf(evbuf + evlen, sizeof(evbuf) - evlen, "%s%s:%s%s%s",
					  evlen ? " " : "", evname[ev->type],
					  ev->dev ? ev->dev : "-",
					  ev->detail ? ":" : "", ev->detail ? ev->detail : "");
}

void tev_reset(void)
{
	evlen = 0;
	evbuf[0] = 0;
	memset(evcount, 0, sizeof(evcount));
}

void tev_attach(struct iommu_ctx *ctx)
{
	tev_reset();
	assert_int_equal(iommu_ctx_set_event_cb(ctx, tev_cb, NULL), 0);
}

const char *tev_get(void)
{
	return evbuf;
}

unsigned int tev_count(enum iommu_event_type type)
{
	return evcount[type];
}

struct iommu_ctx *tctx_new(unsigned int threads)
{
	struct iommu_ctx_opts o = { .probe_threads = threads };
	struct iommu_ctx *ctx = NULL;

	assert_int_equal(iommu_ctx_new(&o, &ctx), 0);
	assert_non_null(ctx);
	return ctx;
}

struct iommu_dev *tdev_new(struct iommu_ctx *ctx, const char *name,
			   struct iommu_dev *parent, const char *compatible)
{
	struct iommu_dev_info info = {
		.name = name, .bus = &iommu_platform_bus, .parent = parent,
		.compatible = compatible,
	};
	struct iommu_dev *dev = NULL;

	assert_int_equal(iommu_dev_new(ctx, &info, &dev), 0);
	return dev;
}

struct iommu_dev *tdev_add(struct iommu_ctx *ctx, const char *name,
			   struct iommu_dev *parent, const char *compatible)
{
	struct iommu_dev *dev = tdev_new(ctx, name, parent, compatible);

	assert_int_equal(iommu_dev_add(dev), 0);
	return dev;
}

struct iommu_dev *tpci_add(struct iommu_ctx *ctx, const char *name, struct iommu_dev *parent,
			   uint16_t vendor, uint16_t device, uint32_t class_code)
{
	struct iommu_pci_info pci = {
		.vendor = vendor, .device = device, .class_code = class_code,
		.pcie_type = IOMMU_PCIE_ENDPOINT,
	};
	struct iommu_dev_info info = {
		.name = name, .bus = &iommu_pci_bus, .parent = parent, .pci = &pci,
	};
	struct iommu_dev *dev = NULL;

	assert_int_equal(iommu_dev_new(ctx, &info, &dev), 0);
	assert_int_equal(iommu_dev_add(dev), 0);
	return dev;
}

static long live_before;

int tbase_setup(void **state)
{
	(void)state;
	live_before = iu_alloc_live();
	tlog_reset();
	tev_reset();
	return 0;
}

int tbase_teardown(void **state)
{
	(void)state;
	iu_fail_nth(0);
	if (iu_alloc_live() != live_before) {
		fprintf(stderr, "leak: %ld allocations live, %ld before\n",
			iu_alloc_live(), live_before);
		return -1;
	}
	if (iu_lockdep_violations()) {
		fprintf(stderr, "lock checker: %lu violations\n", iu_lockdep_violations());
		return -1;
	}
	return 0;
}
