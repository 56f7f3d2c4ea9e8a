// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include "lock.h"

static bool fatal = true;
static unsigned long violations;

void iu_lockdep_set_fatal(bool f) { fatal = f; }
unsigned long iu_lockdep_violations(void)
{
	return __atomic_load_n(&violations, __ATOMIC_SEQ_CST);
}

#ifdef IOMMU_LOCKDEP
bool iu_lockdep_enabled(void) { return true; }

#define MAX_HELD 48
struct held_lock {
	const struct iu_mutex *m;
	unsigned int depth;
};
static __thread struct held_lock held[MAX_HELD];
static __thread int nheld;

static void report(const char *what, const struct iu_mutex *m, const struct iu_mutex *other)
{
	__atomic_add_fetch(&violations, 1, __ATOMIC_SEQ_CST);
	fprintf(stderr, "lockdep: %s: taking '%s' (rank %d) while holding '%s' (rank %d)\n",
		what, m->cls->name, m->cls->rank,
		other ? other->cls->name : "-", other ? other->cls->rank : 0);
	if (fatal)
		abort();
}

static void check_acquire(const struct iu_mutex *m, unsigned int depth)
{
	for (int i = 0; i < nheld; i++) {
		const struct iu_mutex *h = held[i].m;

		if (h == m) {
			report("recursive locking", m, h);
			return;
		}
		if (h->cls->rank < m->cls->rank)
			continue;
		if (h->cls == m->cls && m->cls->nestable && held[i].depth < depth)
			continue;
		report("lock order inversion", m, h);
		return;
	}
}

static void push(const struct iu_mutex *m, unsigned int depth)
{
	if (nheld == MAX_HELD) {
		report("too many held locks", m, NULL);
		return;
	}
	held[nheld].m = m;
	held[nheld].depth = depth;
	nheld++;
}

static void pop(const struct iu_mutex *m)
{
	for (int i = nheld - 1; i >= 0; i--) {
		if (held[i].m == m) {
			for (int j = i; j < nheld - 1; j++)
				held[j] = held[j + 1];
			nheld--;
			return;
		}
	}
	report("unlocking a lock not held", m, NULL);
}

void iu_assert_held(const struct iu_mutex *m)
{
	for (int i = 0; i < nheld; i++)
		if (held[i].m == m)
			return;
	fprintf(stderr, "lockdep: '%s' is not held by this thread\n", m->cls->name);
	__atomic_add_fetch(&violations, 1, __ATOMIC_SEQ_CST);
	if (fatal)
		abort();
}

void iu_assert_not_held(const struct iu_mutex *m)
{
	for (int i = 0; i < nheld; i++) {
		if (held[i].m == m) {
			fprintf(stderr, "lockdep: '%s' is held but must not be\n", m->cls->name);
			__atomic_add_fetch(&violations, 1, __ATOMIC_SEQ_CST);
			if (fatal)
				abort();
		}
	}
}
#else
bool iu_lockdep_enabled(void) { return false; }
static inline void check_acquire(const struct iu_mutex *m, unsigned int d) { (void)m; (void)d; }
static inline void push(const struct iu_mutex *m, unsigned int d) { (void)m; (void)d; }
static inline void pop(const struct iu_mutex *m) { (void)m; }
#endif

void iu_mutex_init(struct iu_mutex *m, const struct iu_lock_class *cls)
{
	pthread_mutex_init(&m->m, NULL);
	m->cls = cls;
}

void iu_mutex_destroy(struct iu_mutex *m)
{
	pthread_mutex_destroy(&m->m);
}

void iu_mutex_lock_nested(struct iu_mutex *m, unsigned int depth)
{
	check_acquire(m, depth);
	pthread_mutex_lock(&m->m);
	push(m, depth);
}

void iu_mutex_lock(struct iu_mutex *m)
{
	iu_mutex_lock_nested(m, 0);
}

bool iu_mutex_trylock(struct iu_mutex *m)
{
	/* A trylock cannot deadlock, so it is not checked, only recorded. */
	if (pthread_mutex_trylock(&m->m))
		return false;
	push(m, 0);
	return true;
}

void iu_mutex_unlock(struct iu_mutex *m)
{
	pop(m);
	pthread_mutex_unlock(&m->m);
}

void iu_cond_wait(pthread_cond_t *c, struct iu_mutex *m)
{
	pthread_cond_wait(c, &m->m);
}
