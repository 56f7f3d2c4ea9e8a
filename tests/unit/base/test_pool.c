// SPDX-License-Identifier: MIT
/* Device model unit tests: probing on a thread pool, and races with deletion. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include "helpers.h"

static void test_pool_probe_and_retry(void **state)
{
	struct iommu_ctx *ctx = tctx_new(2);
	struct tdrv *ts = tdrv_init(0, "sup", &iommu_platform_bus, NULL);
	struct tdrv *tc = tdrv_init(1, "con", &iommu_platform_bus, NULL);
	struct iommu_dev *s, *c[64];
	struct iommu_link *l[64];
	char name[16];

	(void)state;
	s = tdev_add(ctx, "s", NULL, "sup");
	for (int i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		c[i] = tdev_add(ctx, name, NULL, "con");
		assert_int_equal(iommu_link_add(c[i], s, &l[i]), 0);
	}
	/* Registration binds on the caller's thread: every consumer waits. */
	assert_int_equal(iommu_driver_register(ctx, &tc->drv), 0);
	iommu_ctx_settle(ctx);
	for (int i = 0; i < 64; i++)
		assert_true(iommu_dev_is_deferred(c[i]));
	assert_int_equal(tc->nprobe, 0);
	/* The supplier binds; the retry runs on the pool. */
	assert_int_equal(iommu_driver_register(ctx, &ts->drv), 0);
	iommu_ctx_settle(ctx);
	for (int i = 0; i < 64; i++) {
		assert_true(base_dev_is_bound(c[i]));
		assert_false(iommu_dev_is_deferred(c[i]));
	}
	assert_int_equal(tc->nprobe, 64);
	/* Devices added now probe on the pool. */
	for (int i = 0; i < 200; i++) {
		struct iommu_dev *d;

		snprintf(name, sizeof(name), "d%d", i);
		d = tdev_add(ctx, name, NULL, "con");
		iommu_dev_put(d);
	}
	iommu_ctx_settle(ctx);
	assert_int_equal(tc->nprobe, 264);
	/* A reprobe runs on the calling thread even here. */
	assert_int_equal(iommu_dev_unbind(c[0]), 0);
	assert_int_equal(iommu_dev_reprobe(c[0]), 0);
	for (int i = 0; i < 64; i++) {
		iommu_link_del(l[i]);
		iommu_dev_put(c[i]);
	}
	iommu_dev_put(s);
	iommu_ctx_free(ctx);
	assert_int_equal(tc->nremove, tc->nprobe);
}

static int settle_in_probe(struct tdrv *t, struct iommu_dev *dev)
{
	(void)t;
	iommu_ctx_settle(iommu_dev_ctx(dev));	/* a worker: must return at once */
	return 0;
}

static void test_pool_settle_from_probe(void **state)
{
	struct iommu_ctx *ctx = tctx_new(1);
	struct tdrv *t = tdrv_init(0, "drv", &iommu_platform_bus, NULL);
	struct iommu_dev *d;

	(void)state;
	t->hook = settle_in_probe;
	assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
	d = tdev_add(ctx, "d", NULL, "drv");
	iommu_ctx_settle(ctx);
	assert_true(base_dev_is_bound(d));
	iommu_dev_put(d);
	iommu_ctx_free(ctx);
}

/* Deletion racing queued and running probes. */
static void test_pool_delete_racing_probe(void **state)
{
	struct iommu_ctx *ctx = tctx_new(2);
	struct tdrv *t = tdrv_init(0, "slow", &iommu_platform_bus, NULL);
	struct iommu_dev *d[40];
	char name[16];

	(void)state;
	t->probe_delay_us = 200;
	assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 40; i++) {
			snprintf(name, sizeof(name), "d%d", i);
			d[i] = tdev_add(ctx, name, NULL, "slow");
		}
		for (int i = 0; i < 40; i++) {
			assert_int_equal(iommu_dev_del(d[i]), 0);
			assert_false(base_dev_is_bound(d[i]));
			iommu_dev_put(d[i]);
		}
		iommu_ctx_settle(ctx);
		/* Every probe that bound was undone by the deletion. */
		assert_int_equal(t->nprobe, t->nremove);
	}
	iommu_ctx_free(ctx);
}

