// SPDX-License-Identifier: MIT
/* Device model unit tests: drivers, probing, deferral, unbinding, events. */
#include <stdio.h>
#include "iommu/iommu.h"
#include "iommu/mock.h"
#include "helpers.h"

static const char *const compat_ab[] = { "a", "b", NULL };

static void test_driver_args(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0), *other = tctx_new(0);
	struct tdrv *t = tdrv_init(0, "drv", &iommu_platform_bus, NULL);
	struct tdrv *same_name = tdrv_init(1, "drv", &iommu_platform_bus, NULL);
	struct iommu_driver d;

	(void)state;
	assert_int_equal(iommu_driver_register(NULL, &t->drv), -EINVAL);
	assert_int_equal(iommu_driver_register(ctx, NULL), -EINVAL);
	d = t->drv;
	d.name = NULL;
	assert_int_equal(iommu_driver_register(ctx, &d), -EINVAL);
	d.name = "";
	assert_int_equal(iommu_driver_register(ctx, &d), -EINVAL);
	d = t->drv;
	d.probe = NULL;
	assert_int_equal(iommu_driver_register(ctx, &d), -EINVAL);
	d = t->drv;
	d.bus = NULL;
	assert_int_equal(iommu_driver_register(ctx, &d), -EINVAL);

	assert_int_equal(iommu_driver_unregister(NULL, &t->drv), -EINVAL);
	assert_int_equal(iommu_driver_unregister(ctx, NULL), -EINVAL);
	assert_int_equal(iommu_driver_unregister(ctx, &t->drv), -ENOENT);

	assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
	assert_int_equal(iommu_driver_register(ctx, &t->drv), -EEXIST);
	assert_int_equal(iommu_driver_register(ctx, &same_name->drv), -EEXIST);
	/* Another context is another machine: the same driver may load there. */
	assert_int_equal(iommu_driver_register(other, &t->drv), 0);
	assert_int_equal(iommu_driver_unregister(other, &t->drv), 0);
	assert_int_equal(iommu_driver_unregister(ctx, &t->drv), 0);
	assert_int_equal(iommu_driver_unregister(ctx, &t->drv), -ENOENT);
	/* Drivers still registered at the end are unloaded by iommu_ctx_free(). */
	assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
	iommu_ctx_free(ctx);
	iommu_ctx_free(other);
}

static void test_bind_on_add_and_register(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct tdrv *t = tdrv_init(0, "drv", &iommu_platform_bus, compat_ab);
	struct iommu_dev *a, *b;

	(void)state;
	a = tdev_add(ctx, "a0", NULL, "a");		/* before the driver */
	assert_null(iommu_dev_driver(a));
	tev_attach(ctx);
	assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
	assert_ptr_equal(iommu_dev_driver(a), &t->drv);
	assert_true(base_dev_is_bound(a));
	assert_ptr_equal(iommu_dev_drvdata(a), t);
	b = tdev_add(ctx, "b0", NULL, "b");		/* after the driver */
	assert_ptr_equal(iommu_dev_driver(b), &t->drv);
	assert_string_equal(tev_get(), "bound:a0:drv add:b0:platform bound:b0:drv");
	assert_string_equal(tlog_get(), "p:drv:a0 p:drv:b0");

	tlog_reset();
	tev_reset();
	assert_int_equal(iommu_driver_unregister(ctx, &t->drv), 0);
	assert_string_equal(tlog_get(), "r:drv:a0 r:drv:b0");
	assert_string_equal(tev_get(), "unbound:a0:drv unbound:b0:drv");
	assert_null(iommu_dev_driver(a));
	assert_null(iommu_dev_drvdata(a));		/* cleared after remove */
	assert_false(iommu_dev_is_deferred(a));
	iommu_dev_put(a);
	iommu_dev_put(b);
	iommu_ctx_free(ctx);
}

