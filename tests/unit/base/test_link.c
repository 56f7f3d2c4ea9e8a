// SPDX-License-Identifier: MIT
/* Device model unit tests: device links. */
#include <stdio.h>
#include "helpers.h"

static void test_link_args(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0), *other = tctx_new(0);
	struct iommu_dev *a, *b, *o, *n, *dead;
	struct iommu_link *l = NULL;
	long live;

	(void)state;
	a = tdev_add(ctx, "a", NULL, NULL);
	b = tdev_add(ctx, "b", NULL, NULL);
	o = tdev_add(other, "o", NULL, NULL);
	n = tdev_new(ctx, "n", NULL, NULL);
	dead = tdev_add(ctx, "dead", NULL, NULL);
	assert_int_equal(iommu_dev_del(dead), 0);
	live = iu_alloc_live();
	assert_int_equal(iommu_link_add(NULL, b, &l), -EINVAL);
	assert_int_equal(iommu_link_add(a, NULL, &l), -EINVAL);
	assert_int_equal(iommu_link_add(a, b, NULL), -EINVAL);
	assert_int_equal(iommu_link_add(a, a, &l), -EINVAL);
	assert_int_equal(iommu_link_add(a, o, &l), -EINVAL);
	assert_int_equal(iommu_link_add(a, n, &l), -ENODEV);
	assert_int_equal(iommu_link_add(n, a, &l), -ENODEV);
	assert_int_equal(iommu_link_add(a, dead, &l), -ENODEV);
	assert_null(l);
	assert_int_equal(iu_alloc_live(), live);
	assert_int_equal(iommu_dev_supplier_count(a), 0);
	iommu_link_del(NULL);
	iommu_dev_put(a);
	iommu_dev_put(b);
	iommu_dev_put(o);
	iommu_dev_put(n);
	iommu_dev_put(dead);
	iommu_ctx_free(ctx);
	iommu_ctx_free(other);
}

static void test_link_reuse_and_counts(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct iommu_dev *c, *s1, *s2;
	struct iommu_link *l1, *l2, *l3;

	(void)state;
	c = tdev_add(ctx, "c", NULL, NULL);
	s1 = tdev_add(ctx, "s1", NULL, NULL);
	s2 = tdev_add(ctx, "s2", NULL, NULL);
	tev_attach(ctx);
	assert_int_equal(iommu_link_add(c, s1, &l1), 0);
	assert_int_equal(iommu_link_add(c, s1, &l2), 0);
	assert_ptr_equal(l1, l2);			/* reused, count 2 */
	assert_int_equal(iommu_link_add(c, s2, &l3), 0);
	assert_string_equal(tev_get(), "link:c:s1 link:c:s2");
	assert_int_equal(iommu_dev_supplier_count(c), 2);
	assert_int_equal(iommu_dev_consumer_count(s1), 1);
	assert_int_equal(iommu_dev_consumer_count(c), 0);
	iommu_link_del(l1);
	assert_int_equal(iommu_dev_consumer_count(s1), 1);	/* one count left */
	iommu_link_del(l2);
	assert_int_equal(iommu_dev_consumer_count(s1), 0);
	assert_int_equal(iommu_dev_supplier_count(c), 1);
	iommu_link_del(l3);
	assert_int_equal(iommu_dev_supplier_count(c), 0);
	iommu_dev_put(c);
	iommu_dev_put(s1);
	iommu_dev_put(s2);
	iommu_ctx_free(ctx);
}

static void test_link_cycles(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct iommu_dev *d[4];
	struct iommu_link *l[3], *x = NULL;
	char name[8];

	(void)state;
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		d[i] = tdev_add(ctx, name, NULL, NULL);
	}
	/* d0 -> d1 -> d2 -> d3 (consumer -> supplier) */
	for (int i = 0; i < 3; i++)
		assert_int_equal(iommu_link_add(d[i], d[i + 1], &l[i]), 0);
	assert_int_equal(iommu_link_add(d[1], d[0], &x), -EINVAL);	/* direct */
	assert_int_equal(iommu_link_add(d[3], d[0], &x), -EINVAL);	/* through two */
	assert_int_equal(iommu_link_add(d[2], d[1], &x), -EINVAL);
	assert_null(x);
	/* Not a cycle: a shortcut in the same direction. */
	assert_int_equal(iommu_link_add(d[0], d[3], &x), 0);
	/* Once the chain is cut, the reverse link is fine. */
	iommu_link_del(l[1]);
	assert_int_equal(iommu_link_add(d[2], d[1], &l[1]), 0);
	iommu_link_del(l[1]);
	iommu_link_del(l[0]);
	iommu_link_del(l[2]);
	iommu_link_del(x);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(iommu_dev_supplier_count(d[i]), 0);
		iommu_dev_put(d[i]);
	}
	iommu_ctx_free(ctx);
}

