// SPDX-License-Identifier: MIT
/* Device model unit tests: contexts, firmware nodes, buses, devices, references. */
#include <stdio.h>
#include "helpers.h"

static void test_ctx_args(void **state)
{
	struct iommu_ctx_opts o = { 0 };
	struct iommu_ctx *ctx = NULL;

	(void)state;
	assert_int_equal(iommu_ctx_new(NULL, NULL), -EINVAL);
	o.flags = 1;
	assert_int_equal(iommu_ctx_new(&o, &ctx), -EINVAL);
	o.flags = 0;
	o.probe_threads = 65;
	assert_int_equal(iommu_ctx_new(&o, &ctx), -EINVAL);
	assert_null(ctx);
	assert_int_equal(iommu_ctx_new(NULL, &ctx), 0);
	assert_null(iommu_ctx_mem(ctx));
	assert_null(iommu_ctx_mem(NULL));
	assert_int_equal(iommu_ctx_set_event_cb(NULL, NULL, NULL), -EINVAL);
	assert_int_equal(iommu_ctx_set_event_cb(ctx, NULL, NULL), 0);
	iommu_ctx_settle(ctx);		/* synchronous: returns at once */
	iommu_ctx_settle(NULL);
	iommu_ctx_free(ctx);
	iommu_ctx_free(NULL);
}

static void test_ctx_mem_and_threads(void **state)
{
	struct iommu_ctx_opts o = { .probe_threads = 64, .mem = (struct iommu_mem *)&o };
	struct iommu_ctx *ctx = NULL;

	(void)state;
	assert_int_equal(iommu_ctx_new(&o, &ctx), 0);
	assert_ptr_equal(iommu_ctx_mem(ctx), (struct iommu_mem *)&o);	/* borrowed, untouched */
	iommu_ctx_settle(ctx);
	iommu_ctx_free(ctx);
}

static void test_fwnode(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0), *other = tctx_new(0);
	struct iommu_fwnode *a = NULL, *b = NULL, *x;
	char name[32];

	(void)state;
	assert_int_equal(iommu_fwnode_new(NULL, "a", &a), -EINVAL);
	assert_int_equal(iommu_fwnode_new(ctx, NULL, &a), -EINVAL);
	assert_int_equal(iommu_fwnode_new(ctx, "", &a), -EINVAL);
	assert_int_equal(iommu_fwnode_new(ctx, "a", NULL), -EINVAL);
	assert_null(a);
	assert_int_equal(iommu_fwnode_new(ctx, "/soc/iommu@ff650800", &a), 0);
	assert_int_equal(iommu_fwnode_new(ctx, "/soc/iommu@ff650800", &b), -EEXIST);
	assert_null(b);
	assert_int_equal(iommu_fwnode_new(other, "/soc/iommu@ff650800", &b), 0);
	assert_ptr_not_equal(a, b);
	assert_ptr_equal(iommu_fwnode_find(ctx, "/soc/iommu@ff650800"), a);
	assert_ptr_equal(iommu_fwnode_find(other, "/soc/iommu@ff650800"), b);
	assert_null(iommu_fwnode_find(ctx, "/nope"));
	assert_null(iommu_fwnode_find(NULL, "a"));
	assert_null(iommu_fwnode_find(ctx, NULL));
	assert_string_equal(iommu_fwnode_name(a), "/soc/iommu@ff650800");
	assert_string_equal(iommu_fwnode_name(NULL), "");

	/* Enough to make the name table grow several times. */
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "/n%d", i);
		assert_int_equal(iommu_fwnode_new(ctx, name, &x), 0);
	}
	for (int i = 0; i < 3000; i += 7) {
		snprintf(name, sizeof(name), "/n%d", i);
		x = iommu_fwnode_find(ctx, name);
		assert_non_null(x);
		assert_string_equal(iommu_fwnode_name(x), name);
	}
	iommu_ctx_free(ctx);		/* frees every node */
	iommu_ctx_free(other);
}

static bool odd_match(struct iommu_dev *dev, const struct iommu_driver *drv)
{
	(void)drv;
	return strlen(iommu_dev_name(dev)) % 2;
}