/* Drivers are tried in registration order; a failure lets the next try. */
static void test_driver_order_and_fallback(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct tdrv *t1 = tdrv_init(0, "first", &iommu_platform_bus, compat_ab);
	struct tdrv *t2 = tdrv_init(1, "second", &iommu_platform_bus, compat_ab);
	struct tdrv *t3 = tdrv_init(2, "third", &iommu_platform_bus, compat_ab);
	struct iommu_dev *d;

	(void)state;
	t1->probe_ret = -EIO;
	assert_int_equal(iommu_driver_register(ctx, &t1->drv), 0);
	assert_int_equal(iommu_driver_register(ctx, &t2->drv), 0);
	assert_int_equal(iommu_driver_register(ctx, &t3->drv), 0);
	tev_attach(ctx);
	d = tdev_add(ctx, "d", NULL, "a");
	assert_ptr_equal(iommu_dev_driver(d), &t2->drv);
	assert_string_equal(tlog_get(), "p:first:d p:second:d");
	assert_string_equal(tev_get(), "add:d:platform fail:d:first bound:d:second");
	assert_int_equal(t3->nprobe, 0);

	/* A deferral ends the walk: the next driver is not tried. */
	tlog_reset();
	t1->probe_ret = 0;
	t1->defer_forever = true;
	assert_int_equal(iommu_dev_unbind(d), 0);
	assert_int_equal(iommu_dev_reprobe(d), IOMMU_EPROBE_DEFER);
	assert_string_equal(tlog_get(), "r:second:d p:first:d");
	assert_true(iommu_dev_is_deferred(d));
	assert_null(iommu_dev_driver(d));
	iommu_dev_put(d);
	iommu_ctx_free(ctx);
}

static void test_probe_failure(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct tdrv *bad = tdrv_init(0, "bad", &iommu_platform_bus, compat_ab);
	struct tdrv *good = tdrv_init(1, "good", &iommu_platform_bus, NULL);
	struct iommu_dev *d, *g;

	(void)state;
	bad->probe_ret = -ENXIO;
	assert_int_equal(iommu_driver_register(ctx, &bad->drv), 0);
	tev_attach(ctx);
	d = tdev_add(ctx, "d", NULL, "a");
	assert_null(iommu_dev_driver(d));
	assert_false(iommu_dev_is_deferred(d));
	assert_true(d->probe_failed);
	assert_null(iommu_dev_drvdata(d));		/* cleared after a failed probe */
	assert_int_equal(tev_count(IOMMU_EV_PROBE_FAIL), 1);
	assert_int_equal(bad->nprobe, 1);

	/* Another driver binding does not retry a failed device. */
	g = tdev_add(ctx, "g", NULL, "good");
	assert_int_equal(iommu_driver_register(ctx, &good->drv), 0);
	assert_ptr_equal(iommu_dev_driver(g), &good->drv);
	assert_int_equal(bad->nprobe, 1);

	/* A reprobe does, and reports the error. */
	assert_int_equal(iommu_dev_reprobe(d), -ENXIO);
	assert_int_equal(bad->nprobe, 2);
	/* Registering the driver again (module reload) retries it too. */
	bad->probe_ret = 0;
	assert_int_equal(iommu_driver_unregister(ctx, &bad->drv), 0);
	assert_int_equal(iommu_driver_register(ctx, &bad->drv), 0);
	assert_ptr_equal(iommu_dev_driver(d), &bad->drv);
	assert_false(d->probe_failed);

	/* A positive value that is not IOMMU_EPROBE_DEFER is a broken driver: -EINVAL. */
	assert_int_equal(iommu_dev_unbind(d), 0);
	bad->probe_ret = 3;
	assert_int_equal(iommu_dev_reprobe(d), -EINVAL);
	iommu_dev_put(d);
	iommu_dev_put(g);
	iommu_ctx_free(ctx);
}

