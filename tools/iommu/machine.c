// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>
#include "machine.h"
#include "iommu/dma.h"
#include "iommu/mock.h"
#include "util/util.h"

#define RAM_BASE	0x80000000ull
#define RAM_SIZE	(4ull << 30)

enum kind { PLAT, PCI };

struct devspec {
	const char *name;
	const char *parent;
	enum kind kind;
	const char *compatible;		/* platform */
	const char *iommu;		/* platform: firmware binding */
	uint32_t ids[2];
	unsigned int nids;
	/* PCI */
	uint8_t bus, slot, fn;
	uint16_t vendor, device;
	uint32_t class_code;
	int8_t type;
	bool mf, acs;
	uint8_t sec, sub;
};

#define ACS_ALL (IOMMU_PCI_ACS_SV | IOMMU_PCI_ACS_RR | IOMMU_PCI_ACS_CR | IOMMU_PCI_ACS_UF)
#define P(n, par, compat, mmu, id0, id1, nid) \
	{ .name = n, .parent = par, .kind = PLAT, .compatible = compat, .iommu = mmu, \
	  .ids = { id0, id1 }, .nids = nid }
#define F(n, par, b, s, f, ven, dev, cls, t, m, a, se, su) \
	{ .name = n, .parent = par, .kind = PCI, .bus = b, .slot = s, .fn = f, .vendor = ven, \
	  .device = dev, .class_code = cls, .type = t, .mf = m, .acs = a, .sec = se, .sub = su }