static const struct iommu_bus_type amba_bus = { .name = "amba" };
static const struct iommu_bus_type odd_bus = { .name = "odd", .match = odd_match };
static const struct iommu_bus_type fake_platform = { .name = "platform" };
static const struct iommu_bus_type unnamed_bus = { .name = "" };

static void test_bus_register(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct iommu_dev_info info = { .name = "x", .bus = &amba_bus, .compatible = "arm,pl330" };
	struct iommu_dev *d1, *d2, *d3, *d4;
	struct tdrv *t;

	(void)state;
	assert_int_equal(iommu_bus_register(NULL, &amba_bus), -EINVAL);
	assert_int_equal(iommu_bus_register(ctx, NULL), -EINVAL);
	assert_int_equal(iommu_bus_register(ctx, &unnamed_bus), -EINVAL);
	assert_int_equal(iommu_bus_register(ctx, &iommu_platform_bus), -EEXIST);
	assert_int_equal(iommu_bus_register(ctx, &iommu_pci_bus), -EEXIST);
	assert_int_equal(iommu_bus_register(ctx, &fake_platform), -EEXIST);	/* name taken */

	/* Unknown bus: devices and drivers are refused. */
	assert_int_equal(iommu_dev_new(ctx, &info, &d1), -EINVAL);
	t = tdrv_init(0, "arm,pl330", &amba_bus, NULL);
	assert_int_equal(iommu_driver_register(ctx, &t->drv), -EINVAL);

	assert_int_equal(iommu_bus_register(ctx, &amba_bus), 0);
	assert_int_equal(iommu_bus_register(ctx, &amba_bus), -EEXIST);
	assert_int_equal(iommu_bus_register(ctx, &odd_bus), 0);

	/* A bus without match(): driver name == compatible. */
	assert_int_equal(iommu_dev_new(ctx, &info, &d1), 0);
	assert_int_equal(iommu_dev_add(d1), 0);
	info.name = "y";
	info.compatible = "arm,pl011";
	assert_int_equal(iommu_dev_new(ctx, &info, &d2), 0);
	assert_int_equal(iommu_dev_add(d2), 0);
	assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
	assert_ptr_equal(iommu_dev_driver(d1), &t->drv);
	assert_null(iommu_dev_driver(d2));
	assert_ptr_equal(iommu_dev_bus(d1), &amba_bus);

	/* The bus's own match() decides, whatever the names. */
	info.bus = &odd_bus;
	info.name = "abc";
	assert_int_equal(iommu_dev_new(ctx, &info, &d3), 0);
	assert_int_equal(iommu_dev_add(d3), 0);
	info.name = "ab";
	assert_int_equal(iommu_dev_new(ctx, &info, &d4), 0);
	assert_int_equal(iommu_dev_add(d4), 0);
	t = tdrv_init(1, "whatever", &odd_bus, NULL);
	assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
	assert_ptr_equal(iommu_dev_driver(d3), &t->drv);
	assert_null(iommu_dev_driver(d4));
	/* A driver of one bus never binds a device of another. */
	assert_null(iommu_dev_driver(d2));

	iommu_dev_put(d1);
	iommu_dev_put(d2);
	iommu_dev_put(d3);
	iommu_dev_put(d4);
	iommu_ctx_free(ctx);
}