static void test_reprobe_unbind_args(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct tdrv *t = tdrv_init(0, "drv", &iommu_platform_bus, NULL);
	struct iommu_dev *d, *n, *nomatch;

	(void)state;
	assert_int_equal(iommu_dev_reprobe(NULL), -EINVAL);
	assert_int_equal(iommu_dev_unbind(NULL), -EINVAL);
	d = tdev_add(ctx, "d", NULL, "drv");
	n = tdev_new(ctx, "n", NULL, "drv");
	nomatch = tdev_add(ctx, "x", NULL, "other");
	assert_int_equal(iommu_dev_reprobe(d), -ENODEV);	/* no driver yet */
	assert_int_equal(iommu_dev_unbind(d), -ENODEV);		/* not bound */
	assert_int_equal(iommu_dev_reprobe(n), -ENODEV);	/* not present */
	assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
	assert_int_equal(iommu_dev_reprobe(d), -EBUSY);
	assert_int_equal(iommu_dev_reprobe(nomatch), -ENODEV);
	assert_int_equal(t->nprobe, 1);
	assert_int_equal(iommu_dev_unbind(d), 0);
	assert_int_equal(t->nremove, 1);
	assert_null(iommu_dev_driver(d));
	assert_false(iommu_dev_is_deferred(d));			/* unbound on request: stays so */
	assert_int_equal(iommu_dev_unbind(d), -ENODEV);
	assert_int_equal(iommu_dev_reprobe(d), 0);
	assert_ptr_equal(iommu_dev_driver(d), &t->drv);
	assert_int_equal(iommu_dev_del(d), 0);
	assert_int_equal(iommu_dev_reprobe(d), -ENODEV);	/* deleted */
	assert_int_equal(t->nremove, 2);
	iommu_dev_put(d);
	iommu_dev_put(n);
	iommu_dev_put(nomatch);
	iommu_ctx_free(ctx);
}

/* Deferred devices retry whenever another driver binds, in defer order, forever. */
static void test_deferral_retry(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct tdrv *w = tdrv_init(0, "waiter", &iommu_platform_bus, NULL);
	struct tdrv *o = tdrv_init(1, "other", &iommu_platform_bus, NULL);
	struct iommu_dev *d1, *d2, *x;
	char name[16];

	(void)state;
	w->defer_forever = true;
	assert_int_equal(iommu_driver_register(ctx, &w->drv), 0);
	tev_attach(ctx);
	d1 = tdev_add(ctx, "d1", NULL, "waiter");
	d2 = tdev_add(ctx, "d2", NULL, "waiter");
	assert_true(iommu_dev_is_deferred(d1));
	assert_true(iommu_dev_is_deferred(d2));
	assert_int_equal(tev_count(IOMMU_EV_DEFER), 2);
	assert_string_equal(tev_get(), "add:d1:platform defer:d1:waiter deferred its probe "
			    "add:d2:platform defer:d2:waiter deferred its probe");

	/* No binding, no retry. */
	tlog_reset();
	x = tdev_add(ctx, "x0", NULL, "nobody");
	iommu_dev_put(x);
	assert_string_equal(tlog_get(), "");

	/* Never give up: a hundred unrelated binds, a hundred retries of each. */
	assert_int_equal(iommu_driver_register(ctx, &o->drv), 0);
	for (int i = 0; i < 100; i++) {
		tlog_reset();
		snprintf(name, sizeof(name), "o%d", i);
		x = tdev_add(ctx, name, NULL, "other");
		iommu_dev_put(x);
		snprintf(name, sizeof(name), "p:other:o%d", i);
		assert_int_equal(strncmp(tlog_get(), name, strlen(name)), 0);
		assert_non_null(strstr(tlog_get(), "p:waiter:d1 p:waiter:d2"));
	}
	assert_true(iommu_dev_is_deferred(d1));
	assert_int_equal(w->nprobe, 2 + 100 * 2);

	/* The supplier finally appears: both bind, in the order they deferred. */
	w->defer_forever = false;
	tlog_reset();
	x = tdev_add(ctx, "last", NULL, "other");
	iommu_dev_put(x);
	assert_string_equal(tlog_get(), "p:other:last p:waiter:d1 p:waiter:d2");
	assert_ptr_equal(iommu_dev_driver(d1), &w->drv);
	assert_false(iommu_dev_is_deferred(d1));
	assert_false(iommu_dev_is_deferred(d2));
	iommu_dev_put(d1);
	iommu_dev_put(d2);
	iommu_ctx_free(ctx);
}

