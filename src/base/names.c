// SPDX-License-Identifier: MIT
/*
 * Unique-name tables for devices and firmware nodes: a chained hash that
 * grows with its contents, so adding the 100000th device costs what adding
 * the first did. Callers hold the lock that protects the table.
 */
#include <string.h>
#include "base_priv.h"

/* FNV-1a, 64 bits. */
static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

static struct iu_list *bucket(const struct base_names *t, const char *name)
{
	return &t->buckets[name_hash(name) & (t->nbuckets - 1)];
}

int base_names_init(struct base_names *t, size_t nbuckets)
{
	t->buckets = iu_calloc(nbuckets, sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	for (size_t i = 0; i < nbuckets; i++)
		iu_list_init(&t->buckets[i]);
	t->nbuckets = nbuckets;
	t->count = 0;
	return 0;
}

void base_names_fini(struct base_names *t)
{
	iu_free(t->buckets);
	t->buckets = NULL;
	t->nbuckets = t->count = 0;
}

struct base_name *base_names_find(const struct base_names *t, const char *name)
{
	struct base_name *e;
	struct iu_list *b = bucket(t, name);

	iu_list_for_each(e, b, node)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

/* Rehash into four times as many buckets; on allocation failure keep the old ones. */
static void grow(struct base_names *t)
{
	size_t nb = t->nbuckets * 4;
	struct iu_list *old = t->buckets, *nbk;
	size_t onb = t->nbuckets;

	nbk = iu_calloc(nb, sizeof(*nbk));
	if (!nbk)
		return;		/* longer chains, still correct */
	for (size_t i = 0; i < nb; i++)
		iu_list_init(&nbk[i]);
	t->buckets = nbk;
	t->nbuckets = nb;
	for (size_t i = 0; i < onb; i++) {
		while (!iu_list_empty(&old[i])) {
			struct base_name *e = iu_list_first(&old[i], struct base_name, node);

			iu_list_del(&e->node);
			iu_list_add_tail(&e->node, bucket(t, e->name));
		}
	}
	iu_free(old);
}

void base_names_add(struct base_names *t, struct base_name *e, const char *name)
{
	if (t->count >= t->nbuckets * 2)
		grow(t);
	e->name = name;
	iu_list_add_tail(&e->node, bucket(t, name));
	t->count++;
}

void base_names_del(struct base_names *t, struct base_name *e)
{
	iu_list_del(&e->node);
	t->count--;
}