static void test_platform_match(void **state)
{
	static const char *const compat[] = { "vendor,a", "vendor,b", NULL };
	struct iommu_ctx *ctx = tctx_new(0);
	struct iommu_dev *a, *b, *c, *n, *byname;
	struct tdrv *t, *tn;

	(void)state;
	a = tdev_add(ctx, "a", NULL, "vendor,a");
	b = tdev_add(ctx, "b", NULL, "vendor,b");
	c = tdev_add(ctx, "c", NULL, "vendor,c");
	n = tdev_add(ctx, "vendor,a2", NULL, NULL);	/* no compatible: matches nothing */
	byname = tdev_add(ctx, "byname", NULL, "simple-drv");
	t = tdrv_init(0, "list-drv", &iommu_platform_bus, compat);
	tn = tdrv_init(1, "simple-drv", &iommu_platform_bus, NULL);
	assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
	assert_int_equal(iommu_driver_register(ctx, &tn->drv), 0);
	assert_ptr_equal(iommu_dev_driver(a), &t->drv);
	assert_ptr_equal(iommu_dev_driver(b), &t->drv);
	assert_null(iommu_dev_driver(c));
	assert_null(iommu_dev_driver(n));
	assert_ptr_equal(iommu_dev_driver(byname), &tn->drv);
	assert_int_equal(t->nprobe, 2);
	assert_int_equal(tn->nprobe, 1);
	assert_string_equal(iommu_dev_compatible(a), "vendor,a");
	assert_null(iommu_dev_compatible(n));
	iommu_dev_put(a);
	iommu_dev_put(b);
	iommu_dev_put(c);
	iommu_dev_put(n);
	iommu_dev_put(byname);
	iommu_ctx_free(ctx);
}

static void test_pci_match(void **state)
{
	static const struct iommu_pci_id exact[] = {
		{ .vendor = 0x8086, .device = 0x1234 },
		{ 0 },
	};
	static const struct iommu_pci_id any_dev[] = {
		{ .vendor = 0x10de, .device = IOMMU_PCI_ANY_ID },
		{ 0 },
	};
	static const struct iommu_pci_id by_class[] = {
		/* any bridge: base class 0x06, sub class 0x04 (PCI-to-PCI) */
		{ .vendor = IOMMU_PCI_ANY_ID, .device = IOMMU_PCI_ANY_ID,
		  .class_code = 0x060400, .class_mask = 0xffff00 },
		{ 0 },
	};
	struct iommu_ctx *ctx = tctx_new(0);
	struct iommu_dev *nic, *gpu, *gpu2, *br, *other;
	struct tdrv *te, *ta, *tc;
	const struct iommu_pci_info *pi;

	(void)state;
	nic = tpci_add(ctx, "0000:01:00.0", NULL, 0x8086, 0x1234, 0x020000);
	gpu = tpci_add(ctx, "0000:02:00.0", NULL, 0x10de, 0x2204, 0x030000);
	gpu2 = tpci_add(ctx, "0000:03:00.0", NULL, 0x10de, 0x1eb8, 0x030200);
	br = tpci_add(ctx, "0000:00:1c.0", NULL, 0x8086, 0x9d10, 0x060401);	/* prog-if 01 */
	other = tpci_add(ctx, "0000:04:00.0", NULL, 0x8086, 0x1235, 0x020000);
	te = tdrv_init(0, "e1000e", &iommu_pci_bus, NULL);
	te->drv.pci_ids = exact;
	ta = tdrv_init(1, "nouveau", &iommu_pci_bus, NULL);
	ta->drv.pci_ids = any_dev;
	tc = tdrv_init(2, "pcieport", &iommu_pci_bus, NULL);
	tc->drv.pci_ids = by_class;
	assert_int_equal(iommu_driver_register(ctx, &te->drv), 0);
	assert_int_equal(iommu_driver_register(ctx, &ta->drv), 0);
	assert_int_equal(iommu_driver_register(ctx, &tc->drv), 0);
	assert_ptr_equal(iommu_dev_driver(nic), &te->drv);
	assert_ptr_equal(iommu_dev_driver(gpu), &ta->drv);
	assert_ptr_equal(iommu_dev_driver(gpu2), &ta->drv);
	assert_ptr_equal(iommu_dev_driver(br), &tc->drv);
	assert_null(iommu_dev_driver(other));

	/* A PCI driver without an ID table binds nothing; the info was copied. */
	pi = iommu_dev_pci(nic);
	assert_non_null(pi);
	assert_int_equal(pi->vendor, 0x8086);
	assert_int_equal(pi->class_code, 0x020000);
	assert_null(iommu_dev_pci(NULL));

	iommu_dev_put(nic);
	iommu_dev_put(gpu);
	iommu_dev_put(gpu2);
	iommu_dev_put(br);
	iommu_dev_put(other);
	iommu_ctx_free(ctx);
}