static const struct devspec builtin[] = {
	/* IOMMUs and the host bridge. */
	P("iommu@50000000", NULL, "libiommu,mock-pci-iommu", NULL, 0, 0, 0),
	P("iommu@51000000", NULL, "libiommu,mock-stream-iommu", NULL, 0, 0, 0),
	P("iommu@55000000", NULL, "libiommu,mock-stream-iommu", NULL, 0, 0, 0),
	P("pcie@40000000", NULL, "pci-host-ecam-generic", NULL, 0, 0, 0),
	/* Platform masters. */
	P("dma@52000000", NULL, "libiommu,sim-dma", "iommu@51000000", 0x10, 0, 1),
	P("usb@53000000", NULL, "libiommu,sim-dma", "iommu@51000000", 0x20, 0, 1),
	P("usb@53100000", NULL, "libiommu,sim-dma", "iommu@51000000", 0x20, 0, 1),
	P("display@54000000", NULL, "libiommu,sim-dma", "iommu@55000000", 0x30, 0x31, 2),
	P("serial@56000000", NULL, "libiommu,sim-dma", NULL, 0, 0, 0),
	/* PCI segment 0, below pcie@40000000. */
	F("0000:00:00.0", "pcie@40000000", 0, 0x00, 0, 0x1b36, 0x0008, 0x060000, IOMMU_PCIE_NONE, false, false, 0, 0),
	F("0000:00:01.0", "pcie@40000000", 0, 0x01, 0, 0x1b36, 0x000c, 0x060400, IOMMU_PCIE_ROOT_PORT, false, true, 1, 5),
	F("0000:01:00.0", "0000:00:01.0", 1, 0x00, 0, 0x10b5, 0x8725, 0x060400, IOMMU_PCIE_UPSTREAM, false, false, 2, 5),
	F("0000:02:00.0", "0000:01:00.0", 2, 0x00, 0, 0x10b5, 0x8725, 0x060400, IOMMU_PCIE_DOWNSTREAM, false, true, 3, 3),
	F("0000:02:01.0", "0000:01:00.0", 2, 0x01, 0, 0x10b5, 0x8725, 0x060400, IOMMU_PCIE_DOWNSTREAM, false, true, 4, 4),
	F("0000:02:02.0", "0000:01:00.0", 2, 0x02, 0, 0x10b5, 0x8725, 0x060400, IOMMU_PCIE_DOWNSTREAM, false, false, 5, 5),
	F("0000:03:00.0", "0000:02:00.0", 3, 0x00, 0, 0x144d, 0xa808, 0x010802, IOMMU_PCIE_ENDPOINT, false, false, 0, 0),
	F("0000:04:00.0", "0000:02:01.0", 4, 0x00, 0, 0x14e4, 0x16d8, 0x020000, IOMMU_PCIE_ENDPOINT, true, false, 0, 0),
	F("0000:04:00.1", "0000:02:01.0", 4, 0x00, 1, 0x14e4, 0x16d8, 0x020000, IOMMU_PCIE_ENDPOINT, true, false, 0, 0),
	F("0000:05:00.0", "0000:02:02.0", 5, 0x00, 0, 0x1b4b, 0x9230, 0x010601, IOMMU_PCIE_ENDPOINT, false, false, 0, 0),
	F("0000:00:02.0", "pcie@40000000", 0, 0x02, 0, 0x1b36, 0x000c, 0x060400, IOMMU_PCIE_ROOT_PORT, false, false, 6, 6),
	F("0000:06:00.0", "0000:00:02.0", 6, 0x00, 0, 0x10de, 0x1eb8, 0x120000, IOMMU_PCIE_ENDPOINT, true, false, 0, 0),
	F("0000:06:00.1", "0000:00:02.0", 6, 0x00, 1, 0x10de, 0x10f8, 0x040300, IOMMU_PCIE_ENDPOINT, true, false, 0, 0),
	F("0000:00:03.0", "pcie@40000000", 0, 0x03, 0, 0x1b36, 0x000c, 0x060400, IOMMU_PCIE_ROOT_PORT, false, true, 7, 8),
	F("0000:07:00.0", "0000:00:03.0", 7, 0x00, 0, 0x1b21, 0x1080, 0x060401, IOMMU_PCIE_PCI_BRIDGE, false, false, 8, 8),
	F("0000:08:01.0", "0000:07:00.0", 8, 0x01, 0, 0x1106, 0x3038, 0x0c0300, IOMMU_PCIE_NONE, false, false, 0, 0),
	F("0000:08:02.0", "0000:07:00.0", 8, 0x02, 0, 0x10ec, 0x8139, 0x020000, IOMMU_PCIE_NONE, false, false, 0, 0),
	F("0000:00:04.0", "pcie@40000000", 0, 0x04, 0, 0x8086, 0x46a6, 0x030000, IOMMU_PCIE_RC_END, false, false, 0, 0),
	F("0000:00:1f.0", "pcie@40000000", 0, 0x1f, 0, 0x1106, 0x3227, 0x060100, IOMMU_PCIE_RC_END, true, false, 0, 0),
	F("0000:00:1f.2", "pcie@40000000", 0, 0x1f, 2, 0x1106, 0x0591, 0x010601, IOMMU_PCIE_RC_END, true, false, 0, 0),
	F("0000:00:1f.3", "pcie@40000000", 0, 0x1f, 3, 0x1106, 0x3372, 0x0c0500, IOMMU_PCIE_RC_END, true, false, 0, 0),
};

/* ------------------------------------------------------------------ */
/* Endpoint and port drivers of the machine                           */

struct ep_state {
	uint64_t ring_pa, ring_iova;
};

#define RING_SIZE 4096

static int sim_ep_probe(struct iommu_dev *dev)
{
	struct iommu_mem *mem = iommu_ctx_mem(iommu_dev_ctx(dev));
	struct ep_state *st = calloc(1, sizeof(*st));
	int ret;

	if (!st)
		return -ENOMEM;
	/* A descriptor ring, mapped for the device through the DMA API. */
	ret = iommu_mem_alloc(mem, RING_SIZE, &st->ring_pa);
	if (ret)
		goto err_free;
	ret = iommu_dma_map(dev, st->ring_pa, RING_SIZE, IOMMU_DMA_BIDIRECTIONAL, &st->ring_iova);
	if (ret)
		goto err_release;
	iommu_dev_set_drvdata(dev, st);
	return 0;

err_release:
	iommu_mem_release(mem, st->ring_pa, RING_SIZE);
err_free:
	free(st);
	return ret;
}

