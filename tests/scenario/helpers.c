// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"

void th_init(struct th *t, unsigned int threads)
{
	struct iommu_ctx_opts o = { .probe_threads = threads };

	assert_int_equal(iommu_mem_new(0x80000000ull, 1ull << 30, &t->mem), 0);
	o.mem = t->mem;
	assert_int_equal(iommu_ctx_new(&o, &t->ctx), 0);
}

void th_fini(struct th *t)
{
	iommu_ctx_free(t->ctx);
	iommu_mem_free(t->mem);
	t->ctx = NULL;
	t->mem = NULL;
}

void th_add(struct iommu_dev *dev)
{
	assert_int_equal(iommu_dev_add(dev), 0);
	iommu_dev_put(dev);		/* the model keeps its own reference */
}

struct iommu_dev *th_plat(struct th *t, const char *name, const char *compat,
			  struct iommu_dev *parent, bool add)
{
	struct iommu_fwnode *fw;
	struct iommu_dev *dev;
	struct iommu_dev_info info = {
		.name = name, .bus = &iommu_platform_bus, .parent = parent, .compatible = compat,
	};

	assert_int_equal(iommu_fwnode_new(t->ctx, name, &fw), 0);
	info.fwnode = fw;
	assert_int_equal(iommu_dev_new(t->ctx, &info, &dev), 0);
	if (add)
		th_add(dev);
	return dev;
}

struct iommu_dev *th_iommu(struct th *t, const char *name, enum iommu_mock_variant v)
{
	return th_plat(t, name, iommu_mock_compatible(v), NULL, true);
}

struct iommu_dev *th_pci_new(struct th *t, struct iommu_dev *parent, const struct th_pci *p, bool add)
{
	struct iommu_pci_info pci = {
		.bus = p->bus, .devfn = IOMMU_PCI_DEVFN(p->slot, p->fn),
		.vendor = p->vendor ? p->vendor : 0x1af4, .device = p->device ? p->device : 0x1000,
		.class_code = p->class_code ? p->class_code : 0x020000,
		.multifunction = p->mf, .pcie_type = p->type, .has_acs = p->acs,
		.secondary = p->sec, .subordinate = p->sec,
	};
	char name[32];
	struct iommu_dev *dev;
	struct iommu_dev_info info = { .name = name, .bus = &iommu_pci_bus, .parent = parent, .pci = &pci };

	if (p->acs) {
		pci.acs_cap = IOMMU_PCI_ACS_REQ;
		pci.acs_ctrl = IOMMU_PCI_ACS_REQ;
	}
	if (p->sec) {
		pci.header_type = 1;
		if (!p->class_code)
			pci.class_code = 0x060400;
	}
	snprintf(name, sizeof(name), "0000:%02x:%02x.%x", p->bus, p->slot, p->fn);
	assert_int_equal(iommu_dev_new(t->ctx, &info, &dev), 0);
	if (add)
		th_add(dev);
	return dev;
}

struct iommu_dev *th_host(struct th *t, const char *name, const char *iommu_name)
{
	struct iommu_dev *host = th_plat(t, name, "pci-host-ecam-generic", NULL, true);

	assert_int_equal(iommu_fw_bind_pci(t->ctx, iommu_dev_fwnode(host), 0, 0x10000,
					   iommu_fwnode_find(t->ctx, iommu_name), 0, 0xffff), 0);
	return host;
}

struct part {
	char **groups;
	size_t n;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct members {
	char *names[64];
	size_t n;
};

static int collect_member(struct iommu_dev *dev, void *arg)
{
	struct members *m = arg;

	if (m->n < 64)
		m->names[m->n++] = strdup(iommu_dev_name(dev));
	return 0;
}

static int collect_group(struct iommu_group *g, void *arg)
{
	struct part *p = arg;
	struct members m = { .n = 0 };
	size_t len = 1;
	char *s;

	iommu_group_for_each_dev(g, collect_member, &m);
	qsort(m.names, m.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < m.n; i++)
		len += strlen(m.names[i]) + 1;
	s = calloc(1, len);
	for (size_t i = 0; i < m.n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, m.names[i]);
		free(m.names[i]);
	}
	p->groups = realloc(p->groups, (p->n + 1) * sizeof(char *));
	p->groups[p->n++] = s;
	return 0;
}

char *th_partition(struct iommu_ctx *ctx)
{
	struct part p = { NULL, 0 };
	size_t len = 1;
	char *out;

	iommu_for_each_group(ctx, collect_group, &p);
	qsort(p.groups, p.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < p.n; i++)
		len += strlen(p.groups[i]) + 3;
	out = calloc(1, len);
	for (size_t i = 0; i < p.n; i++) {
		if (i)
			strcat(out, " | ");
		strcat(out, p.groups[i]);
		free(p.groups[i]);
	}
	free(p.groups);
	return out;
}

static int count_group(struct iommu_group *g, void *arg)
{
	(void)g;
	(*(unsigned int *)arg)++;
	return 0;
}

unsigned int th_group_count(struct iommu_ctx *ctx)
{
	unsigned int n = 0;

	iommu_for_each_group(ctx, count_group, &n);
	return n;
}

/* ------------------------------------------------------------------ */

struct ep {
	uint64_t pa, iova;
};

static int ep_probe(struct iommu_dev *dev)
{
	struct iommu_mem *mem = iommu_ctx_mem(iommu_dev_ctx(dev));
	struct ep *e = calloc(1, sizeof(*e));
	int ret;

	if (!e)
		return -ENOMEM;
	ret = iommu_mem_alloc(mem, 4096, &e->pa);
	if (ret)
		goto err;
	ret = iommu_dma_map(dev, e->pa, 4096, IOMMU_DMA_BIDIRECTIONAL, &e->iova);
	if (ret) {
		iommu_mem_release(mem, e->pa, 4096);
		goto err;
	}
	iommu_dev_set_drvdata(dev, e);
	return 0;
err:
	free(e);
	return ret;
}

static void ep_remove(struct iommu_dev *dev)
{
	struct iommu_mem *mem = iommu_ctx_mem(iommu_dev_ctx(dev));
	struct ep *e = iommu_dev_drvdata(dev);

	assert_int_equal(iommu_dma_unmap(dev, e->iova, 4096), 0);
	iommu_mem_release(mem, e->pa, 4096);
	free(e);
}

static const char *const ep_compat[] = { "test,ep", NULL };
static const struct iommu_pci_id ep_ids[] = {
	{ IOMMU_PCI_ANY_ID, IOMMU_PCI_ANY_ID, 0x020000, 0xff0000 },
	{ IOMMU_PCI_ANY_ID, IOMMU_PCI_ANY_ID, 0x010000, 0xff0000 },
	{ 0 },
};

struct iommu_driver th_ep_plat_driver = {
	.name = "test-ep", .bus = &iommu_platform_bus, .compatible = ep_compat,
	.probe = ep_probe, .remove = ep_remove,
};

struct iommu_driver th_ep_pci_driver = {
	.name = "test-pci-ep", .bus = &iommu_pci_bus, .pci_ids = ep_ids,
	.probe = ep_probe, .remove = ep_remove,
};