struct race {
	struct iommu_ctx *ctx;
	struct iommu_dev *parent;
	int round;
	int added, refused;
	struct iommu_dev *kids[64];
};

static void *add_children(void *arg)
{
	struct race *r = arg;
	char name[32];

	for (int i = 0; i < 64; i++) {
		struct iommu_dev *c;
		int ret;

		snprintf(name, sizeof(name), "r%d.c%d", r->round, i);
		/* The parent may be dying already: new refuses a deleted parent. */
		ret = iommu_dev_new(r->ctx, &(struct iommu_dev_info){
			.name = name, .bus = &iommu_platform_bus, .parent = r->parent,
			.compatible = "slow" }, &c);
		if (ret) {
			r->refused++;
			continue;
		}
		ret = iommu_dev_add(c);
		usleep(20);		/* spread the adds over the deleter's window */
		if (ret == 0) {
			r->kids[r->added++] = c;
		} else {
			r->refused++;
			iommu_dev_put(c);
		}
	}
	return NULL;
}

static void *delete_parent(void *arg)
{
	struct race *r = arg;

	usleep((useconds_t)(r->round * 131 % 3000));
	iommu_dev_del(r->parent);
	return NULL;
}

/* Concurrent iommu_dev_del() of a parent and iommu_dev_add() of its children. */
static void test_pool_del_vs_add_children(void **state)
{
	struct iommu_ctx *ctx = tctx_new(2);
	struct tdrv *t = tdrv_init(0, "slow", &iommu_platform_bus, NULL);
	int added = 0, refused = 0, mixed = 0;
	char name[16];

	(void)state;
	t->probe_delay_us = 20;
	assert_int_equal(iommu_driver_register(ctx, &t->drv), 0);
	for (int round = 0; round < 30; round++) {
		struct race r = { .ctx = ctx, .round = round };
		pthread_t ta, tb;

		snprintf(name, sizeof(name), "p%d", round);
		r.parent = tdev_add(ctx, name, NULL, NULL);
		assert_int_equal(pthread_create(&ta, NULL, add_children, &r), 0);
		assert_int_equal(pthread_create(&tb, NULL, delete_parent, &r), 0);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		assert_int_equal(r.added + r.refused, 64);
		added += r.added;
		refused += r.refused;
		mixed += r.added && r.refused;
		/* Every child that made it in went with its parent. */
		for (int i = 0; i < r.added; i++) {
			assert_false(iommu_dev_is_present(r.kids[i]));
			assert_false(base_dev_is_bound(r.kids[i]));
			iommu_dev_put(r.kids[i]);
		}
		assert_false(iommu_dev_is_present(r.parent));
		iommu_dev_put(r.parent);
	}
	iommu_ctx_settle(ctx);
	assert_int_equal(t->nprobe, t->nremove);
	/* Both outcomes should occur, or the test raced nothing. */
	print_message("children added %d, refused %d; %d of 30 rounds cut the adds short\n",
		      added, refused, mixed);
	iommu_ctx_free(ctx);
}

/* Two user threads adding and deleting while drivers load and unload. */
struct churn {
	struct iommu_ctx *ctx;
	int id;
};

static void *churn_thread(void *arg)
{
	struct churn *ch = arg;
	char name[32];

	for (int i = 0; i < 300; i++) {
		struct iommu_dev *d;

		snprintf(name, sizeof(name), "t%d.%d", ch->id, i);
		d = tdev_add(ch->ctx, name, NULL, i % 2 ? "slow" : "fast");
		if (i % 3)
			iommu_dev_del(d);
		iommu_dev_put(d);
	}
	return NULL;
}