/* Linux-style -EPROBE_DEFER is a deferral too. */
static void test_negative_defer(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct tdrv *t = tdrv_init(0, "neg", &iommu_platform_bus, NULL);
	struct iommu_dev *d;

	(void)state;
	t->defer_left = 1;
	t->negative_defer = true;
	assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
	d = tdev_add(ctx, "d", NULL, "neg");
	assert_true(iommu_dev_is_deferred(d));
	assert_false(d->probe_failed);
	assert_int_equal(iommu_dev_reprobe(d), 0);
	assert_false(iommu_dev_is_deferred(d));
	iommu_dev_put(d);
	iommu_ctx_free(ctx);
}

/*
 * A chain resolved in one call: c needs b (defers until b bound), b needs a.
 * Registering a's driver must bind a, b and c before it returns, whatever
 * the defer order.
 */
static struct iommu_dev *chain_dev[3];

static int needs_prev(struct tdrv *t, struct iommu_dev *dev)
{
	struct iommu_dev *need = t->hook_arg;

	(void)dev;
	return base_dev_is_bound(need) ? 0 : IOMMU_EPROBE_DEFER;
}

static void test_deferral_chain(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct tdrv *ta = tdrv_init(0, "da", &iommu_platform_bus, NULL);
	struct tdrv *tb = tdrv_init(1, "db", &iommu_platform_bus, NULL);
	struct tdrv *tc = tdrv_init(2, "dc", &iommu_platform_bus, NULL);

	(void)state;
	chain_dev[2] = tdev_add(ctx, "c", NULL, "dc");
	chain_dev[1] = tdev_add(ctx, "b", NULL, "db");
	chain_dev[0] = tdev_add(ctx, "a", NULL, "da");
	tc->hook = needs_prev;
	tc->hook_arg = chain_dev[1];
	tb->hook = needs_prev;
	tb->hook_arg = chain_dev[0];
	assert_int_equal(iommu_driver_register(ctx, &tc->drv), 0);
	assert_int_equal(iommu_driver_register(ctx, &tb->drv), 0);
	assert_true(iommu_dev_is_deferred(chain_dev[2]));
	assert_true(iommu_dev_is_deferred(chain_dev[1]));
	tlog_reset();
	assert_int_equal(iommu_driver_register(ctx, &ta->drv), 0);
	/* Pass 1 binds b (c, tried first, still waits); pass 2 binds c. */
	assert_string_equal(tlog_get(), "p:da:a p:dc:c p:db:b p:dc:c");
	for (int i = 0; i < 3; i++) {
		assert_true(base_dev_is_bound(chain_dev[i]));
		assert_false(iommu_dev_is_deferred(chain_dev[i]));
		iommu_dev_put(chain_dev[i]);
	}
	iommu_ctx_free(ctx);
}

