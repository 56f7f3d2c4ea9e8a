// SPDX-License-Identifier: MIT
/*
 * The topology as a machine, so that the IOMMU core forms the groups.
 *
 * Every IOMMU instance, master and PCI host bridge becomes a platform
 * device with a firmware node of its id; every PCI function a PCI device
 * below its upstream bridge (or its segment's host bridge). Platform masters
 * are bound to their IOMMU with their IDs (iommu_fw_bind); PCI functions are
 * not bound one by one: each segment's host bridge gets the requester-ID
 * maps the firmware describes (iommu_fw_bind_pci), and the core resolves
 * every function's DMA aliases itself, as it does for any machine.
 *
 * The IOMMUs are registered by a topology-only driver: the mock hardware
 * (include/iommu/mock.h, "described instances") under the Linux driver's
 * name and group policy for the instance's kind, plus the driver rules that
 * change who gets a group: arm-smmu-v3 refuses a master whose stream ID
 * another master already holds (the ID stays with the first), arm-smmu
 * refuses stream matches that overlap without one containing the other.
 *
 * Devices are added masters first, IOMMUs last, with the drivers already
 * registered: each translated master defers until its IOMMU registers, and
 * the bind order we record is the order the device links allow.
 */
#include <stdio.h>
#include <string.h>
#include "iommu/iommu.h"
#include "iommu/mem.h"
#include "iommu/mock.h"
#include "topo_priv.h"

#define MDL_RAM		(1ull << 20)	/* identity domains need no tables */
#define MDL_MAX_ID	(1u << 24)	/* the mock's context table */
#define MDL_MAX_IOMMUS	1024u		/* real machines have tens */
#define MDL_MAX_MASTERS	65536u

enum ent_kind { ENT_NONE, ENT_MASTER, ENT_IOMMU, ENT_HOST };

struct ent {
	const char *name;		/* owned by the topology */
	enum ent_kind kind;		/* the role that decides its driver */
	int master, iommu;		/* indices, -1 when it has none of that role */
	struct iommu_dev *dev;		/* our reference */
	struct iommu_fwnode *fw;
};

/* arm-smmu stream match entries of one instance (id, mask). */
struct sme {
	uint32_t id, mask;
};

struct mdl_iommu {
	struct mdl *m;
	unsigned int idx;
	uint32_t id_offset;		/* subtracted from IDs to fit MDL_MAX_ID */
	bool exclusive;			/* arm-smmu-v3: one master per stream ID */
	struct { uint32_t id; int owner; } *own;	/* stream ID -> master */
	size_t nown, cown;
	struct sme *smes;
	size_t nsmes, csmes;
};

struct mdl_master {
	uint32_t ids[IOMMU_FW_MAX_IDS];	/* the IDs the core offered its IOMMU driver */
	unsigned int nids;
	int ids_iommu;			/* for that driver's instance; -1: never offered */
	const char *refuse;		/* decided before probing (arm-smmu SMR conflict) */
	const char *refused;		/* why the driver refused it */
	int probe_err;			/* the core's IOMMU probe of it failed */
	int supplier;			/* IOMMU its device link points at */
	unsigned int deferrals;
};

struct mdl {
	struct iommu_topo *t;
	struct iommu_ctx *ctx;
	struct iommu_mem *mem;
	struct ent *ents;		/* open-addressed by name */
	size_t nents, cents;
	struct seg {			/* PCI segments in use, and their host bridge */
		uint16_t seg;
		const char *host;
	} *segs;
	size_t nsegs, csegs;
	struct mdl_iommu *iommus;
	struct mdl_master *masters;
	const char **iname, **mname;	/* each IOMMU's and master's entity name */
	struct iommu_driver drv_iommu, drv_plat, drv_pci;
	int err;			/* -ENOMEM seen where the model cannot report it */
};

/* The model being built on this thread: the IOMMU driver's probe finds it here. */
static _Thread_local struct mdl *mdl_current;

static const char *const compat_iommu[] = { "libiommu,topo-iommu", NULL };
static const char *const compat_master[] = { "libiommu,topo-master", NULL };
static const struct iommu_pci_id any_pci[] = {
	{ IOMMU_PCI_ANY_ID, IOMMU_PCI_ANY_ID, 0, 0 },
	{ 0, 0, 0, 0 },
};

/* ------------------------------------------------------------------ */
/* Names                                                              */

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* The entity of @name, created (kind ENT_NONE) when @create; NULL: absent or -ENOMEM. */
static struct ent *ent_get(struct mdl *m, const char *name, bool create)
{
	size_t i;