/* A consumer probes only while its supplier is bound. */
static void test_consumer_waits_for_supplier(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct tdrv *ts = tdrv_init(0, "sup", &iommu_platform_bus, NULL);
	struct tdrv *tc = tdrv_init(1, "con", &iommu_platform_bus, NULL);
	struct iommu_dev *s, *c;
	struct iommu_link *l;

	(void)state;
	assert_int_equal(iommu_driver_register(ctx, &tc->drv), 0);
	s = tdev_add(ctx, "s", NULL, "sup");
	c = tdev_new(ctx, "c", NULL, "con");
	tev_attach(ctx);
	assert_int_equal(iommu_dev_add(c), 0);
	assert_true(base_dev_is_bound(c));		/* no link yet: bound */
	assert_int_equal(iommu_dev_unbind(c), 0);
	assert_int_equal(iommu_link_add(c, s, &l), 0);
	assert_int_equal(iommu_dev_reprobe(c), IOMMU_EPROBE_DEFER);
	assert_true(iommu_dev_is_deferred(c));
	assert_int_equal(tc->nprobe, 1);		/* probe() not called while waiting */
	assert_non_null(strstr(tev_get(), "defer:c:waiting for supplier s"));

	/* The supplier binds: the consumer follows in the same call. */
	tlog_reset();
	assert_int_equal(iommu_driver_register(ctx, &ts->drv), 0);
	assert_string_equal(tlog_get(), "p:sup:s p:con:c");
	assert_false(iommu_dev_is_deferred(c));

	/* Unbinding the supplier unbinds the consumer first... */
	tlog_reset();
	assert_int_equal(iommu_dev_unbind(s), 0);
	assert_string_equal(tlog_get(), "r:con:c r:sup:s");
	/* ...which waits to re-probe when the supplier binds again. */
	assert_true(iommu_dev_is_deferred(c));
	assert_false(iommu_dev_is_deferred(s));
	tlog_reset();
	assert_int_equal(iommu_dev_reprobe(s), 0);
	assert_string_equal(tlog_get(), "p:sup:s p:con:c");

	iommu_link_del(l);
	iommu_dev_put(s);
	iommu_dev_put(c);
	iommu_ctx_free(ctx);
}

/* Unbinding goes down a chain consumers-first; rebinding comes back up. */
static void test_chain_unbind(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct tdrv *t = tdrv_init(0, "drv", &iommu_platform_bus, NULL);
	struct iommu_dev *a, *b, *c, *d;
	struct iommu_link *lba, *lcb, *lda;

	(void)state;
	a = tdev_add(ctx, "a", NULL, "drv");
	b = tdev_add(ctx, "b", NULL, "drv");
	c = tdev_add(ctx, "c", NULL, "drv");
	d = tdev_add(ctx, "d", NULL, "drv");
	assert_int_equal(iommu_link_add(b, a, &lba), 0);
	assert_int_equal(iommu_link_add(c, b, &lcb), 0);
	assert_int_equal(iommu_link_add(d, a, &lda), 0);
	assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
	for (struct iommu_dev *x = a; x; x = x == a ? b : x == b ? c : x == c ? d : NULL)
		assert_true(base_dev_is_bound(x));

	tlog_reset();
	assert_int_equal(iommu_driver_unregister(ctx, &t->drv), 0);
	/* a's consumers (b, with c under it, then d) go before a. */
	assert_string_equal(tlog_get(), "r:drv:c r:drv:b r:drv:d r:drv:a");

	tlog_reset();
	assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
	/* The new driver walks the devices in add order: suppliers come up first. */
	assert_string_equal(tlog_get(), "p:drv:a p:drv:b p:drv:c p:drv:d");
	assert_false(iommu_dev_is_deferred(c));
	assert_true(base_dev_is_bound(c));

	iommu_link_del(lba);
	iommu_link_del(lcb);
	iommu_link_del(lda);
	iommu_dev_put(a);
	iommu_dev_put(b);
	iommu_dev_put(c);
	iommu_dev_put(d);
	iommu_ctx_free(ctx);
}