/* The 1000-times module reload: nothing leaks, nothing slows down. */
static void test_driver_reload(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct tdrv *t = tdrv_init(0, "mod", &iommu_platform_bus, NULL);
	struct tdrv *m = tdrv_init(1, "master", &iommu_platform_bus, NULL);
	struct iommu_dev *sup, *masters[8];
	struct iommu_link *links[8];
	uint64_t t0, first = 0, last = 0;
	long live;
	char name[16];

	(void)state;
	sup = tdev_add(ctx, "iommu", NULL, "mod");
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		masters[i] = tdev_add(ctx, name, NULL, "master");
		assert_int_equal(iommu_link_add(masters[i], sup, &links[i]), 0);
	}
	assert_int_equal(iommu_driver_register(ctx, &m->drv), 0);
	for (int i = 0; i < 8; i++)
		assert_true(iommu_dev_is_deferred(masters[i]));
	live = iu_alloc_live();
	for (int round = 0; round < 1000; round++) {
		t0 = iu_now_ns();
		assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
		for (int i = 0; i < 8; i++)
			assert_true(base_dev_is_bound(masters[i]));
		assert_int_equal(iommu_driver_unregister(ctx, &t->drv), 0);
		for (int i = 0; i < 8; i++) {
			assert_false(base_dev_is_bound(masters[i]));
			assert_true(iommu_dev_is_deferred(masters[i]));
		}
		t0 = iu_now_ns() - t0;
		if (round < 100)
			first += t0;
		else if (round >= 900)
			last += t0;
		assert_int_equal(iu_alloc_live(), live);
	}
	assert_int_equal(t->nprobe, 1000);
	/* Waiting for the supplier never calls the master's probe(). */
	assert_int_equal(m->nprobe, 8 * 1000);
	assert_int_equal(m->nremove, 8 * 1000);
	/* Generous: catches growth, not noise. */
	assert_true(last < 4 * first + 2000000);
	for (int i = 0; i < 8; i++) {
		iommu_link_del(links[i]);
		iommu_dev_put(masters[i]);
	}
	iommu_dev_put(sup);
	iommu_ctx_free(ctx);
}

/* Seed 003: a port whose driver fails strands no device below it. */
static void test_failing_parent_strands_nobody(void **state)
{
	static const struct iommu_pci_id port_ids[] = {
		{ .vendor = IOMMU_PCI_ANY_ID, .device = IOMMU_PCI_ANY_ID,
		  .class_code = 0x060400, .class_mask = 0xffff00 },
		{ 0 },
	};
	static const struct iommu_pci_id ep_ids[] = {
		{ .vendor = 0x1af4, .device = IOMMU_PCI_ANY_ID },
		{ 0 },
	};
	struct iommu_ctx *ctx = tctx_new(0);
	struct tdrv *port = tdrv_init(0, "pcieport", &iommu_pci_bus, NULL);
	struct tdrv *ep = tdrv_init(1, "virtio-pci", &iommu_pci_bus, NULL);
	struct iommu_dev *rp, *e1, *e2;

	(void)state;
	port->drv.pci_ids = port_ids;
	port->probe_ret = -ENODEV;
	ep->drv.pci_ids = ep_ids;
	assert_int_equal(iommu_driver_register(ctx, &port->drv), 0);
	assert_int_equal(iommu_driver_register(ctx, &ep->drv), 0);
	rp = tpci_add(ctx, "0000:00:01.0", NULL, 0x8086, 0x1234, 0x060400);
	e1 = tpci_add(ctx, "0000:01:00.0", rp, 0x1af4, 0x1041, 0x020000);
	e2 = tpci_add(ctx, "0000:01:00.1", rp, 0x1af4, 0x1042, 0x010000);
	assert_null(iommu_dev_driver(rp));
	assert_true(rp->probe_failed);
	assert_ptr_equal(iommu_dev_driver(e1), &ep->drv);
	assert_ptr_equal(iommu_dev_driver(e2), &ep->drv);

	/* Same when the endpoints' driver comes last and the port failed first. */
	assert_int_equal(iommu_driver_unregister(ctx, &ep->drv), 0);
	assert_int_equal(iommu_driver_register(ctx, &ep->drv), 0);
	assert_ptr_equal(iommu_dev_driver(e1), &ep->drv);
	assert_ptr_equal(iommu_dev_driver(e2), &ep->drv);
	iommu_dev_put(rp);
	iommu_dev_put(e1);
	iommu_dev_put(e2);
	iommu_ctx_free(ctx);
}

