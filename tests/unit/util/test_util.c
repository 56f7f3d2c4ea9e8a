// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "util/util.h"
#include "util/lock.h"

static void test_fail_nth(void **state)
{
	void *a, *b, *c;

	(void)state;
	iu_fail_nth(2);
	a = iu_malloc(8);
	b = iu_malloc(8);
	c = iu_malloc(8);
	assert_non_null(a);
	assert_null(b);
	assert_non_null(c);
	assert_int_equal(iu_fail_hits(), 1);
	iu_free(a);
	iu_free(c);
	iu_fail_nth(0);
}

static void test_live_count(void **state)
{
	long before = iu_alloc_live();
	char *s;

	(void)state;
	s = iu_strdup("abc");
	assert_string_equal(s, "abc");
	assert_int_equal(iu_alloc_live(), before + 1);
	iu_free(s);
	iu_free(NULL);
	assert_int_equal(iu_alloc_live(), before);
}

static const struct iu_lock_class cls_dev = { "test-device", IU_RANK_DEVICE, true };
static const struct iu_lock_class cls_grp = { "test-group", IU_RANK_GROUP, false };

static void test_lockdep_order(void **state)
{
	struct iu_mutex d, g, g2;
	unsigned long v0;

	(void)state;
	if (!iu_lockdep_enabled())
		skip();
	iu_mutex_init(&d, &cls_dev);
	iu_mutex_init(&g, &cls_grp);
	iu_mutex_init(&g2, &cls_grp);
	iu_lockdep_set_fatal(false);
	v0 = iu_lockdep_violations();

	/* The documented order is clean. */
	iu_mutex_lock(&d);
	iu_mutex_lock(&g);
	iu_assert_held(&g);
	iu_mutex_unlock(&g);
	iu_mutex_unlock(&d);
	assert_int_equal(iu_lockdep_violations(), v0);

	/* Group mutex then device lock is an inversion. */
	iu_mutex_lock(&g);
	iu_mutex_lock(&d);
	iu_mutex_unlock(&d);
	iu_mutex_unlock(&g);
	assert_int_equal(iu_lockdep_violations(), v0 + 1);

	/* Two group mutexes at once: the class does not nest. */
	iu_mutex_lock(&g);
	iu_mutex_lock(&g2);
	iu_mutex_unlock(&g2);
	iu_mutex_unlock(&g);
	assert_int_equal(iu_lockdep_violations(), v0 + 2);

	/* Asserting a lock that is not held is reported too. */
	iu_assert_held(&g);
	assert_int_equal(iu_lockdep_violations(), v0 + 3);

	iu_lockdep_set_fatal(true);
	iu_mutex_destroy(&d);
	iu_mutex_destroy(&g);
	iu_mutex_destroy(&g2);
}

static void test_nested_device_locks(void **state)
{
	struct iu_mutex parent, child;
	unsigned long v0;

	(void)state;
	if (!iu_lockdep_enabled())
		skip();
	iu_mutex_init(&parent, &cls_dev);
	iu_mutex_init(&child, &cls_dev);
	iu_lockdep_set_fatal(false);
	v0 = iu_lockdep_violations();
	iu_mutex_lock(&parent);
	iu_mutex_lock_nested(&child, 1);
	iu_mutex_unlock(&child);
	iu_mutex_unlock(&parent);
	assert_int_equal(iu_lockdep_violations(), v0);
	iu_lockdep_set_fatal(true);
	iu_mutex_destroy(&parent);
	iu_mutex_destroy(&child);
}

static void test_rand_below(void **state)
{
	uint64_t s = 42;
	int seen[7] = { 0 };

	(void)state;
	for (int i = 0; i < 7000; i++) {
		uint64_t r = iu_rand_below(&s, 7);

		assert_true(r < 7);
		seen[r]++;
	}
	for (int i = 0; i < 7; i++)
		assert_true(seen[i] > 700);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_nth),
		cmocka_unit_test(test_live_count),
		cmocka_unit_test(test_lockdep_order),
		cmocka_unit_test(test_nested_device_locks),
		cmocka_unit_test(test_rand_below),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