	if (create && (m->nents + 1) * 2 > m->cents) {
		size_t ncap = m->cents ? m->cents * 2 : 64;
		struct ent *ne = iu_calloc(ncap, sizeof(*ne)), *old = m->ents;

		if (!ne)
			return NULL;
		for (size_t k = 0; k < m->cents; k++) {
			if (!old[k].name)
				continue;
			for (i = name_hash(old[k].name) & (ncap - 1); ne[i].name; i = (i + 1) & (ncap - 1))
				;
			ne[i] = old[k];
		}
		iu_free(old);
		m->ents = ne;
		m->cents = ncap;
	}
	if (!m->cents)
		return NULL;
	for (i = name_hash(name) & (m->cents - 1); m->ents[i].name; i = (i + 1) & (m->cents - 1))
		if (!strcmp(m->ents[i].name, name))
			return &m->ents[i];
	if (!create)
		return NULL;
	m->ents[i] = (struct ent){ .name = name, .kind = ENT_NONE, .master = -1, .iommu = -1 };
	m->nents++;
	return &m->ents[i];
}

static int master_of(struct mdl *m, const struct iommu_dev *dev)
{
	const struct ent *e = ent_get(m, iommu_dev_name(dev), false);

	return e ? e->master : -1;
}

static int iommu_of(struct mdl *m, const char *name)
{
	const struct ent *e = ent_get(m, name, false);

	return e ? e->iommu : -1;
}

/* ------------------------------------------------------------------ */
/* The topology-only IOMMU drivers                                    */