static unsigned int churn_defers;

/* Defer the first 50 probes, whichever devices and threads they come from. */
static int defer_first_50(struct tdrv *t, struct iommu_dev *dev)
{
	(void)t;
	(void)dev;
	return __atomic_fetch_add(&churn_defers, 1, __ATOMIC_SEQ_CST) < 50 ? IOMMU_EPROBE_DEFER : 0;
}

static void test_pool_churn(void **state)
{
	struct iommu_ctx *ctx = tctx_new(2);
	struct tdrv *slow = tdrv_init(0, "slow", &iommu_platform_bus, NULL);
	struct tdrv *fast = tdrv_init(1, "fast", &iommu_platform_bus, NULL);
	struct churn ch[2] = { { ctx, 0 }, { ctx, 1 } };
	pthread_t th[2];

	(void)state;
	slow->probe_delay_us = 10;
	fast->hook = defer_first_50;
	assert_int_equal(iommu_driver_register(ctx, &slow->drv), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, churn_thread, &ch[i]), 0);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(iommu_driver_register(ctx, &fast->drv), 0);
		usleep(100);
		assert_int_equal(iommu_driver_unregister(ctx, &fast->drv), 0);
	}
	assert_int_equal(iommu_driver_register(ctx, &fast->drv), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	iommu_ctx_settle(ctx);
	iommu_ctx_free(ctx);
	assert_int_equal(slow->nprobe, slow->nremove);
	assert_true(fast->nprobe >= 50);
	assert_int_equal(fast->nprobe - 50, fast->nremove);
}

/* iommu_dev_del() racing iommu_dev_add(): the DEL notifiers never overtake the ADD ones. */
static volatile int add_started;

static int slow_add_call(struct iommu_notifier *nb, enum iommu_bus_action action,
			 struct iommu_dev *dev)
{
	(void)nb;
	if (action == IOMMU_BUS_ADD_DEVICE) {
		tlog("add-begin:%s", iommu_dev_name(dev));
		__atomic_store_n(&add_started, 1, __ATOMIC_SEQ_CST);
		usleep(20000);
		tlog("add-end:%s", iommu_dev_name(dev));
	} else if (action == IOMMU_BUS_DEL_DEVICE) {
		tlog("del:%s", iommu_dev_name(dev));
	}
	return 0;
}

static int adder_ret;

static void *adder(void *arg)
{
	adder_ret = iommu_dev_add(arg);	/* checked by the main thread: cmocka is not thread safe */
	return NULL;
}

static void test_pool_del_waits_for_add(void **state)
{
	struct iommu_ctx *ctx = tctx_new(2);
	struct iommu_notifier nb = { .call = slow_add_call };
	struct iommu_dev *d;
	pthread_t th;

	(void)state;
	assert_int_equal(iommu_bus_notifier_register(ctx, NULL, &nb), 0);
	d = tdev_new(ctx, "d", NULL, NULL);
	add_started = 0;
	assert_int_equal(pthread_create(&th, NULL, adder, d), 0);
	while (!__atomic_load_n(&add_started, __ATOMIC_SEQ_CST))
		usleep(100);
	assert_true(iommu_dev_is_present(d));
	assert_int_equal(iommu_dev_del(d), 0);
	pthread_join(th, NULL);
	assert_int_equal(adder_ret, 0);
	assert_string_equal(tlog_get(), "add-begin:d add-end:d del:d");
	iommu_dev_put(d);
	assert_int_equal(iommu_bus_notifier_unregister(ctx, &nb), 0);
	iommu_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pool_probe_and_retry, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_pool_settle_from_probe, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_pool_delete_racing_probe, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_pool_del_vs_add_children, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_pool_churn, tbase_setup, tbase_teardown),
		cmocka_unit_test_setup_teardown(test_pool_del_waits_for_add, tbase_setup, tbase_teardown),
	};

	return cmocka_run_group_tests_name("base-pool", tests, NULL, NULL);
}
