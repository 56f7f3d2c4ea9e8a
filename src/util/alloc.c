// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "util.h"

/*
 * Fault injection state is global and atomic: tests run single-threaded while
 * they use it, but the counters must not race with pool threads.
 */
static unsigned long fail_at;		/* countdown; 0 = off */
static unsigned long fail_hits;
static long live;

void iu_fail_nth(unsigned long n)
{
	__atomic_store_n(&fail_at, n, __ATOMIC_SEQ_CST);
	__atomic_store_n(&fail_hits, 0, __ATOMIC_SEQ_CST);
}

unsigned long iu_fail_hits(void)
{
	return __atomic_load_n(&fail_hits, __ATOMIC_SEQ_CST);
}

long iu_alloc_live(void)
{
	return __atomic_load_n(&live, __ATOMIC_SEQ_CST);
}

static bool should_fail(void)
{
	unsigned long cur = __atomic_load_n(&fail_at, __ATOMIC_RELAXED);

	while (cur) {
		if (__atomic_compare_exchange_n(&fail_at, &cur, cur - 1, false,
						__ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
			if (cur == 1) {
				__atomic_add_fetch(&fail_hits, 1, __ATOMIC_SEQ_CST);
				return true;
			}
			return false;
		}
	}
	return false;
}

bool iu_fail_now(void)
{
	return should_fail();
}

void *iu_malloc(size_t size)
{
	void *p;

	if (should_fail())
		return NULL;
	p = malloc(size ? size : 1);
	if (p)
		__atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
	return p;
}

void *iu_zalloc(size_t size)
{
	return iu_calloc(1, size);
}

void *iu_calloc(size_t n, size_t size)
{
	void *p;

	if (should_fail())
		return NULL;
	p = calloc(n ? n : 1, size ? size : 1);
	if (p)
		__atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
	return p;
}

void *iu_realloc(void *old, size_t size)
{
	void *p;

	if (should_fail())
		return NULL;
	p = realloc(old, size ? size : 1);
	if (p && !old)
		__atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
	return p;
}

char *iu_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = iu_malloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

void iu_free(void *p)
{
	if (!p)
		return;
	__atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
	free(p);
}

uint64_t iu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