/* A link goes with either end; the handle stays usable for its del. */
static void test_link_dies_with_end(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct tdrv *t = tdrv_init(0, "drv", &iommu_platform_bus, NULL);
	struct iommu_dev *s, *c1, *c2;
	struct iommu_link *l1, *l2, *l2b;

	(void)state;
	assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
	s = tdev_add(ctx, "s", NULL, "drv");
	c1 = tdev_add(ctx, "c1", NULL, "drv");
	c2 = tdev_add(ctx, "c2", NULL, "drv");
	assert_int_equal(iommu_link_add(c1, s, &l1), 0);
	assert_int_equal(iommu_link_add(c2, s, &l2), 0);
	assert_int_equal(iommu_link_add(c2, s, &l2b), 0);
	assert_int_equal(iommu_dev_consumer_count(s), 2);

	/* The consumer end goes. */
	assert_int_equal(iommu_dev_del(c1), 0);
	assert_int_equal(iommu_dev_consumer_count(s), 1);
	iommu_link_del(l1);				/* dead handle: just freed */

	/* The supplier end goes: consumers unbound first, links gone. */
	tlog_reset();
	assert_int_equal(iommu_dev_del(s), 0);
	assert_string_equal(tlog_get(), "r:drv:c2 r:drv:s p:drv:c2");
	/* With the link gone c2 has nothing to wait for: it re-probed. */
	assert_true(base_dev_is_bound(c2));
	assert_int_equal(iommu_dev_supplier_count(c2), 0);
	iommu_link_del(l2);
	iommu_link_del(l2b);

	/* A dead handle nobody deletes is freed with the context. */
	iommu_dev_put(s);
	s = tdev_add(ctx, "s2", NULL, NULL);
	assert_int_equal(iommu_link_add(c2, s, &l1), 0);
	assert_int_equal(iommu_dev_del(s), 0);
	iommu_dev_put(s);
	iommu_dev_put(c1);
	iommu_dev_put(c2);
	iommu_ctx_free(ctx);
}

/* Deleting a link a deferred consumer waited on lets it probe. */
static void test_link_del_releases_consumer(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct tdrv *t = tdrv_init(0, "drv", &iommu_platform_bus, NULL);
	struct iommu_dev *s, *c;
	struct iommu_link *l;

	(void)state;
	s = tdev_add(ctx, "s", NULL, NULL);		/* never bound */
	c = tdev_add(ctx, "c", NULL, "drv");
	assert_int_equal(iommu_link_add(c, s, &l), 0);
	assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
	assert_true(iommu_dev_is_deferred(c));
	iommu_link_del(l);
	/* The retry runs at the next outermost call (here: an explicit trigger). */
	base_trigger_deferred(ctx);
	assert_true(base_dev_is_bound(c));
	assert_false(iommu_dev_is_deferred(c));
	base_trigger_deferred(NULL);
	iommu_dev_put(s);
	iommu_dev_put(c);
	iommu_ctx_free(ctx);
}

/* A deferred consumer that is deleted leaves the deferred list. */
static void test_delete_deferred(void **state)
{
	struct iommu_ctx *ctx = tctx_new(0);
	struct tdrv *t = tdrv_init(0, "drv", &iommu_platform_bus, NULL);
	struct tdrv *o = tdrv_init(1, "other", &iommu_platform_bus, NULL);
	struct iommu_dev *c, *x;

	(void)state;
	t->defer_forever = true;
	assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
	assert_int_equal(iommu_driver_register(ctx, &o->drv), 0);
	c = tdev_add(ctx, "c", NULL, "drv");
	assert_true(iommu_dev_is_deferred(c));
	assert_int_equal(iommu_dev_del(c), 0);
	assert_false(iommu_dev_is_deferred(c));
	tlog_reset();
	x = tdev_add(ctx, "x", NULL, "other");		/* triggers a retry */
	assert_string_equal(tlog_get(), "p:other:x");
	iommu_dev_put(x);
	iommu_dev_put(c);
	iommu_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_link_args, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_link_reuse_and_counts, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_link_cycles, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_consumer_waits_for_supplier, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_chain_unbind, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_link_dies_with_end, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_link_del_releases_consumer, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_delete_deferred, tbase_setup, tbase_teardown),
	};

	return cmocka_run_group_tests_name("base-link", tests, NULL, NULL);
}