static void sim_ep_remove(struct iommu_dev *dev)
{
	struct iommu_mem *mem = iommu_ctx_mem(iommu_dev_ctx(dev));
	struct ep_state *st = iommu_dev_drvdata(dev);

	iommu_dma_unmap(dev, st->ring_iova, RING_SIZE);
	iommu_dma_flush(dev);
	iommu_mem_release(mem, st->ring_pa, RING_SIZE);
	free(st);
}

/* A port driver that fails on 0000:00:03.0, like a broken board (seed 003). */
static int sim_port_probe(struct iommu_dev *dev)
{
	return strcmp(iommu_dev_name(dev), "0000:00:03.0") ? 0 : -EIO;
}

static void sim_port_remove(struct iommu_dev *dev)
{
	(void)dev;
}

static const char *const sim_dma_compat[] = { "libiommu,sim-dma", NULL };
static const struct iommu_pci_id sim_ep_ids[] = {
	{ IOMMU_PCI_ANY_ID, IOMMU_PCI_ANY_ID, 0x010000, 0xff0000 },	/* storage */
	{ IOMMU_PCI_ANY_ID, IOMMU_PCI_ANY_ID, 0x020000, 0xff0000 },	/* network */
	{ IOMMU_PCI_ANY_ID, IOMMU_PCI_ANY_ID, 0x030000, 0xff0000 },	/* display */
	{ IOMMU_PCI_ANY_ID, IOMMU_PCI_ANY_ID, 0x040000, 0xff0000 },	/* multimedia */
	{ IOMMU_PCI_ANY_ID, IOMMU_PCI_ANY_ID, 0x0c0000, 0xff0000 },	/* serial bus */
	{ IOMMU_PCI_ANY_ID, IOMMU_PCI_ANY_ID, 0x120000, 0xff0000 },	/* accelerators */
	{ 0 },
};
static const struct iommu_pci_id sim_port_ids[] = {
	{ IOMMU_PCI_ANY_ID, IOMMU_PCI_ANY_ID, 0x060400, 0xffff00 },
	{ 0 },
};

static struct iommu_driver sim_plat_driver = {
	.name = "sim-dma", .bus = &iommu_platform_bus, .compatible = sim_dma_compat,
	.probe = sim_ep_probe, .remove = sim_ep_remove,
};
static struct iommu_driver sim_pci_driver = {
	.name = "sim-pci-ep", .bus = &iommu_pci_bus, .pci_ids = sim_ep_ids,
	.probe = sim_ep_probe, .remove = sim_ep_remove,
};
static struct iommu_driver sim_port_driver = {
	.name = "pcieport", .bus = &iommu_pci_bus, .pci_ids = sim_port_ids,
	.probe = sim_port_probe, .remove = sim_port_remove,
	.driver_managed_dma = true,	/* ports do no DMA of their own */
};

/* ------------------------------------------------------------------ */