/* A bus driver adding its children from probe(): nested device locks. */
static int add_children(struct tdrv *t, struct iommu_dev *dev)
{
	char name[32];

	(void)t;
	for (int i = 0; i < 3; i++) {
		struct iommu_dev *c;

		snprintf(name, sizeof(name), "%s.%d", iommu_dev_name(dev), i);
		c = tdev_new(iommu_dev_ctx(dev), name, dev, "leaf");
		assert_int_equal(iommu_dev_add(c), 0);
		/* Probed at once, under the parent's lock, before the parent is bound. */
		assert_true(base_dev_is_bound(c));
		iommu_dev_put(c);
	}
	return 0;
}

static void test_children_added_in_probe(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct tdrv *bus = tdrv_init(0, "busdrv", &iommu_platform_bus, NULL);
	struct tdrv *leaf = tdrv_init(1, "leaf", &iommu_platform_bus, NULL);
	struct iommu_dev *b;

	(void)state;
	bus->hook = add_children;
	assert_int_equal(iommu_driver_register(ctx, &leaf->drv), 0);
	assert_int_equal(iommu_driver_register(ctx, &bus->drv), 0);
	b = tdev_add(ctx, "bus0", NULL, "busdrv");
	assert_string_equal(tlog_get(), "p:busdrv:bus0 p:leaf:bus0.0 p:leaf:bus0.1 p:leaf:bus0.2");
	tlog_reset();
	assert_int_equal(iommu_dev_del(b), 0);
	assert_string_equal(tlog_get(), "r:leaf:bus0.2 r:leaf:bus0.1 r:leaf:bus0.0 r:busdrv:bus0");
	iommu_dev_put(b);
	iommu_ctx_free(ctx);
}

/*
 * The IOMMU core defers a master until its IOMMU registers (from the IOMMU
 * driver's probe, i.e. under another device's lock): the retry runs when that
 * outermost call returns, and unloading the IOMMU driver unbinds the master
 * first through the core's device link.
 */
static void test_core_defers_until_iommu(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct tdrv *m = tdrv_init(0, "master", &iommu_platform_bus, NULL);
	struct iommu_driver *mock = iommu_mock_driver(IOMMU_MOCK_STREAM);
	struct iommu_fwnode *fmmu, *fdev;
	struct iommu_dev_info info = { .bus = &iommu_platform_bus };
	struct iommu_dev *mmu, *dev;
	uint32_t id = 7;

	(void)state;
	assert_int_equal(iommu_fwnode_new(ctx, "/smmu", &fmmu), 0);
	assert_int_equal(iommu_fwnode_new(ctx, "/dma", &fdev), 0);
	assert_int_equal(iommu_fw_bind(ctx, fdev, fmmu, &id, 1), 0);
	info.name = "smmu";
	info.fwnode = fmmu;
	info.compatible = iommu_mock_compatible(IOMMU_MOCK_STREAM);
	assert_int_equal(iommu_dev_new(ctx, &info, &mmu), 0);
	assert_int_equal(iommu_dev_add(mmu), 0);
	info.name = "dma0";
	info.fwnode = fdev;
	info.compatible = "master";
	assert_int_equal(iommu_dev_new(ctx, &info, &dev), 0);
	assert_int_equal(iommu_dev_add(dev), 0);
	assert_int_equal(iommu_driver_register(ctx, &m->drv), 0);
	assert_true(iommu_dev_is_deferred(dev));
	assert_int_equal(m->nprobe, 0);			/* the core said no before probe() */

	for (int round = 0; round < 3; round++) {
		assert_int_equal(iommu_driver_register(ctx, mock), 0);
		assert_true(base_dev_is_bound(mmu));
		assert_true(base_dev_is_bound(dev));
		assert_int_equal(iommu_dev_supplier_count(dev), 1);	/* the core's link */
		assert_int_equal(m->nprobe, (unsigned int)round + 1);
		tlog_reset();
		assert_int_equal(iommu_driver_unregister(ctx, mock), 0);
		assert_string_equal(tlog_get(), "r:master:dma0");
		assert_false(base_dev_is_bound(dev));
		assert_true(iommu_dev_is_deferred(dev));
	}
	iommu_dev_put(dev);
	iommu_dev_put(mmu);
	iommu_ctx_free(ctx);
}