static const char *driver_name(const char *kind)
{
	static const struct { const char *kind, *drv; } names[] = {
		{ "smmuv3", "arm-smmu-v3" }, { "arm-smmu", "arm-smmu" },
		{ "vtd", "intel-iommu" }, { "amd-vi", "amd-iommu" },
		{ "virtio-iommu", "virtio-iommu" }, { "rockchip", "rockchip-iommu" },
		{ "ipmmu", "ipmmu-vmsa" }, { "qcom", "qcom-iommu" },
		{ "mediatek", "mtk-iommu" }, { "sun50i", "sun50i-iommu" },
		{ "dart", "apple-dart" }, { "exynos", "exynos-sysmmu" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(names[i].kind, kind))
			return names[i].drv;
	return "generic-iommu";
}

/*
 * The core's policy for a kind's. Stream matching keeps the PCI rule for
 * PCI masters: arm-smmu and apple-dart call pci_device_group() for them
 * after looking for a group that holds one of their stream IDs.
 */
static unsigned int core_policy(enum iommu_topo_group_policy p)
{
	switch (p) {
	case IOMMU_TOPO_GROUP_STREAM:
		return IOMMU_GROUP_PCI | IOMMU_GROUP_SHARE_IDS;
	case IOMMU_TOPO_GROUP_INSTANCE:
		return IOMMU_GROUP_PER_INSTANCE;
	default:
		return IOMMU_GROUP_PCI;
	}
}

static int own_find(const struct mdl_iommu *mi, uint32_t id)
{
	for (size_t i = 0; i < mi->nown; i++)
		if (mi->own[i].id == id)
			return (int)i;
	return -1;
}

/*
 * iommu_ops.probe_device of a described instance: note the IDs the core
 * resolved, then apply the Linux driver's rules. Probe lock held.
 */
static int hook_probe(void *arg, struct iommu_dev *dev, const uint32_t *ids, unsigned int nids)
{
	struct mdl_iommu *mi = arg;
	struct mdl *m = mi->m;
	struct iommu_topo *t = m->t;
	int k = master_of(m, dev);
	struct mdl_master *mm;

	if (k < 0)
		return 0;
	mm = &m->masters[k];
	mm->ids_iommu = (int)mi->idx;
	mm->nids = iu_min(nids, (unsigned int)IOMMU_FW_MAX_IDS);
	for (unsigned int i = 0; i < mm->nids; i++)
		mm->ids[i] = ids[i] + mi->id_offset;
	if (mm->refuse) {
		mm->refused = mm->refuse;
		return -EINVAL;
	}
	if (!mi->exclusive)
		return 0;
	/* arm_smmu_insert_master(): a stream ID belongs to one master; the
	 * same ID twice in one master (bridge aliases) is fine. */
	for (unsigned int i = 0; i < nids; i++) {
		int o = own_find(mi, ids[i]);

		if (o >= 0 && mi->own[o].owner != k) {
			const struct fw_master *other = &t->masters[mi->own[o].owner];

			mm->refused = fw_printf(t, "%s refuses it: stream ID 0x%x is already used by %s",
						driver_name(t->iommus[mi->idx].kind),
						ids[i] + mi->id_offset, other->pub.id);
			if (!mm->refused)
				m->err = -ENOMEM;
			return -EINVAL;
		}
	}
	for (unsigned int i = 0; i < nids; i++) {
		if (own_find(mi, ids[i]) >= 0)
			continue;
		if (mi->nown == mi->cown) {
			size_t ncap = mi->cown ? mi->cown * 2 : 16;
			void *n = iu_realloc(mi->own, ncap * sizeof(*mi->own));

			if (!n) {
				m->err = -ENOMEM;
				return -ENOMEM;
			}
			mi->own = n;
			mi->cown = ncap;
		}
		mi->own[mi->nown].id = ids[i];
		mi->own[mi->nown++].owner = k;
	}
	return 0;
}

static void hook_release(void *arg, struct iommu_dev *dev)
{
	struct mdl_iommu *mi = arg;
	int k = master_of(mi->m, dev);

	for (size_t i = 0; i < mi->nown;) {
		if (mi->own[i].owner == k)
			mi->own[i] = mi->own[--mi->nown];
		else
			i++;
	}
}

static int iommu_drv_probe(struct iommu_dev *dev)
{
	struct mdl *m = mdl_current;
	int k = m ? iommu_of(m, iommu_dev_name(dev)) : -1;
	struct iommu_mock_desc desc;
	const struct iommu_topo_iommu *ti;

	if (k < 0)
		return -ENODEV;
	ti = &m->t->iommus[k];
	desc = (struct iommu_mock_desc){
		.name = driver_name(ti->kind),
		.group_policy = core_policy(ti->group_policy),
		.probe_device = hook_probe,
		.release_device = hook_release,
		.arg = &m->iommus[k],
	};
	return iommu_mock_probe_described(dev, &desc);
}

static void iommu_drv_remove(struct iommu_dev *dev)
{
	iommu_mock_remove_described(dev);
}

/* Masters' drivers: they only bind (after their IOMMU, as the links say). */
static int master_drv_probe(struct iommu_dev *dev)
{
	(void)dev;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Events: the bind order, deferrals, failures                        */

static void on_event(void *arg, const struct iommu_event *ev)
{
	struct mdl *m = arg;
	struct iommu_topo *t = m->t;
	struct ent *e = ev->dev ? ent_get(m, ev->dev, false) : NULL;
	struct iommu_topo_probe *p;

	if (ev->err == -ENOMEM)
		m->err = -ENOMEM;
	if (!e)
		return;
	if (ev->type == IOMMU_EV_PROBE_FAIL && ev->detail && !strcmp(ev->detail, "IOMMU probe")) {
		if (e->master >= 0)
			m->masters[e->master].probe_err = ev->err;
		return;
	}
	switch (ev->type) {
	case IOMMU_EV_PROBE_FAIL:	/* a driver's probe that failed */
	case IOMMU_EV_BOUND:
		p = FW_PUSH(t, probes);
		if (!p) {
			m->err = -ENOMEM;
			return;
		}
		p->device = e->name;
		p->is_iommu = e->kind == ENT_IOMMU;
		p->supplier = e->master >= 0 ? m->masters[e->master].supplier : -1;
		p->deferrals = e->master >= 0 ? m->masters[e->master].deferrals : 0;
		p->error = ev->type == IOMMU_EV_BOUND ? 0 : ev->err;
		break;
	case IOMMU_EV_DEFER:
		if (e->master >= 0)
			m->masters[e->master].deferrals++;
		break;
	case IOMMU_EV_LINK:
		if (e->master >= 0 && ev->detail)
			m->masters[e->master].supplier = iommu_of(m, ev->detail);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------ */
/* IDs                                                                */

/*
 * arm_smmu_find_sme(): a stream match inside an existing entry reuses it
 * (one group), one that overlaps an entry without being inside it is an
 * error that fails the master's probe. Masters probe in topology order.
 * Returns the entry's ID, or -1 with *conflict set.
 */
static int64_t smmu_sme(struct mdl_iommu *mi, uint32_t id, uint32_t mask, size_t *conflict)
{
	struct sme *s;

	for (size_t i = 0; i < mi->nsmes; i++) {
		s = &mi->smes[i];
		if ((mask & s->mask) == mask && !((id ^ s->id) & ~s->mask))
			return s->id;
		if (!((id ^ s->id) & ~(s->mask | mask))) {
			*conflict = i;
			return -1;
		}
	}
	s = fw_grow(&mi->smes, &mi->nsmes, &mi->csmes, sizeof(*s));
	if (!s)
		return -2;
	s->id = id & ~mask;
	s->mask = mask;
	return s->id;
}

/*
 * The IDs a platform master gives the core, from its specifiers on its
 * first IOMMU: the first cell (a stream ID, a port, a context bank); the
 * stream-match entry for arm-smmu's (ID, mask) pairs; a per-master number
 * for #iommu-cells = 0 (the instance's policy decides alone then).
 */
static int platform_ids(struct mdl *m, size_t k, uint32_t *ids, unsigned int *nids)
{
	struct iommu_topo *t = m->t;
	const struct fw_master *fm = &t->masters[k];
	unsigned int io = fm->refs[0].iommu, n = 0, dropped = 0;
	struct mdl_iommu *mi = &m->iommus[io];
	bool smr = !strcmp(t->iommus[io].kind, "arm-smmu");
	size_t smes_before = mi->nsmes;
	const char *w;

	for (size_t r = 0; r < fm->nrefs && !m->masters[k].refuse; r++) {
		const struct iommu_topo_ref *ref = &fm->refs[r];

		if (ref->iommu != io)
			continue;
		for (unsigned int s = 0; s < ref->nspecs || (!ref->ncells && s < 1); s++) {
			const uint32_t *c = ref->ncells ? ref->cells + (size_t)s * ref->ncells : NULL;
			int64_t v = c ? c[0] : (int64_t)k;
			bool dup = false;

			if (c && smr) {
				uint32_t mask = ref->ncells >= 2 ? c[1] & 0xffff : 0;
				size_t other = 0;

				v = smmu_sme(mi, c[0], mask, &other);
				if (v == -2)
					return -ENOMEM;
				if (v == -1) {
					m->masters[k].refuse = fw_printf(t,
						"arm-smmu refuses it: stream match 0x%x/0x%x overlaps "
						"entry 0x%x/0x%x without being inside it", c[0], mask,
						mi->smes[other].id, mi->smes[other].mask);
					if (!m->masters[k].refuse)
						return -ENOMEM;
					/* Its probe fails whole: the entries it made go. */
					mi->nsmes = smes_before;
					break;
				}
			}
			for (unsigned int i = 0; i < n; i++)
				dup |= ids[i] == (uint32_t)v;
			if (dup)
				continue;
			if (n < IOMMU_FW_MAX_IDS)
				ids[n++] = (uint32_t)v;
			else
				dropped++;
		}
	}
	*nids = n;
	/* Only stream matching and arm-smmu-v3's rule look at the IDs. */
	if (dropped && (smr || mi->exclusive ||
			t->iommus[io].group_policy == IOMMU_TOPO_GROUP_STREAM) &&
	    (!(w = fw_master_where(t, k)) ||
	    fw_diag(t, IOMMU_TOPO_NOTE, "MODEL_IDS_CAPPED", w,
		    "%u distinct IDs: the model binds the first %u", n + dropped,
		    IOMMU_FW_MAX_IDS)))
		return -ENOMEM;
	return 0;
}

/* A run of requester IDs one IOMMU maps linearly. */
struct run {
	const char *host;		/* the segment's host bridge */
	uint32_t rid, len, iommu, id;
};

static int add_run(struct run **runs, size_t *n, size_t *cap, const struct run *r)
{
	struct run *p;

	if (*n) {
		p = &(*runs)[*n - 1];
		if (p->host == r->host && p->iommu == r->iommu && p->rid + p->len == r->rid &&
		    p->id + p->len == r->id) {
			p->len++;
			return 0;
		}
	}
	p = fw_grow(runs, n, cap, sizeof(*p));
	if (!p)
		return -ENOMEM;
	*p = *r;
	return 0;
}

/*
 * The firmware's requester-ID routes of each segment as linear maps, over
 * the buses where functions sit (every DMA alias is on one of those: a
 * function's own bus, a bridge's bus, or a bridge's secondary bus with the
 * function below it).
 */
static int pci_runs(struct mdl *m, const char *host, uint16_t seg, struct run **runs,
		    size_t *n, size_t *cap)
{
	struct iommu_topo *t = m->t;
	uint8_t busmap[256] = { 0 };

	for (size_t i = 0; i < t->nmasters; i++)
		if (t->masters[i].is_pci && t->masters[i].pci.segment == seg)
			busmap[t->masters[i].pci.bus] = 1;
	for (unsigned int bus = 0; bus < 256; bus++) {
		if (!busmap[bus])
			continue;
		for (unsigned int devfn = 0; devfn < 256; devfn++) {
			struct run r = { .host = host, .rid = bus << 8 | devfn, .len = 1 };
			unsigned int io;

			if (fw_route_resolve(t, seg, (uint16_t)r.rid, &io, &r.id))
				continue;
			r.iommu = io;
			if (add_run(runs, n, cap, &r))
				return -ENOMEM;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Building                                                           */

static const char *seg_host(const struct mdl *m, uint16_t seg)
{
	for (size_t i = 0; i < m->nsegs; i++)
		if (m->segs[i].seg == seg)
			return m->segs[i].host;
	return "";
}

static const char *seg_host_name(struct iommu_topo *t, uint16_t seg)
{
	for (size_t h = 0; h < t->nhosts; h++)
		if (t->hosts[h].segment == seg)
			return t->hosts[h].path;
	for (size_t i = 0; i < t->nmaps; i++)
		if (t->maps[i].segment == seg)
			return t->maps[i].host;
	return fw_printf(t, "pci-host-%04x", seg);
}

/* Create the device of entity @e (and its parents), add it. */
static int ent_add(struct mdl *m, struct ent *e);

static int pci_parent_dev(struct mdl *m, const struct fw_master *fm, struct iommu_dev **out)
{
	struct ent *pe;
	int ret;

	if (fm->pub.pci_parent >= 0)
		pe = ent_get(m, m->mname[fm->pub.pci_parent], false);
	else
		pe = ent_get(m, seg_host(m, fm->pci.segment), false);
	if (!pe)
		return -EINVAL;
	ret = ent_add(m, pe);
	*out = pe->dev;
	return ret;
}

static int ent_add(struct mdl *m, struct ent *e)
{
	struct iommu_topo *t = m->t;
	const struct fw_master *fm = e->master >= 0 ? &t->masters[e->master] : NULL;
	struct iommu_dev_info info = { .name = e->name };
	int ret;

	if (e->dev)
		return 0;
	if (fm && fm->is_pci) {
		info.bus = &iommu_pci_bus;
		info.pci = &fm->pci;
		ret = pci_parent_dev(m, fm, &info.parent);
		if (ret)
			return ret;
	} else {
		info.bus = &iommu_platform_bus;
		info.fwnode = e->fw;
		if (e->kind == ENT_IOMMU)
			info.compatible = compat_iommu[0];
		else if (e->kind == ENT_MASTER)
			info.compatible = compat_master[0];
	}
	ret = iommu_dev_new(m->ctx, &info, &e->dev);
	if (ret)
		return ret;
	return iommu_dev_add(e->dev);
}

static int register_entities(struct mdl *m)
{
	struct iommu_topo *t = m->t;
	struct ent *e;

	/*
	 * One entity per name. Inputs of different machines may reuse a name
	 * (two DTBs with an /iommu@0): those get one of their own. A DT node
	 * that is both an IOMMU and a master of one input is one device.
	 */
	for (size_t i = 0; i < t->niommus; i++) {
		const char *n = t->iommus[i].id;

		e = ent_get(m, n, true);
		if (e && e->iommu >= 0) {
			n = fw_printf(t, "%s (%s #%zu)", n, t->iommus[i].source, i);
			e = n ? ent_get(m, n, true) : NULL;
		}
		if (!e)
			return -ENOMEM;
		e->iommu = (int)i;
		e->kind = ENT_IOMMU;
		m->iname[i] = e->name;
	}
	for (size_t i = 0; i < t->nmasters; i++) {
		const struct fw_master *fm = &t->masters[i];
		const char *n = fm->pub.id;

		e = ent_get(m, n, true);
		if (e && (e->master >= 0 || (e->iommu >= 0 && (fm->is_pci ||
		    strcmp(t->iommus[e->iommu].source, fm->pub.source))))) {
			n = fw_printf(t, "%s (%s #%zu)", n, fm->pub.source, i);
			e = n ? ent_get(m, n, true) : NULL;
		}
		if (!e)
			return -ENOMEM;
		e->master = (int)i;
		if (e->kind == ENT_NONE)
			e->kind = ENT_MASTER;
		m->mname[i] = e->name;
	}
	for (size_t i = 0; i < t->nmasters; i++) {
		const struct fw_master *fm = &t->masters[i];
		struct seg *sg;

		if (!fm->is_pci || *seg_host(m, fm->pci.segment))
			continue;
		sg = FW_PUSH(m, segs);
		if (!sg)
			return -ENOMEM;
		sg->seg = fm->pci.segment;
		sg->host = seg_host_name(t, fm->pci.segment);
		e = sg->host ? ent_get(m, sg->host, true) : NULL;
		if (!e)
			return -ENOMEM;
		if (e->kind == ENT_NONE)
			e->kind = ENT_HOST;
	}
	/* Firmware nodes for everything not on PCI. */
	for (size_t i = 0; i < m->cents; i++) {
		e = &m->ents[i];
		if (!e->name || (e->master >= 0 && t->masters[e->master].is_pci && e->kind != ENT_IOMMU))
			continue;
		if (iommu_fwnode_new(m->ctx, e->name, &e->fw))
			return -ENOMEM;
	}
	return 0;
}

/* Bindings: platform masters one by one, PCI segments as maps. */
static int bind_all(struct mdl *m)
{
	struct iommu_topo *t = m->t;
	struct run *runs = NULL;
	size_t nruns = 0, cruns = 0;
	uint32_t *lo = iu_calloc(t->niommus + 1, sizeof(*lo));
	uint32_t *hi = iu_calloc(t->niommus + 1, sizeof(*hi));
	uint32_t (*pids)[IOMMU_FW_MAX_IDS] = iu_calloc(t->nmasters + 1, sizeof(*pids));
	unsigned int *pn = iu_calloc(t->nmasters + 1, sizeof(*pn));
	int ret = -ENOMEM;

	if (!lo || !hi || !pids || !pn)
		goto out;
	for (size_t i = 0; i < t->niommus; i++)
		lo[i] = UINT32_MAX;
	for (size_t k = 0; k < t->nmasters; k++) {
		const struct fw_master *fm = &t->masters[k];
		unsigned int io;

		if (fm->is_pci || !fm->nrefs)
			continue;
		io = fm->refs[0].iommu;
		for (size_t r = 1; r < fm->nrefs; r++) {
			const char *w;

			if (fm->refs[r].iommu != io &&
			    (!(w = fw_master_where(t, k)) ||
			     fw_diag(t, IOMMU_TOPO_NOTE, "MODEL_SECOND_IOMMU", w,
				     "also names %s: the model binds it to %s only (a device "
				     "has one IOMMU)", t->iommus[fm->refs[r].iommu].id,
				     t->iommus[io].id)))
				goto out;
		}
		ret = platform_ids(m, k, pids[k], &pn[k]);
		if (ret)
			goto out;
		ret = -ENOMEM;
		for (unsigned int i = 0; i < pn[k]; i++) {
			lo[io] = iu_min(lo[io], pids[k][i]);
			hi[io] = iu_max(hi[io], pids[k][i]);
		}
	}
	for (size_t s = 0; s < m->nsegs; s++)
		if (pci_runs(m, m->segs[s].host, m->segs[s].seg, &runs, &nruns, &cruns))
			goto out;
	for (size_t i = 0; i < nruns; i++) {
		lo[runs[i].iommu] = iu_min(lo[runs[i].iommu], runs[i].id);
		hi[runs[i].iommu] = (uint32_t)iu_max((uint64_t)hi[runs[i].iommu],
						     (uint64_t)runs[i].id + runs[i].len - 1);
	}
	/* The mock's context table has 2^24 entries: shift a namespace that is
	 * higher but narrower (IDs only need to compare equal). */
	for (size_t i = 0; i < t->niommus; i++)
		if (lo[i] != UINT32_MAX && hi[i] >= MDL_MAX_ID)
			m->iommus[i].id_offset = lo[i];

	for (size_t k = 0; k < t->nmasters; k++) {
		const struct fw_master *fm = &t->masters[k];
		struct ent *e, *ie;
		unsigned int io;

		if (!pn[k])
			continue;
		io = fm->refs[0].iommu;
		for (unsigned int i = 0; i < pn[k]; i++)
			pids[k][i] -= m->iommus[io].id_offset;
		e = ent_get(m, m->mname[k], false);
		ie = ent_get(m, m->iname[io], false);
		ret = iommu_fw_bind(m->ctx, e->fw, ie->fw, pids[k], pn[k]);
		if (ret)
			goto out;
	}
	for (size_t i = 0; i < nruns; i++) {
		const struct run *r = &runs[i];

		ret = iommu_fw_bind_pci(m->ctx, ent_get(m, r->host, false)->fw, r->rid, r->len,
					ent_get(m, m->iname[r->iommu], false)->fw,
					r->id - m->iommus[r->iommu].id_offset, 0xffffffffu);
		if (ret)
			goto out;
	}
	ret = 0;
out:
	iu_free(runs);
	iu_free(lo);
	iu_free(hi);
	iu_free(pids);
	iu_free(pn);
	return ret;
}

static int add_devices(struct mdl *m)
{
	struct iommu_topo *t = m->t;
	int ret;

	/* Host bridges, then masters (parents first), then the IOMMUs. */
	for (size_t s = 0; s < m->nsegs; s++) {
		ret = ent_add(m, ent_get(m, m->segs[s].host, false));
		if (ret)
			return ret;
	}
	for (size_t k = 0; k < t->nmasters; k++) {
		ret = ent_add(m, ent_get(m, m->mname[k], false));
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < t->niommus; i++) {
		ret = ent_add(m, ent_get(m, m->iname[i], false));
		if (ret)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reading the result back                                            */

struct members {
	struct mdl *m;
	unsigned int *v;
	size_t n, cap;
	int err;
};

static int collect_member(struct iommu_dev *dev, void *arg)
{
	struct members *mb = arg;
	int k = master_of(mb->m, dev);
	unsigned int *p;

	if (k < 0)
		return 0;
	p = fw_grow(&mb->v, &mb->n, &mb->cap, sizeof(*p));
	if (!p) {
		mb->err = -ENOMEM;
		return 1;
	}
	*p = (unsigned int)k;
	return 0;
}

static int collect_group(struct iommu_group *g, void *arg)
{
	struct mdl *m = arg;
	struct iommu_topo *t = m->t;
	struct members mb = { .m = m };
	struct iommu_topo_group *tg;
	const char *reason;
	unsigned int *devs;
	int io = iommu_of(m, iommu_device_name(iommu_group_iommu(g)));

	if (io < 0)
		return 0;
	iommu_group_for_each_dev(g, collect_member, &mb);
	if (mb.err)
		goto nomem;
	if (!mb.n)
		return 0;
	reason = fw_strdup(t, iommu_group_reason(g));
	devs = fw_keep(t, mb.n * sizeof(*devs));
	tg = reason && devs ? FW_PUSH(t, groups) : NULL;
	if (!tg)
		goto nomem;
	memcpy(devs, mb.v, mb.n * sizeof(*devs));
	iu_free(mb.v);
	tg->id = iommu_group_id(g);
	tg->iommu = (unsigned int)io;
	tg->reason = reason;
	tg->ndevices = (unsigned int)mb.n;
	tg->devices = devs;
	for (size_t i = 0; i < mb.n; i++)
		t->masters[devs[i]].pub.group = (int)(t->ngroups - 1);
	return 0;
nomem:
	iu_free(mb.v);
	return -ENOMEM;
}

/* PCI functions: the IDs the core resolved; anyone left without a group: why. */
static int record_masters(struct mdl *m)
{
	struct iommu_topo *t = m->t;

	for (size_t k = 0; k < t->nmasters; k++) {
		struct fw_master *fm = &t->masters[k];
		const struct mdl_master *mm = &m->masters[k];
		const char *w;

		if (fm->is_pci && mm->ids_iommu >= 0) {
			for (unsigned int i = 0; i < mm->nids; i++) {
				bool dup = false;

				for (unsigned int j = 0; j < i; j++)
					dup |= mm->ids[j] == mm->ids[i];
				if (!dup && fw_master_add_spec(t, k, (unsigned int)mm->ids_iommu, 1,
							       &mm->ids[i]))
					return -ENOMEM;
			}
			/* IVRS alias entries: the device table entry of the
			 * alias serves the function too. */
			for (size_t a = 0; a < fm->naliases; a++) {
				unsigned int io;
				uint32_t id;
				bool dup = false;

				if (fw_route_resolve(t, fm->pci.segment, fm->aliases[a], &io, &id) ||
				    (int)io != mm->ids_iommu)
					continue;
				for (unsigned int j = 0; j < mm->nids; j++)
					dup |= mm->ids[j] == id;
				if (!dup && fw_master_add_spec(t, k, io, 1, &id))
					return -ENOMEM;
			}
		}
		if (fm->pub.group >= 0)
			continue;
		if (mm->refuse && !mm->refused) {
			fm->pub.no_group = mm->refuse;	/* no other ID to bind it with */
		} else if (mm->refused) {
			fm->pub.no_group = mm->refused;
		} else if (mm->probe_err && mm->probe_err != -ENODEV) {
			fm->pub.no_group = fw_printf(t, "the IOMMU core could not probe it: %s",
						     mm->probe_err == -ERANGE
						     ? "an ID beyond the model's 24-bit stream space"
						     : strerror(-mm->probe_err));
			if (!fm->pub.no_group)
				return -ENOMEM;
		}
		if (!fm->pub.no_group)
			continue;
		w = fw_master_where(t, k);
		if (!w || fw_diag(t, IOMMU_TOPO_WARNING, mm->refused && fm->is_pci &&
				  strstr(mm->refused, "stream ID") ? "PCI_STREAM_ID_SHARED"
								    : "IOMMU_PROBE_REFUSED",
				  w, "%s; it gets no group", fm->pub.no_group))
			return -ENOMEM;
	}
	return 0;
}

static void mdl_free(struct mdl *m)
{
	if (m->ctx) {
		iommu_ctx_set_event_cb(m->ctx, NULL, NULL);
		for (size_t i = 0; i < m->cents; i++)
			iommu_dev_put(m->ents[i].dev);
		iommu_ctx_free(m->ctx);
	} else {
		for (size_t i = 0; i < m->cents; i++)
			iommu_dev_put(m->ents[i].dev);
	}
	iommu_mem_free(m->mem);
	for (size_t i = 0; m->iommus && i < m->t->niommus; i++) {
		iu_free(m->iommus[i].own);
		iu_free(m->iommus[i].smes);
	}
	iu_free(m->iommus);
	iu_free(m->masters);
	iu_free(m->ents);
	iu_free(m->segs);
	iu_free(m->iname);
	iu_free(m->mname);
}

int fw_model(struct iommu_topo *t)
{
	struct mdl m = { .t = t };
	struct iommu_ctx_opts opts = { 0 };
	int ret = -ENOMEM;

	for (size_t k = 0; k < t->nmasters; k++)
		t->masters[k].pub.group = -1;
	if (!t->niommus)
		return 0;
	/* Each instance is a whole mock IOMMU: keep hostile inputs bounded. */
	if (t->niommus > MDL_MAX_IOMMUS || t->nmasters > MDL_MAX_MASTERS)
		return fw_diag(t, IOMMU_TOPO_WARNING, "MODEL_TOO_LARGE", "",
			       "%zu IOMMUs and %zu masters: more than the model instantiates "
			       "(%u, %u); no groups formed", t->niommus, t->nmasters,
			       MDL_MAX_IOMMUS, MDL_MAX_MASTERS);
	m.iommus = iu_calloc(t->niommus, sizeof(*m.iommus));
	m.masters = iu_calloc(t->nmasters + 1, sizeof(*m.masters));
	m.iname = iu_calloc(t->niommus, sizeof(*m.iname));
	m.mname = iu_calloc(t->nmasters + 1, sizeof(*m.mname));
	if (!m.iommus || !m.masters || !m.iname || !m.mname)
		goto out;
	for (size_t i = 0; i < t->niommus; i++) {
		m.iommus[i].m = &m;
		m.iommus[i].idx = (unsigned int)i;
		m.iommus[i].exclusive = !strcmp(t->iommus[i].kind, "smmuv3");
	}
	for (size_t k = 0; k < t->nmasters; k++) {
		m.masters[k].ids_iommu = -1;
		m.masters[k].supplier = -1;
	}
	ret = iommu_mem_new(0, MDL_RAM, &m.mem);
	if (ret)
		goto out;
	opts.mem = m.mem;
	ret = iommu_ctx_new(&opts, &m.ctx);
	if (ret)
		goto out;
	/* Groups are what we want: identity default domains need no tables. */
	ret = iommu_ctx_set_default_domain_type(m.ctx, IOMMU_DOMAIN_IDENTITY);
	if (!ret)
		ret = iommu_ctx_set_event_cb(m.ctx, on_event, &m);
	if (!ret)
		ret = register_entities(&m);
	if (!ret)
		ret = bind_all(&m);
	if (ret)
		goto out;
	m.drv_iommu = (struct iommu_driver){ .name = "topo-iommu", .bus = &iommu_platform_bus,
					     .compatible = compat_iommu, .probe = iommu_drv_probe,
					     .remove = iommu_drv_remove };
	m.drv_plat = (struct iommu_driver){ .name = "topo-master", .bus = &iommu_platform_bus,
					    .compatible = compat_master, .probe = master_drv_probe };
	m.drv_pci = (struct iommu_driver){ .name = "topo-pci", .bus = &iommu_pci_bus,
					   .pci_ids = any_pci, .probe = master_drv_probe };
	mdl_current = &m;
	ret = iommu_driver_register(m.ctx, &m.drv_plat);
	if (!ret)
		ret = iommu_driver_register(m.ctx, &m.drv_pci);
	if (!ret)
		ret = iommu_driver_register(m.ctx, &m.drv_iommu);
	if (!ret)
		ret = add_devices(&m);
	mdl_current = NULL;
	if (!ret && !m.err)
		ret = iommu_for_each_group(m.ctx, collect_group, &m);
	if (!ret && !m.err)
		ret = record_masters(&m);
	if (!ret)
		ret = m.err;
out:
	mdl_free(&m);
	if (ret && ret != -ENOMEM) {
		/* Not the input's fault: say so, and keep what the parsers found. */
		if (fw_diag(t, IOMMU_TOPO_ERROR, "MODEL_FAILED", "",
			    "the IOMMU core could not instantiate this topology: %s",
			    strerror(-ret)))
			return -ENOMEM;
		return 0;
	}
	return ret;
}