static void log_event(void *arg, const struct iommu_event *ev)
{
	static const char *const names[] = {
		[IOMMU_EV_DEV_ADD] = "add", [IOMMU_EV_DEV_DEL] = "del",
		[IOMMU_EV_BOUND] = "bound", [IOMMU_EV_UNBOUND] = "unbound",
		[IOMMU_EV_DEFER] = "defer", [IOMMU_EV_PROBE_FAIL] = "probe-fail",
		[IOMMU_EV_IOMMU_PROBE] = "iommu-probe", [IOMMU_EV_IOMMU_RELEASE] = "iommu-release",
		[IOMMU_EV_IOMMU_REGISTER] = "iommu-register",
		[IOMMU_EV_IOMMU_UNREGISTER] = "iommu-unregister",
		[IOMMU_EV_GROUP] = "group", [IOMMU_EV_LINK] = "link",
		[IOMMU_EV_FAULT] = "fault", [IOMMU_EV_NOTE] = "note",
	};
	struct machine *m = arg;
	char line[320];
	char **nl;

	if (!m->log_events || ev->type == IOMMU_EV_DEV_ADD)
		return;
	/* A deferred device is retried after every bind: log its first defer only. */
	if (ev->type == IOMMU_EV_DEFER && ev->dev) {
		for (size_t i = m->nlog; i-- > 0;) {
			if (!strstr(m->log[i], ev->dev))
				continue;
			if (!strncmp(m->log[i], "defer", 5))
				return;
			break;
		}
	}
	snprintf(line, sizeof(line), "%-14s %-18s %s%s", names[ev->type], ev->dev ? ev->dev : "-",
		 ev->detail ? ev->detail : "",
		 ev->err && ev->type == IOMMU_EV_PROBE_FAIL ? " failed" : "");
	if (ev->err && ev->type == IOMMU_EV_PROBE_FAIL) {
		size_t l = strlen(line);
		snprintf(line + l, sizeof(line) - l, " (%s)", iommu_strerror(ev->err));
	}
	if (m->nlog == m->caplog) {
		size_t cap = m->caplog ? 2 * m->caplog : 64;

		nl = realloc(m->log, cap * sizeof(*nl));
		if (!nl)
			return;
		m->log = nl;
		m->caplog = cap;
	}
	m->log[m->nlog] = strdup(line);
	if (m->log[m->nlog])
		m->nlog++;
}

static struct iommu_dev *find_dev(struct machine *m, const char *name)
{
	for (size_t i = 0; i < m->ndevs; i++)
		if (!strcmp(iommu_dev_name(m->devs[i]), name))
			return m->devs[i];
	return NULL;
}

int machine_create(struct machine *m, unsigned int probe_threads)
{
	struct iommu_ctx_opts opts = { .probe_threads = probe_threads };
	int ret;

	memset(m, 0, sizeof(*m));
	ret = iommu_mem_new(RAM_BASE, RAM_SIZE, &m->mem);
	if (ret)
		return ret;
	opts.mem = m->mem;
	ret = iommu_ctx_new(&opts, &m->ctx);
	if (ret)
		goto err_mem;
	m->log_events = true;
	iommu_ctx_set_event_cb(m->ctx, log_event, m);
	m->devs = calloc(ARRAY_SIZE(builtin), sizeof(*m->devs));
	if (!m->devs) {
		ret = -ENOMEM;
		goto err_ctx;
	}

	for (size_t i = 0; i < ARRAY_SIZE(builtin); i++) {
		const struct devspec *s = &builtin[i];
		struct iommu_pci_info pci = { 0 };
		struct iommu_dev_info info = { .name = s->name };
		struct iommu_fwnode *fw = NULL;
		struct iommu_dev *dev;

		if (s->kind == PLAT) {
			ret = iommu_fwnode_new(m->ctx, s->name, &fw);
			if (ret)
				goto err_devs;
			info.bus = &iommu_platform_bus;
			info.compatible = s->compatible;
			info.fwnode = fw;
		} else {
			pci.bus = s->bus;
			pci.devfn = IOMMU_PCI_DEVFN(s->slot, s->fn);
			pci.vendor = s->vendor;
			pci.device = s->device;
			pci.class_code = s->class_code;
			pci.header_type = (s->class_code >> 8) == 0x0604 ? 1 : 0;
			pci.multifunction = s->mf;
			pci.pcie_type = s->type;
			pci.has_acs = s->acs;
			pci.acs_cap = s->acs ? ACS_ALL : 0;
			pci.acs_ctrl = s->acs ? ACS_ALL : 0;
			pci.secondary = s->sec;
			pci.subordinate = s->sub;
			info.bus = &iommu_pci_bus;
			info.pci = &pci;
		}
		info.parent = s->parent ? find_dev(m, s->parent) : NULL;
		ret = iommu_dev_new(m->ctx, &info, &dev);
		if (ret)
			goto err_devs;
		m->devs[m->ndevs++] = dev;
		if (s->iommu) {
			ret = iommu_fw_bind(m->ctx, fw, iommu_fwnode_find(m->ctx, s->iommu), s->ids, s->nids);
			if (ret)
				goto err_devs;
		}
		if (!strcmp(s->name, "pcie@40000000")) {
			/* iommu-map = <0 &iommu@50000000 0 0x10000>: stream ID = requester ID. */
			ret = iommu_fw_bind_pci(m->ctx, fw, 0, 0x10000,
						iommu_fwnode_find(m->ctx, "iommu@50000000"), 0, 0xffff);
			if (ret)
				goto err_devs;
		}
		ret = iommu_dev_add(dev);
		if (ret)
			goto err_devs;
	}
	return 0;

err_devs:
	machine_destroy(m);
	return ret;
err_ctx:
	iommu_ctx_free(m->ctx);
err_mem:
	iommu_mem_free(m->mem);
	memset(m, 0, sizeof(*m));
	return ret;
}

