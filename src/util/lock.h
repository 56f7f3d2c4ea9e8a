/* SPDX-License-Identifier: MIT */
/*
 * Mutexes with a run-time lock-order checker (debug builds, -Dlockdep=true).
 *
 * The one lock order of the library, outermost first (docs/architecture.md):
 *
 *   IU_RANK_BUS        bus/driver registry of a context (probe bookkeeping)
 *   IU_RANK_DEVICE     device lock (a parent's before a child's)
 *   IU_RANK_GROUP      group mutex (after taking a group reference)
 *   IU_RANK_DOMAIN     domain / page-table lock
 *   IU_RANK_LEAF       registries and counters; nothing is taken under them
 *
 * A lock may be taken only while every lock the thread already holds has a
 * strictly lower rank, except that locks of a class marked nestable may nest
 * (the caller passes the nesting depth, as with lockdep subclasses).
 * An inversion is reported with both lock names; by default it aborts, so a
 * test that provokes one fails.
 */
#ifndef IU_LOCK_H
#define IU_LOCK_H

#include <pthread.h>
#include <stdbool.h>

enum iu_lock_rank {
	IU_RANK_BUS = 10,
	IU_RANK_DEVICE = 20,
	IU_RANK_GROUP = 30,
	IU_RANK_DOMAIN = 40,
	IU_RANK_LEAF = 90,
};

struct iu_lock_class {
	const char *name;
	int rank;
	bool nestable;
};

struct iu_mutex {
	pthread_mutex_t m;
	const struct iu_lock_class *cls;
};

void iu_mutex_init(struct iu_mutex *m, const struct iu_lock_class *cls);
void iu_mutex_destroy(struct iu_mutex *m);
void iu_mutex_lock(struct iu_mutex *m);
/* Lock a second lock of a nestable class; depth > 0 is its nesting level. */
void iu_mutex_lock_nested(struct iu_mutex *m, unsigned int depth);
bool iu_mutex_trylock(struct iu_mutex *m);
void iu_mutex_unlock(struct iu_mutex *m);
void iu_cond_wait(pthread_cond_t *c, struct iu_mutex *m);

#ifdef IOMMU_LOCKDEP
/* The calling thread holds m (aborts if not, like lockdep_assert_held). */
void iu_assert_held(const struct iu_mutex *m);
void iu_assert_not_held(const struct iu_mutex *m);
#else
static inline void iu_assert_held(const struct iu_mutex *m) { (void)m; }
static inline void iu_assert_not_held(const struct iu_mutex *m) { (void)m; }
#endif

/* Checker controls for tests. */
void iu_lockdep_set_fatal(bool fatal);
unsigned long iu_lockdep_violations(void);
bool iu_lockdep_enabled(void);

#endif