static void test_dev_new_args(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0), *other = tctx_new(0);
	struct iommu_pci_info pci = { .vendor = 1 };
	struct iommu_dev_info info = { .name = "d", .bus = &iommu_platform_bus };
	struct iommu_dev *dev = NULL, *p_other, *p_new, *p_dead;
	struct iommu_fwnode *fw_other;
	long live;

	(void)state;
	p_other = tdev_add(other, "p", NULL, NULL);
	p_new = tdev_new(ctx, "p-new", NULL, NULL);
	p_dead = tdev_add(ctx, "p-dead", NULL, NULL);
	assert_int_equal(iommu_dev_del(p_dead), 0);
	assert_int_equal(iommu_fwnode_new(other, "/fw", &fw_other), 0);
	live = iu_alloc_live();

	assert_int_equal(iommu_dev_new(NULL, &info, &dev), -EINVAL);
	assert_int_equal(iommu_dev_new(ctx, NULL, &dev), -EINVAL);
	assert_int_equal(iommu_dev_new(ctx, &info, NULL), -EINVAL);
	info.name = NULL;
	assert_int_equal(iommu_dev_new(ctx, &info, &dev), -EINVAL);
	info.name = "";
	assert_int_equal(iommu_dev_new(ctx, &info, &dev), -EINVAL);
	info.name = "d";
	info.bus = NULL;
	assert_int_equal(iommu_dev_new(ctx, &info, &dev), -EINVAL);
	info.bus = &amba_bus;		/* not registered */
	assert_int_equal(iommu_dev_new(ctx, &info, &dev), -EINVAL);
	info.bus = &iommu_pci_bus;	/* PCI without its info */
	assert_int_equal(iommu_dev_new(ctx, &info, &dev), -EINVAL);
	info.pci = &pci;
	info.bus = &iommu_platform_bus;
	info.parent = p_other;		/* another context */
	assert_int_equal(iommu_dev_new(ctx, &info, &dev), -EINVAL);
	info.parent = p_new;		/* not added */
	assert_int_equal(iommu_dev_new(ctx, &info, &dev), -EINVAL);
	info.parent = p_dead;		/* deleted */
	assert_int_equal(iommu_dev_new(ctx, &info, &dev), -EINVAL);
	info.parent = NULL;
	info.fwnode = fw_other;		/* another context */
	assert_int_equal(iommu_dev_new(ctx, &info, &dev), -EINVAL);
	assert_null(dev);
	info.fwnode = NULL;
	/* Nothing was left behind by the refusals. */
	assert_int_equal(iu_alloc_live(), live);

	/* PCI info on a platform device is ignored. */
	assert_int_equal(iommu_dev_new(ctx, &info, &dev), 0);
	assert_null(iommu_dev_pci(dev));
	assert_false(iommu_dev_is_present(dev));
	iommu_dev_put(dev);
	assert_int_equal(iu_alloc_live(), live);

	iommu_dev_put(p_other);
	iommu_dev_put(p_new);
	iommu_dev_put(p_dead);
	iommu_ctx_free(other);
	iommu_ctx_free(ctx);
}