int machine_register_drivers(struct machine *m, uint64_t seed)
{
	struct iommu_driver *all[] = {
		iommu_mock_driver(IOMMU_MOCK_PCI), iommu_mock_driver(IOMMU_MOCK_STREAM),
		&sim_port_driver, &sim_pci_driver, &sim_plat_driver,
	};
	uint64_t s = seed;
	int ret;

	/* Fisher-Yates with the seed: the order the "modules" load in. */
	for (size_t i = ARRAY_SIZE(all) - 1; i > 0; i--) {
		size_t j = iu_rand_below(&s, i + 1);
		struct iommu_driver *t = all[i];

		all[i] = all[j];
		all[j] = t;
	}
	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		m->drivers[m->ndrivers] = all[i];
		ret = iommu_driver_register(m->ctx, all[i]);
		if (ret)
			return ret;
		m->registered[m->ndrivers++] = true;
		iommu_ctx_settle(m->ctx);
	}
	return 0;
}

void machine_destroy(struct machine *m)
{
	if (!m->ctx)
		goto out;
	m->log_events = false;
	for (size_t i = m->ndrivers; i-- > 0;)
		if (m->registered[i])
			iommu_driver_unregister(m->ctx, m->drivers[i]);
	for (size_t i = m->ndevs; i-- > 0;) {
		iommu_dev_del(m->devs[i]);
		iommu_dev_put(m->devs[i]);
	}
	iommu_ctx_free(m->ctx);
out:
	free(m->devs);
	for (size_t i = 0; i < m->nlog; i++)
		free(m->log[i]);
	free(m->log);
	iommu_mem_free(m->mem);
	memset(m, 0, sizeof(*m));
}

static bool is_endpoint_driver(const struct iommu_driver *d)
{
	return d == &sim_pci_driver || d == &sim_plat_driver;
}

size_t machine_bound_endpoints(struct machine *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->ndevs; i++)
		n += is_endpoint_driver(iommu_dev_driver(m->devs[i]));
	return n;
}

static void note_fault(void *arg, const struct iommu_fault *f)
{
	struct workload_result *r = arg;

	if (r->nfault_lines < ARRAY_SIZE(r->fault_lines))
		snprintf(r->fault_lines[r->nfault_lines++], sizeof(r->fault_lines[0]),
			 "%s %s fault at iova 0x%llx (id 0x%x): %s", iommu_dev_name(f->dev),
			 f->access & IOMMU_WRITE ? "write" : "read", (unsigned long long)f->iova,
			 f->id, iommu_fault_reason_name(f->reason));
}

