// SPDX-License-Identifier: MIT
/*
 * The predicted groups against the kernel's own ("IOMMU group:" lines of
 * lspci -v). Group numbers are arbitrary on both sides, so partitions are
 * compared: a function is placed right when its predicted group mates are
 * exactly its kernel group mates (or both sides leave it in no group). The
 * differences are reported per connected component of "shares a group in
 * either partition", the smallest sets that can be compared on their own.
 */
#include <stdio.h>
#include <string.h>
#include "topo_priv.h"

/* Group key of master @k on one side: its group, or -1 - k for "none". */
static long side_key(const struct fw_master *m, size_t k, bool kernel)
{
	int g = kernel ? m->pub.kernel_group : m->pub.group;

	return g >= 0 ? g : -1 - (long)k;
}

static size_t uf_find(size_t *p, size_t x)
{
	while (p[x] != x) {
		p[x] = p[p[x]];
		x = p[x];
	}
	return x;
}

/* Masters of @comp whose key on @side is @key, in topology order. */
static unsigned int members(const struct iommu_topo *t, const size_t *pci, size_t n,
			    const size_t *comp, size_t c, bool kernel, long key, unsigned int *out)
{
	unsigned int cnt = 0;

	for (size_t i = 0; i < n; i++)
		if (comp[i] == c && side_key(&t->masters[pci[i]], pci[i], kernel) == key)
			out[cnt++] = (unsigned int)pci[i];
	return cnt;
}

static bool placed_right(const struct iommu_topo *t, const size_t *pci, size_t n, size_t i)
{
	const struct fw_master *a = &t->masters[pci[i]];
	long ka = side_key(a, pci[i], true), pa = side_key(a, pci[i], false);

	for (size_t j = 0; j < n; j++) {
		const struct fw_master *b = &t->masters[pci[j]];

		if ((side_key(b, pci[j], true) == ka) != (side_key(b, pci[j], false) == pa))
			return false;
	}
	/* "In no group" must agree too, not only the (single) membership. */
	return (a->pub.kernel_group < 0) == (a->pub.group < 0);
}

/* One side's parts of component @c. */
static int side_parts(struct iommu_topo *t, const size_t *pci, size_t n, const size_t *comp,
		      size_t c, bool kernel, const struct iommu_topo_part **out, unsigned int *nout)
{
	struct iommu_topo_part *parts;
	unsigned int np = 0, nnone = 0, *buf;
	size_t cnt = 0;

	for (size_t i = 0; i < n; i++)
		cnt += comp[i] == c;
	parts = fw_keep(t, (cnt + 1) * sizeof(*parts));
	buf = fw_keep(t, (cnt + 1) * sizeof(*buf));
	if (!parts || !buf)
		return -ENOMEM;
	/* Devices in no group first, as one part. */
	for (size_t i = 0; i < n; i++) {
		const struct fw_master *m = &t->masters[pci[i]];

		if (comp[i] == c && (kernel ? m->pub.kernel_group : m->pub.group) < 0)
			buf[nnone++] = (unsigned int)pci[i];
	}
	if (nnone)
		parts[np++] = (struct iommu_topo_part){ true, nnone, buf };
	buf += nnone;
	for (size_t i = 0; i < n; i++) {
		const struct fw_master *m = &t->masters[pci[i]];
		long key = side_key(m, pci[i], kernel);
		bool seen = false;
		unsigned int k;

		if (comp[i] != c || (kernel ? m->pub.kernel_group : m->pub.group) < 0)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = comp[j] == c && side_key(&t->masters[pci[j]], pci[j], kernel) == key;
		if (seen)
			continue;
		k = members(t, pci, n, comp, c, kernel, key, buf);
		parts[np++] = (struct iommu_topo_part){ false, k, buf };
		buf += k;
	}
	*out = parts;
	*nout = np;
	return 0;
}

static void part_names(const struct iommu_topo *t, const struct iommu_topo_part *p,
		       unsigned int np, char *buf, size_t len)
{
	size_t l = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < np && l < len; i++) {
		l += (size_t)snprintf(buf + l, len - l, "%s%s{", i ? " " : "", p[i].none ? "none" : "");
		for (unsigned int j = 0; j < p[i].n && l < len; j++)
			l += (size_t)snprintf(buf + l, len - l, "%s%s", j ? " " : "",
					      t->masters[p[i].masters[j]].pub.id);
		if (l < len)
			l += (size_t)snprintf(buf + l, len - l, "}");
	}
}

int fw_kernel_compare(struct iommu_topo *t)
{
	size_t *pci = NULL, *parent = NULL, *comp = NULL, n = 0;
	bool any = false;
	int ret = -ENOMEM;

	for (size_t k = 0; k < t->nmasters; k++)
		any |= t->masters[k].is_pci && t->masters[k].pub.kernel_group >= 0;
	if (!any)
		return 0;
	pci = iu_calloc(t->nmasters, sizeof(*pci));
	parent = iu_calloc(t->nmasters, sizeof(*parent));
	comp = iu_calloc(t->nmasters, sizeof(*comp));
	if (!pci || !parent || !comp)
		goto out;
	for (size_t k = 0; k < t->nmasters; k++)
		if (t->masters[k].is_pci)
			pci[n++] = k;
	for (size_t i = 0; i < n; i++)
		parent[i] = i;
	/* Union the members of every group, on both sides. */
	for (int side = 0; side < 2; side++)
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (side_key(&t->masters[pci[i]], pci[i], side) ==
				    side_key(&t->masters[pci[j]], pci[j], side))
					parent[uf_find(parent, j)] = uf_find(parent, i);
	for (size_t i = 0; i < n; i++)
		comp[i] = uf_find(parent, i);

	t->has_kcmp = true;
	t->kcmp.devices = (unsigned int)n;
	for (size_t i = 0; i < n; i++)
		t->kcmp.placed += placed_right(t, pci, n, i);
	for (size_t i = 0; i < n; i++) {
		struct iommu_topo_kernel_diff *d;
		bool ok = true;
		char kbuf[512], pbuf[512];
		const char *w;

		if (comp[i] != i)
			continue;	/* report each component once, at its root */
		for (size_t j = 0; j < n && ok; j++)
			if (comp[j] == i)
				ok = placed_right(t, pci, n, j);
		if (ok)
			continue;
		d = FW_PUSH(t, kdiffs);
		if (!d)
			goto out;
		if (side_parts(t, pci, n, comp, i, true, &d->kernel, &d->nkernel) ||
		    side_parts(t, pci, n, comp, i, false, &d->predicted, &d->npredicted))
			goto out;
		part_names(t, d->kernel, d->nkernel, kbuf, sizeof(kbuf));
		part_names(t, d->predicted, d->npredicted, pbuf, sizeof(pbuf));
		w = fw_master_where(t, pci[i]);
		if (!w || fw_diag(t, IOMMU_TOPO_WARNING, "KERNEL_GROUPS_DIFFER", w,
				  "the kernel grouped %s, the model %s", kbuf, pbuf))
			goto out;
	}
	t->kcmp.diffs = t->kdiffs;
	t->kcmp.ndiffs = (unsigned int)t->nkdiffs;
	ret = 0;
out:
	iu_free(pci);
	iu_free(parent);
	iu_free(comp);
	return ret;
}