static void test_dev_add_del_args(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct iommu_dev *a, *a2, *p, *c, *nd;

	(void)state;
	assert_int_equal(iommu_dev_add(NULL), -EINVAL);
	assert_int_equal(iommu_dev_del(NULL), -EINVAL);

	a = tdev_add(ctx, "a", NULL, NULL);
	assert_int_equal(iommu_dev_add(a), -EINVAL);		/* already added */
	a2 = tdev_new(ctx, "a", NULL, NULL);			/* same name: new is fine ... */
	assert_int_equal(iommu_dev_add(a2), -EEXIST);		/* ... adding is not */
	assert_false(iommu_dev_is_present(a2));
	assert_int_equal(iommu_dev_del(a2), -EINVAL);		/* never added */

	/* The parent goes between new and add. */
	p = tdev_add(ctx, "p", NULL, NULL);
	c = tdev_new(ctx, "c", p, NULL);
	assert_ptr_equal(iommu_dev_parent(c), p);
	assert_int_equal(iommu_dev_del(p), 0);
	assert_int_equal(iommu_dev_add(c), -ENODEV);
	assert_false(iommu_dev_is_present(c));

	assert_int_equal(iommu_dev_del(a), 0);
	assert_int_equal(iommu_dev_del(a), -ENODEV);		/* twice */
	assert_int_equal(iommu_dev_add(a), -EINVAL);		/* deleted */
	/* The name is free again once deleted; a2 was unchanged by its refusal. */
	assert_int_equal(iommu_dev_add(a2), 0);
	assert_true(iommu_dev_is_present(a2));

	/* A never-added device is only put. */
	nd = tdev_new(ctx, "nd", NULL, NULL);
	iommu_dev_put(nd);

	iommu_dev_put(a);
	iommu_dev_put(a2);
	iommu_dev_put(c);
	iommu_dev_put(p);
	iommu_ctx_free(ctx);
}

static void test_dev_accessors(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct iommu_fwnode *fw;
	struct iommu_dev_info info = { .name = "uart0", .bus = &iommu_platform_bus,
				       .compatible = "ns16550" };
	struct iommu_dev *dev;
	char name[] = "uart0";

	(void)state;
	assert_int_equal(iommu_fwnode_new(ctx, "/soc/uart@0", &fw), 0);
	info.fwnode = fw;
	info.name = name;
	assert_int_equal(iommu_dev_new(ctx, &info, &dev), 0);
	name[0] = 'X';			/* copied */
	assert_string_equal(iommu_dev_name(dev), "uart0");
	assert_ptr_equal(iommu_dev_ctx(dev), ctx);
	assert_null(iommu_dev_parent(dev));
	assert_ptr_equal(iommu_dev_bus(dev), &iommu_platform_bus);
	assert_ptr_equal(iommu_dev_fwnode(dev), fw);
	assert_string_equal(iommu_dev_compatible(dev), "ns16550");
	assert_null(iommu_dev_driver(dev));
	assert_false(iommu_dev_is_present(dev));
	assert_false(iommu_dev_is_deferred(dev));
	assert_null(iommu_dev_drvdata(dev));
	iommu_dev_set_drvdata(dev, &info);
	assert_ptr_equal(iommu_dev_drvdata(dev), &info);
	iommu_dev_set_drvdata(dev, NULL);
	assert_int_equal(iommu_dev_supplier_count(dev), 0);
	assert_int_equal(iommu_dev_consumer_count(dev), 0);
	assert_int_equal(iommu_dev_add(dev), 0);
	assert_true(iommu_dev_is_present(dev));

	/* NULL everywhere. */
	assert_string_equal(iommu_dev_name(NULL), "");
	assert_null(iommu_dev_ctx(NULL));
	assert_null(iommu_dev_parent(NULL));
	assert_null(iommu_dev_bus(NULL));
	assert_null(iommu_dev_fwnode(NULL));
	assert_null(iommu_dev_compatible(NULL));
	assert_null(iommu_dev_driver(NULL));
	assert_false(iommu_dev_is_present(NULL));
	assert_false(iommu_dev_is_deferred(NULL));
	assert_null(iommu_dev_drvdata(NULL));
	iommu_dev_set_drvdata(NULL, NULL);
	assert_int_equal(iommu_dev_supplier_count(NULL), 0);
	assert_int_equal(iommu_dev_consumer_count(NULL), 0);
	assert_null(iommu_dev_get(NULL));
	iommu_dev_put(NULL);
	iommu_dev_lock(NULL);
	iommu_dev_unlock(NULL);

	iommu_dev_lock(dev);
	assert_false(iu_mutex_trylock(&dev->lock));
	iommu_dev_unlock(dev);

	iommu_dev_put(dev);
	iommu_ctx_free(ctx);
}