/* One device's share: map, device writes, CPU checks, device reads back, unmap. */
static int dev_round(struct machine *m, struct iommu_dev *dev, uint64_t *rng,
		     uint8_t *buf, uint8_t *back, struct workload_result *r)
{
	uint64_t size = 512 << iu_rand_below(rng, 8), pa, iova;	/* 512 B .. 64 KiB */
	uint64_t alloc = ALIGN_UP(size, 4096);
	int ret;

	if (alloc & (alloc - 1))
		alloc = 1ull << (64 - __builtin_clzll(alloc));
	ret = iommu_mem_alloc(m->mem, alloc, &pa);
	if (ret)
		return ret;
	ret = iommu_dma_map(dev, pa, size, IOMMU_DMA_BIDIRECTIONAL, &iova);
	if (ret)
		goto out_free;
	for (uint64_t i = 0; i < size; i++)
		buf[i] = (uint8_t)iu_rand_next(rng);
	ret = iommu_dma_write(dev, iova, buf, size);
	if (!ret)
		ret = iommu_mem_read(m->mem, pa, back, size);
	if (!ret && memcmp(buf, back, size))
		r->verify_errors++;
	if (!ret)
		ret = iommu_dma_read(dev, iova, back, size);
	if (!ret && memcmp(buf, back, size))
		r->verify_errors++;
	r->ops += 2;
	r->bytes += 2 * size;
	iommu_dma_unmap(dev, iova, size);
out_free:
	iommu_mem_release(m->mem, pa, alloc);
	return ret;
}

int machine_workload(struct machine *m, unsigned int rounds, struct workload_result *r)
{
	uint8_t *buf = malloc(65536), *back = malloc(65536);
	struct iommu_stats before, after;
	uint64_t rng = 0x5eed, t0;
	struct iommu_dev *nvme, *nic;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (!buf || !back) {
		ret = -ENOMEM;
		goto out;
	}
	iommu_ctx_set_fault_cb(m->ctx, note_fault, r);
	iommu_ctx_stats(m->ctx, &before);
	t0 = iu_now_ns();
	for (unsigned int round = 0; round < rounds && !ret; round++)
		for (size_t i = 0; i < m->ndevs && !ret; i++)
			if (is_endpoint_driver(iommu_dev_driver(m->devs[i])))
				ret = dev_round(m, m->devs[i], &rng, buf, back, r);

	/* The deliberate stray accesses: each must fault, none may land. */
	nvme = find_dev(m, "0000:03:00.0");
	nic = find_dev(m, "0000:04:00.0");
	if (!ret && nvme && iommu_dev_iommu(nvme)) {
		struct ep_state *st = iommu_dev_drvdata(nvme);
		uint64_t pa, iova;

		/* 1. A write to an IOVA nobody mapped. */
		if (iommu_dma_write(nvme, 0xdead0000, buf, 64) != -EFAULT)
			r->verify_errors++;
		r->expected_faults++;
		/* 2. A write into a buffer mapped to-device only (read-only for it). */
		if (!iommu_mem_alloc(m->mem, 4096, &pa)) {
			if (!iommu_dma_map(nvme, pa, 4096, IOMMU_DMA_TO_DEVICE, &iova)) {
				if (iommu_dma_write(nvme, iova, buf, 64) != -EFAULT)
					r->verify_errors++;
				r->expected_faults++;
				iommu_dma_unmap(nvme, iova, 4096);
			}
			iommu_mem_release(m->mem, pa, 4096);
		}
		/* 3. One device reaching for a buffer another group has mapped. */
		if (nic && iommu_dev_iommu(nic) && iommu_dev_drvdata(nic) &&
		    !iommu_mem_alloc(m->mem, 4096, &pa)) {
			if (!iommu_dma_map(nic, pa, 4096, IOMMU_DMA_BIDIRECTIONAL, &iova)) {
				if (iova != st->ring_iova) {
					if (iommu_dma_read(nvme, iova, back, 64) != -EFAULT)
						r->verify_errors++;
					r->expected_faults++;
				}
				iommu_dma_unmap(nic, iova, 4096);
			}
			iommu_mem_release(m->mem, pa, 4096);
		}
	}
	r->ns = iu_now_ns() - t0;
	iommu_ctx_stats(m->ctx, &after);
	r->faults = after.dma_faults - before.dma_faults;
	iommu_ctx_set_fault_cb(m->ctx, NULL, NULL);
out:
	free(buf);
	free(back);
	return ret;
}