/* ------------------------------------------------------------------ */
/* Notifiers                                                          */

struct tnb {
	struct iommu_notifier nb;
	const char *name;
	int ret;
	struct iommu_ctx *ctx;
	int unregister_ret;
};

static const char *const action_name[] = { "ADD", "DEL", "BOUND", "UNBOUND" };

static int tnb_call(struct iommu_notifier *nb, enum iommu_bus_action action,
		    struct iommu_dev *dev)
{
	struct tnb *t = container_of(nb, struct tnb, nb);

	/* No device lock is held by the model around a notifier. */
	assert_true(iu_mutex_trylock(&dev->lock));
	iu_mutex_unlock(&dev->lock);
	tlog("%s:%s:%s", t->name, action_name[action], iommu_dev_name(dev));
	if (t->ctx)
		t->unregister_ret = iommu_bus_notifier_unregister(t->ctx, nb);
	return t->ret;
}

static void test_notifiers(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct tnb n1 = { .nb.call = tnb_call, .name = "all1" };
	struct tnb n2 = { .nb.call = tnb_call, .name = "pci" };
	struct tnb n3 = { .nb.call = tnb_call, .name = "all2", .ret = -EIO };
	struct tnb bad = { .name = "bad" };
	struct tdrv *t = tdrv_init(0, "drv", &iommu_platform_bus, NULL);
	struct iommu_dev *d, *p;
	struct iommu_ctx *other;

	(void)state;
	assert_int_equal(iommu_bus_notifier_register(NULL, NULL, &n1.nb), -EINVAL);
	assert_int_equal(iommu_bus_notifier_register(ctx, NULL, NULL), -EINVAL);
	assert_int_equal(iommu_bus_notifier_register(ctx, NULL, &bad.nb), -EINVAL);
	assert_int_equal(iommu_bus_notifier_unregister(NULL, &n1.nb), -EINVAL);
	assert_int_equal(iommu_bus_notifier_unregister(ctx, NULL), -EINVAL);
	assert_int_equal(iommu_bus_notifier_unregister(ctx, &n1.nb), -ENOENT);

	assert_int_equal(iommu_bus_notifier_register(ctx, NULL, &n1.nb), 0);
	assert_int_equal(iommu_bus_notifier_register(ctx, NULL, &n1.nb), -EEXIST);
	assert_int_equal(iommu_bus_notifier_register(ctx, &iommu_pci_bus, &n1.nb), -EEXIST);
	/* One notifier cannot be on two machines' chains. */
	other = tctx_new(0);
	assert_int_equal(iommu_bus_notifier_register(other, NULL, &n1.nb), -EEXIST);
	assert_int_equal(iommu_bus_notifier_unregister(other, &n1.nb), -ENOENT);
	assert_int_equal(iommu_bus_notifier_register(ctx, &iommu_pci_bus, &n2.nb), 0);
	assert_int_equal(iommu_bus_notifier_register(ctx, NULL, &n3.nb), 0);
	assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
	tev_attach(ctx);

	d = tdev_add(ctx, "d", NULL, "drv");
	assert_string_equal(tlog_get(), "all1:ADD:d all2:ADD:d p:drv:d all1:BOUND:d all2:BOUND:d");
	/* An ADD notifier's error is reported, and the device stays. */
	assert_int_equal(tev_count(IOMMU_EV_NOTE), 1);
	assert_true(iommu_dev_is_present(d));
	assert_true(base_dev_is_bound(d));

	tlog_reset();
	p = tpci_add(ctx, "0000:00:00.0", NULL, 1, 2, 3);
	assert_string_equal(tlog_get(), "all1:ADD:0000:00:00.0 pci:ADD:0000:00:00.0 "
			    "all2:ADD:0000:00:00.0");
	tlog_reset();
	assert_int_equal(iommu_dev_del(d), 0);
	assert_string_equal(tlog_get(), "r:drv:d all1:UNBOUND:d all2:UNBOUND:d "
			    "all1:DEL:d all2:DEL:d");

	/* Unregistered ones are not called; the rest keep their order. */
	assert_int_equal(iommu_bus_notifier_unregister(ctx, &n1.nb), 0);
	assert_int_equal(iommu_bus_notifier_unregister(ctx, &n1.nb), -ENOENT);
	tlog_reset();
	assert_int_equal(iommu_dev_del(p), 0);
	assert_string_equal(tlog_get(), "pci:DEL:0000:00:00.0 all2:DEL:0000:00:00.0");
	/* Re-registering goes to the end; now it may go to another machine too. */
	assert_int_equal(iommu_bus_notifier_register(other, NULL, &n1.nb), 0);
	assert_int_equal(iommu_bus_notifier_unregister(other, &n1.nb), 0);
	iommu_ctx_free(other);
	assert_int_equal(iommu_bus_notifier_register(ctx, NULL, &n1.nb), 0);
	iommu_dev_put(d);
	d = tdev_add(ctx, "d2", NULL, NULL);
	assert_non_null(strstr(tlog_get(), "pci:DEL:0000:00:00.0 all2:DEL:0000:00:00.0 "
			       "all2:ADD:d2 all1:ADD:d2"));

	/* From inside a callback, unregistering is refused rather than hanging. */
	n3.ctx = ctx;
	n3.unregister_ret = 0;
	assert_int_equal(iommu_dev_del(d), 0);
	assert_int_equal(n3.unregister_ret, -EBUSY);
	n3.ctx = NULL;

	/* Middle, then tail; n2 stays registered through iommu_ctx_free(). */
	assert_int_equal(iommu_bus_notifier_unregister(ctx, &n3.nb), 0);
	assert_int_equal(iommu_bus_notifier_unregister(ctx, &n1.nb), 0);
	iommu_dev_put(d);
	iommu_dev_put(p);
	iommu_ctx_free(ctx);
	/* The context's end released it: another machine may take it. */
	other = tctx_new(0);
	assert_int_equal(iommu_bus_notifier_register(other, NULL, &n2.nb), 0);
	tlog_reset();
	d = tdev_add(other, "d", NULL, NULL);
	assert_string_equal(tlog_get(), "pci:ADD:d");
	iommu_dev_put(d);
	iommu_ctx_free(other);
}

static void test_events_stop(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct iommu_dev *d;

	(void)state;
	tev_attach(ctx);
	d = tdev_add(ctx, "d", NULL, NULL);
	assert_int_equal(iommu_ctx_set_event_cb(ctx, NULL, NULL), 0);
	assert_int_equal(iommu_dev_del(d), 0);
	assert_string_equal(tev_get(), "add:d:platform");
	iommu_dev_put(d);
	iommu_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_driver_args, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_bind_on_add_and_register, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_driver_order_and_fallback, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_probe_failure, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_reprobe_unbind_args, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_deferral_retry, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_negative_defer, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_deferral_chain, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_driver_reload, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_failing_parent_strands_nobody, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_children_added_in_probe, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_core_defers_until_iommu, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_notifiers, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_events_stop, tbase_setup, tbase_teardown),
	};

	return cmocka_run_group_tests_name("base-probe", tests, NULL, NULL);
}