static void test_refcount_find(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct iommu_dev *d, *f;
	long live;

	(void)state;
	d = tdev_add(ctx, "d", NULL, NULL);
	live = iu_alloc_live();
	f = iommu_dev_find(ctx, "d");
	assert_ptr_equal(f, d);
	assert_ptr_equal(iommu_dev_get(d), d);
	iommu_dev_put(d);
	iommu_dev_put(f);
	assert_null(iommu_dev_find(ctx, "nope"));
	assert_null(iommu_dev_find(NULL, "d"));
	assert_null(iommu_dev_find(ctx, NULL));
	assert_int_equal(iommu_dev_del(d), 0);
	assert_null(iommu_dev_find(ctx, "d"));
	/* The caller's reference outlives the deletion. */
	assert_string_equal(iommu_dev_name(d), "d");
	assert_false(iommu_dev_is_present(d));
	assert_int_equal(iu_alloc_live(), live);
	iommu_dev_put(d);			/* frees it */
	assert_true(iu_alloc_live() < live);
	iommu_ctx_free(ctx);
}

/* A caller may put its references after the context is gone. */
static void test_put_after_ctx_free(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct iommu_dev *p, *c, *n;

	(void)state;
	p = tdev_add(ctx, "p", NULL, NULL);
	c = tdev_add(ctx, "c", p, NULL);
	n = tdev_new(ctx, "n", c, NULL);	/* never added, holds c */
	iommu_ctx_free(ctx);
	assert_false(iommu_dev_is_present(p));
	assert_false(iommu_dev_is_present(c));
	iommu_dev_put(p);
	iommu_dev_put(c);
	iommu_dev_put(n);			/* frees n, then c, then p */
}

static void test_children_deleted_first(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct iommu_dev *root, *a, *b, *a1, *a2, *b1;

	(void)state;
	root = tdev_add(ctx, "root", NULL, NULL);
	a = tdev_add(ctx, "a", root, NULL);
	b = tdev_add(ctx, "b", root, NULL);
	a1 = tdev_add(ctx, "a1", a, NULL);
	b1 = tdev_add(ctx, "b1", b, NULL);
	a2 = tdev_add(ctx, "a2", a, NULL);
	tev_attach(ctx);
	assert_int_equal(iommu_dev_del(root), 0);
	/* Last-added child first, depth first. */
	assert_string_equal(tev_get(), "del:b1 del:b del:a2 del:a1 del:a del:root");
	assert_int_equal(iommu_dev_del(a1), -ENODEV);
	iommu_dev_put(root);
	iommu_dev_put(a);
	iommu_dev_put(b);
	iommu_dev_put(a1);
	iommu_dev_put(a2);
	iommu_dev_put(b1);
	iommu_ctx_free(ctx);
}

static void test_ctx_free_order(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct iommu_dev *d[5];

	(void)state;
	d[0] = tdev_add(ctx, "r1", NULL, NULL);
	d[1] = tdev_add(ctx, "r2", NULL, NULL);
	d[2] = tdev_add(ctx, "c1", d[0], NULL);
	d[3] = tdev_add(ctx, "c2", d[1], NULL);
	d[4] = tdev_add(ctx, "g1", d[2], NULL);
	for (int i = 0; i < 5; i++)
		iommu_dev_put(d[i]);		/* the model keeps them */
	tev_attach(ctx);
	iommu_ctx_free(ctx);
	assert_string_equal(tev_get(), "del:g1 del:c2 del:c1 del:r2 del:r1");
}

struct each_arg {
	char names[256];
	int stop_at;
	struct iommu_dev *victim;
	int calls;
};

static int each_fn(struct iommu_dev *dev, void *arg)
{
	struct each_arg *ea = arg;

	ea->calls++;
	strcat(ea->names, iommu_dev_name(dev));
	strcat(ea->names, " ");
	if (ea->victim) {
		assert_int_equal(iommu_dev_del(ea->victim), 0);
		ea->victim = NULL;
	}
	return ea->calls == ea->stop_at ? 42 : 0;
}

