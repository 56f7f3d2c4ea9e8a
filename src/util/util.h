/* SPDX-License-Identifier: MIT */
/* Internal helpers shared by every layer: allocation, lists, macros. */
#ifndef IU_UTIL_H
#define IU_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <errno.h>
#include "iommu/common.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define iu_min(a, b)	((a) < (b) ? (a) : (b))
#define iu_max(a, b)	((a) > (b) ? (a) : (b))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define ALIGN_UP(x, a)	(((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define BIT(n)		(1ull << (n))
#define GENMASK(h, l)	(((~0ull) >> (63 - (h))) & ~((1ull << (l)) - 1))
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

/*
 * Allocation goes through these wrappers so that tests can fail the Nth
 * allocation (iu_fail_nth) and check that every error path unwinds.
 */
void *iu_malloc(size_t size);
void *iu_zalloc(size_t size);
void *iu_calloc(size_t n, size_t size);
void *iu_realloc(void *p, size_t size);
char *iu_strdup(const char *s);
void iu_free(void *p);

/*
 * Fault injection: the nth allocation from now (1-based) fails; 0 disables.
 * Allocators that do not go through iu_malloc (the RAM model) ask
 * iu_fail_now() so they count as injection points too.
 */
bool iu_fail_now(void);
void iu_fail_nth(unsigned long n);
/* Allocations that failed by injection since the last iu_fail_nth(). */
unsigned long iu_fail_hits(void);
/* Live allocations made through the wrappers (leak checks in tests). */
long iu_alloc_live(void);

/* Intrusive doubly linked list, as in the Linux kernel. */
struct iu_list {
	struct iu_list *next, *prev;
};
#define IU_LIST_INIT(name) { &(name), &(name) }
static inline void iu_list_init(struct iu_list *l) { l->next = l->prev = l; }
static inline bool iu_list_empty(const struct iu_list *l) { return l->next == l; }
static inline void iu__list_add(struct iu_list *n, struct iu_list *prev, struct iu_list *next)
{
	next->prev = n; n->next = next; n->prev = prev; prev->next = n;
}
static inline void iu_list_add(struct iu_list *n, struct iu_list *head)
{ iu__list_add(n, head, head->next); }
static inline void iu_list_add_tail(struct iu_list *n, struct iu_list *head)
{ iu__list_add(n, head->prev, head); }
static inline void iu_list_del(struct iu_list *n)
{
	n->next->prev = n->prev; n->prev->next = n->next;
	n->next = n->prev = n;
}
#define iu_list_entry(ptr, type, member) container_of(ptr, type, member)
#define iu_list_first(head, type, member) \
	(iu_list_empty(head) ? NULL : iu_list_entry((head)->next, type, member))
#define iu_list_for_each(pos, head, member) \
	for (pos = iu_list_entry((head)->next, __typeof__(*pos), member); \
	     &pos->member != (head); \
	     pos = iu_list_entry(pos->member.next, __typeof__(*pos), member))
#define iu_list_for_each_safe(pos, n, head, member) \
	for (pos = iu_list_entry((head)->next, __typeof__(*pos), member), \
	     n = iu_list_entry(pos->member.next, __typeof__(*pos), member); \
	     &pos->member != (head); \
	     pos = n, n = iu_list_entry(n->member.next, __typeof__(*n), member))

/* Overflow-safe range helpers for parsers and map code. */
static inline bool iu_add_overflows(uint64_t a, uint64_t b, uint64_t *sum)
{
	return __builtin_add_overflow(a, b, sum);
}
/* [off, off+len) lies inside a buffer of size total. */
static inline bool iu_range_ok(uint64_t off, uint64_t len, uint64_t total)
{
	return off <= total && len <= total - off;
}

/* Small deterministic PRNG (xorshift64*), for seeded orders and workloads. */
static inline uint64_t iu_rand_next(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ull;
	x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}
/* Uniform in [0, n), n > 0. */
static inline uint64_t iu_rand_below(uint64_t *state, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)iu_rand_next(state) * n) >> 64);
}

/* Monotonic time in nanoseconds. */
uint64_t iu_now_ns(void);

#endif