static void test_for_each(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct iommu_dev *a, *b, *c, *d;
	struct each_arg ea = { .stop_at = 0 };

	(void)state;
	assert_int_equal(iommu_dev_for_each(NULL, each_fn, &ea), -EINVAL);
	assert_int_equal(iommu_dev_for_each(ctx, NULL, &ea), -EINVAL);
	assert_int_equal(iommu_dev_for_each(ctx, each_fn, &ea), 0);	/* empty */
	assert_int_equal(ea.calls, 0);
	a = tdev_add(ctx, "a", NULL, NULL);
	b = tdev_add(ctx, "b", NULL, NULL);
	c = tdev_add(ctx, "c", NULL, NULL);
	d = tdev_new(ctx, "d", NULL, NULL);	/* not added: not visited */
	assert_int_equal(iommu_dev_for_each(ctx, each_fn, &ea), 0);
	assert_string_equal(ea.names, "a b c ");

	memset(&ea, 0, sizeof(ea));
	ea.stop_at = 2;
	assert_int_equal(iommu_dev_for_each(ctx, each_fn, &ea), 42);
	assert_string_equal(ea.names, "a b ");

	/* fn deletes a later device of the snapshot: it is skipped. */
	memset(&ea, 0, sizeof(ea));
	ea.victim = b;
	assert_int_equal(iommu_dev_for_each(ctx, each_fn, &ea), 0);
	assert_string_equal(ea.names, "a c ");

	iu_fail_nth(1);
	assert_int_equal(iommu_dev_for_each(ctx, each_fn, &ea), -ENOMEM);
	iu_fail_nth(0);

	iommu_dev_put(a);
	iommu_dev_put(b);
	iommu_dev_put(c);
	iommu_dev_put(d);
	iommu_ctx_free(ctx);
}

static void test_snapshot(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct iommu_dev **devs, *a, *b;
	size_t n;

	(void)state;
	assert_int_equal(base_snapshot(ctx, &devs, &n), 0);
	assert_int_equal(n, 0);
	base_put_array(devs, n);
	a = tdev_add(ctx, "a", NULL, NULL);
	b = tdev_add(ctx, "b", NULL, NULL);
	assert_int_equal(base_snapshot(ctx, &devs, &n), 0);
	assert_int_equal(n, 2);
	assert_ptr_equal(devs[0], a);
	assert_ptr_equal(devs[1], b);
	assert_int_equal(iommu_dev_del(a), 0);
	assert_string_equal(iommu_dev_name(devs[0]), "a");	/* still referenced */
	base_put_array(devs, n);
	assert_false(base_dev_is_bound(b));
	iommu_dev_put(a);
	iommu_dev_put(b);
	iommu_ctx_free(ctx);
}

/* Many devices: names hash, and teardown stays linear. */
static void test_many_devices(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct iommu_dev *root, *dev, *f;
	char name[32];
	uint64_t t0 = iu_now_ns();

	(void)state;
	root = tdev_add(ctx, "root", NULL, NULL);
	for (int i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "dev%d", i);
		dev = tdev_add(ctx, name, i % 2 ? root : NULL, NULL);
		iommu_dev_put(dev);
	}
	dev = tdev_new(ctx, "dev777", NULL, NULL);
	assert_int_equal(iommu_dev_add(dev), -EEXIST);
	iommu_dev_put(dev);
	f = iommu_dev_find(ctx, "dev19999");
	assert_non_null(f);
	iommu_dev_put(f);
	iommu_dev_put(root);
	iommu_ctx_free(ctx);
	/* Quadratic behaviour would take minutes; linear takes milliseconds. */
	assert_true(iu_now_ns() - t0 < 20ull * 1000000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ctx_args, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_ctx_mem_and_threads, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_fwnode, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_bus_register, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_platform_match, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_pci_match, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_dev_new_args, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_dev_add_del_args, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_dev_accessors, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_refcount_find, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_put_after_ctx_free, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_children_deleted_first, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_ctx_free_order, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_for_each, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_snapshot, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_many_devices, tbase_setup, tbase_teardown),
	};

	return cmocka_run_group_tests_name("base-device", tests, NULL, NULL);
}
