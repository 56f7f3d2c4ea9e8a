// SPDX-License-Identifier: MIT
/*
 * Cross-input resolution (PCI functions to IOMMUs and IDs, DMAR scopes to
 * functions, bridges to their children) and the semantic checks that need
 * the whole picture.
 */
#include <stdio.h>
#include <string.h>
#include "topo_priv.h"

static bool route_match(const struct fw_route *r, uint16_t seg, uint16_t rid)
{
	uint32_t m = rid & r->mask;

	return seg >= r->segment && seg <= r->seg_hi && m >= r->rid_lo && m <= r->rid_hi;
}

static const struct fw_route *route_find(const struct iommu_topo *t, uint16_t seg, uint16_t rid)
{
	const struct fw_route *best = NULL;

	for (size_t i = 0; i < t->nroutes; i++) {
		const struct fw_route *r = &t->routes[i];

		if (!route_match(r, seg, rid))
			continue;
		/* Higher priority wins; among equals, DMAR/IVRS entries
		 * overwrite earlier ones (Linux's rlookup tables), map
		 * entries do not (of_map_id takes the first). */
		if (!best || r->prio > best->prio ||
		    (r->prio == best->prio && r->kind == FW_ROUTE_IDENTITY))
			best = r;
	}
	return best;
}

static int route_apply(const struct fw_route *r, uint16_t seg, uint16_t rid,
		       unsigned int *iommu, uint32_t *id)
{
	if (!r || r->kind == FW_ROUTE_EXCLUDE)
		return -ENOENT;
	*iommu = r->iommu;
	switch (r->kind) {
	case FW_ROUTE_MAP:
		*id = r->fixed_id ? r->id_base : r->id_base + ((rid & r->mask) - r->rid_lo);
		break;
	case FW_ROUTE_VIOT:
		*id = r->id_base + ((uint32_t)(seg - r->segment) << 16) + (rid - r->rid_lo);
		break;
	default:
		*id = rid;
	}
	return 0;
}

int fw_route_resolve(const struct iommu_topo *t, uint16_t seg, uint16_t rid,
		     unsigned int *iommu, uint32_t *id)
{
	return route_apply(route_find(t, seg, rid), seg, rid, iommu, id);
}

int iommu_topo_pci_resolve(const struct iommu_topo *t, uint16_t segment, uint16_t rid,
			   unsigned int *iommu, uint32_t *id)
{
	if (!t || !t->finished || !iommu || !id)
		return -EINVAL;
	return fw_route_resolve(t, segment, rid, iommu, id);
}

static bool have_pci(const struct iommu_topo *t)
{
	for (size_t i = 0; i < t->nmasters; i++)
		if (t->masters[i].is_pci)
			return true;
	return false;
}

static int bridge_at(const struct iommu_topo *t, uint16_t seg, uint8_t bus, uint8_t devfn)
{
	int k = fw_find_pci(t, seg, bus, devfn);

	return k >= 0 && t->masters[k].pci.header_type == 1 ? k : -1;
}

/* DMAR scope path -> function; -1 when it names nothing present. */
static int scope_target(const struct iommu_topo *t, const struct fw_dmar_scope *s)
{
	uint8_t bus = s->start_bus;

	for (int i = 0; i < s->npath; i++) {
		uint8_t devfn = IOMMU_PCI_DEVFN(s->path[2 * i], s->path[2 * i + 1]);
		int k;

		if (i == s->npath - 1)
			return fw_find_pci(t, s->segment, bus, devfn);
		k = bridge_at(t, s->segment, bus, devfn);
		if (k < 0)
			return -1;
		bus = t->masters[k].pci.secondary;
	}
	return -1;
}

static int resolve_dmar(struct iommu_topo *t)
{
	bool pci = have_pci(t);

	for (size_t i = 0; i < t->nscopes; i++) {
		const struct fw_dmar_scope *s = &t->scopes[i];
		struct fw_route r = { .kind = FW_ROUTE_IDENTITY, .prio = FW_PRIO_SCOPE,
				      .segment = s->segment, .seg_hi = s->segment,
				      .mask = 0xffff, .iommu = s->iommu };
		int k;

		if ((s->type != 1 && s->type != 2) || !s->npath)
			continue;	/* IOAPIC, HPET, ACPI namespace devices */
		if (!pci) {
			/* Without PCI data only one-hop paths are known. */
			if (s->npath != 1 || s->iommu == -1u)
				continue;
			r.rid_lo = r.rid_hi = IOMMU_PCI_RID(s->start_bus,
							    IOMMU_PCI_DEVFN(s->path[0], s->path[1]));
			if (fw_add_route(t, &r))
				return -ENOMEM;
			continue;
		}
		k = scope_target(t, s);
		if (k < 0) {
			if (fw_diag(t, IOMMU_TOPO_WARNING, "DMAR_SCOPE_NO_DEVICE", s->where,
				    "%s device scope (%s, start bus 0x%02x, %u hops, last "
				    "%02x.%x) names no function of the PCI input", s->owner,
				    s->type == 1 ? "endpoint" : "bridge", s->start_bus,
				    s->npath, s->path[2 * s->npath - 2],
				    s->path[2 * s->npath - 1]))
				return -ENOMEM;
			continue;
		}
		if (s->iommu == -1u)
			continue;
		r.rid_lo = r.rid_hi = IOMMU_PCI_RID(t->masters[k].pci.bus, t->masters[k].pci.devfn);
		if (fw_add_route(t, &r))
			return -ENOMEM;
		if (s->type == 2 && t->masters[k].pci.header_type == 1) {
			r.rid_lo = (uint32_t)t->masters[k].pci.secondary << 8;
			r.rid_hi = (uint32_t)t->masters[k].pci.subordinate << 8 | 0xff;
			if (r.rid_hi >= r.rid_lo && fw_add_route(t, &r))
				return -ENOMEM;
		}
	}
	return 0;
}

static int resolve_dt_hosts(struct iommu_topo *t)
{
	for (size_t h = 0; h < t->nhosts; h++) {
		const struct fw_host *hb = &t->hosts[h];

		for (size_t i = hb->map_first; i < hb->map_first + hb->map_count; i++) {
			const struct iommu_topo_pci_map *m = &t->maps[i];
			struct fw_route r = { .kind = FW_ROUTE_MAP, .prio = FW_PRIO_MAP,
					      .segment = hb->segment, .seg_hi = hb->segment,
					      .mask = m->mask, .iommu = m->iommu,
					      .id_base = m->id_base, .rid_lo = m->rid_base };

			if (!m->length)
				continue;
			r.rid_hi = (uint32_t)iu_min((uint64_t)m->rid_base + m->length - 1,
						    0xffffffffull);
			if (fw_add_route(t, &r))
				return -ENOMEM;
		}
	}
	return 0;
}

static int resolve_pci(struct iommu_topo *t)
{
	/*
	 * Upstream bridges by bus number. A bridge's secondary bus is above
	 * its own (enumeration numbers them so): one that says otherwise is
	 * ignored, which also keeps a corrupt dump from making a loop.
	 */
	for (size_t j = 0; j < t->nmasters; j++) {
		const struct fw_master *b = &t->masters[j];
		const char *w;

		if (!b->is_pci || (b->pci.header_type != 1 && b->pci.header_type != 2) ||
		    !b->pci.secondary || b->pci.secondary > b->pci.bus)
			continue;
		w = fw_master_where(t, j);
		if (!w || fw_diag(t, IOMMU_TOPO_WARNING, "PCI_BRIDGE_BUSES", w,
				  "bridge on bus %02x claims secondary bus %02x, not above "
				  "its own: ignored", b->pci.bus, b->pci.secondary))
			return -ENOMEM;
	}
	for (size_t i = 0; i < t->nmasters; i++) {
		struct fw_master *m = &t->masters[i];

		if (!m->is_pci)
			continue;
		for (size_t j = 0; j < t->nmasters; j++) {
			const struct fw_master *b = &t->masters[j];

			if (j == i || !b->is_pci || b->pci.segment != m->pci.segment ||
			    (b->pci.header_type != 1 && b->pci.header_type != 2) ||
			    b->pci.secondary != m->pci.bus || b->pci.secondary <= b->pci.bus)
				continue;
			m->pub.pci_parent = (int)j;
			break;
		}
	}
	/* IVRS aliases. */
	for (size_t a = 0; a < t->naliases; a++) {
		const struct fw_alias *al = &t->aliases[a];
		int k = fw_find_pci(t, al->segment, (uint8_t)(al->rid >> 8), (uint8_t)al->rid);

		if (k >= 0 && fw_master_add_alias(t, (size_t)k, al->alias))
			return -ENOMEM;
	}
	/*
	 * Which IDs each function's DMA carries is the IOMMU core's to work out
	 * from its DMA aliases (model.c binds the routes, not functions).
	 */
	return 0;
}

int fw_resolve(struct iommu_topo *t)
{
	int ret;

	if (!t->fw_seen && have_pci(t)) {
		struct iommu_topo_iommu m = { .id = "implied-iommu", .compatible = "libiommu,implied",
					      .kind = "generic", .known = true, .iommu_cells = 1,
					      .group_policy = IOMMU_TOPO_GROUP_DEVICE,
					      .pci_segment = -1, .pci_rid = -1,
					      .source = "(no firmware input)" };
		struct fw_route r = { .kind = FW_ROUTE_IDENTITY, .prio = FW_PRIO_IMPLIED,
				      .segment = 0, .seg_hi = 0xffff, .rid_hi = 0xffff,
				      .mask = 0xffff };
		int k = fw_add_iommu(t, &m);

		if (k < 0)
			return k;
		r.iommu = (unsigned int)k;
		if (fw_add_route(t, &r))
			return -ENOMEM;
		/* An IOMMU's own PCI function (class 08 06) is not translated. */
		for (size_t i = 0; i < t->nmasters; i++) {
			const struct fw_master *pm = &t->masters[i];
			struct fw_route ex = { .kind = FW_ROUTE_EXCLUDE, .prio = FW_PRIO_EXCLUDE,
					       .mask = 0xffff };

			if (!pm->is_pci || pm->pci.class_code >> 8 != 0x0806)
				continue;
			ex.segment = ex.seg_hi = pm->pci.segment;
			ex.rid_lo = ex.rid_hi = IOMMU_PCI_RID(pm->pci.bus, pm->pci.devfn);
			/*
			 * An AMD IOMMU (function 2 of device 0): AMD's IVRS
			 * device ranges start at device 1 of its bus, so the
			 * root complex beside it is not translated either.
			 */
			if (pm->pci.vendor == 0x1022 && pm->pci.devfn == IOMMU_PCI_DEVFN(0, 2)) {
				const char *w = fw_master_where(t, i);

				ex.rid_lo = IOMMU_PCI_RID(pm->pci.bus, 0);
				ex.rid_hi = IOMMU_PCI_RID(pm->pci.bus, 7);
				if (!w || fw_diag(t, IOMMU_TOPO_NOTE, "PCI_IMPLIED_AMD_IOMMU", w,
					    "AMD IOMMU: as AMD's IVRS tables usually do, device 00 "
					    "of bus %02x (the root complex and the IOMMU) is assumed "
					    "untranslated", pm->pci.bus))
					return -ENOMEM;
			}
			if (fw_add_route(t, &ex))
				return -ENOMEM;
		}
		if (fw_diag(t, IOMMU_TOPO_NOTE, "PCI_IMPLIED_IOMMU", "",
			    "no firmware tables given: one IOMMU translating every PCI function "
			    "is assumed"))
			return -ENOMEM;
	}
	if (t->acpi_seen && !t->acpi_iommu_seen &&
	    fw_diag(t, IOMMU_TOPO_NOTE, "ACPI_NO_IOMMU", "",
		    "ACPI tables were given but none describes an IOMMU: no device is "
		    "translated"))
		return -ENOMEM;
	ret = resolve_dt_hosts(t);
	if (!ret)
		ret = resolve_dmar(t);
	if (!ret)
		ret = resolve_pci(t);
	return ret;
}

/* arm-smmu stream-match entries (id, mask) collide when they agree on every
 * bit neither masks. */
static bool smr_overlap(uint32_t id1, uint32_t m1, uint32_t id2, uint32_t m2)
{
	return !((id1 ^ id2) & ~(m1 | m2));
}

static int check_streams(struct iommu_topo *t)
{
	/* Masters the driver refuses (in topology order, as they probe). */
	bool *refused = iu_calloc(t->nmasters + 1, sizeof(*refused));

	if (!refused)
		return -ENOMEM;
	for (size_t a = 0; a < t->nmasters; a++) {
		const struct fw_master *ma = &t->masters[a];

		for (size_t ra = 0; ra < ma->nrefs; ra++) {
			const struct iommu_topo_ref *x = &ma->refs[ra];
			const struct iommu_topo_iommu *mm = &t->iommus[x->iommu];

			if (!x->ncells || mm->group_policy == IOMMU_TOPO_GROUP_INSTANCE)
				continue;
			for (size_t b = 0; b < a; b++) {
				const struct fw_master *mb = &t->masters[b];

				for (size_t rb = 0; rb < mb->nrefs; rb++) {
					const struct iommu_topo_ref *y = &mb->refs[rb];
					bool smr = !strcmp(mm->kind, "arm-smmu") && x->ncells == 2;

					if (y->iommu != x->iommu || y->ncells != x->ncells ||
					    refused[b])
						continue;
					for (unsigned int i = 0; i < x->nspecs; i++)
						for (unsigned int j = 0; j < y->nspecs; j++) {
							const uint32_t *p = x->cells + i * x->ncells;
							const uint32_t *q = y->cells + j * y->ncells;
							bool same = !memcmp(p, q, x->ncells * 4);
							bool inside;
							bool hit = smr ? smr_overlap(p[0], p[1], q[0], q[1])
								       : same;
							int e;

							if (!hit)
								continue;
							/* PCI functions: aliasing, which the
							 * model's drivers judge (model.c). */
							if (ma->is_pci && mb->is_pci)
								continue;
							/* arm_smmu_find_sme(): a match inside
							 * an earlier entry shares it. */
							inside = smr && (p[1] & q[1]) == p[1] &&
								 !((p[0] ^ q[0]) & ~q[1]);
							if (mm->group_policy == IOMMU_TOPO_GROUP_STREAM &&
							    (same || inside || !smr)) {
								e = fw_diag(t, IOMMU_TOPO_NOTE,
									    "STREAM_ID_SHARED", ma->pub.id,
									    "%s and %s share stream ID 0x%x on "
									    "%s: the driver puts them in one "
									    "group", mb->pub.id, ma->pub.id,
									    p[0], mm->id);
							} else if (smr) {
								refused[a] = true;
								e = fw_diag(t, IOMMU_TOPO_ERROR, "SMR_CONFLICT",
									    ma->pub.id,
									    "stream match 0x%x/0x%x of %s overlaps "
									    "0x%x/0x%x of %s on %s without being "
									    "inside it: the driver refuses %s",
									    p[0], p[1], ma->pub.id, q[0], q[1],
									    mb->pub.id, mm->id, ma->pub.id);
							} else {
								e = fw_diag(t, IOMMU_TOPO_ERROR,
									    "STREAM_ID_CLASH", ma->pub.id,
									    "%s and %s both use stream ID 0x%x "
									    "on %s", mb->pub.id, ma->pub.id,
									    p[0], mm->id);
							}
							if (e) {
								iu_free(refused);
								return -ENOMEM;
							}
						}
				}
			}
		}
	}
	iu_free(refused);
	return 0;
}

/* iommu-map: overlapping entries, empty entries, requester IDs left out. */
static int check_maps(struct iommu_topo *t)
{
	for (size_t i = 0; i < t->nmaps; i++) {
		const struct iommu_topo_pci_map *m = &t->maps[i];
		uint64_t lo = m->rid_base, hi = (uint64_t)m->rid_base + m->length;

		if (!m->length) {
			if (fw_diag(t, IOMMU_TOPO_WARNING, "IOMMU_MAP_EMPTY", m->host,
				    "iommu-map entry for rid-base 0x%x has length 0 and maps "
				    "nothing", m->rid_base))
				return -ENOMEM;
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			const struct iommu_topo_pci_map *n = &t->maps[j];
			uint64_t nlo = n->rid_base, nhi = (uint64_t)n->rid_base + n->length;

			if (n->host != m->host || !n->length || lo >= nhi || nlo >= hi)
				continue;
			if (fw_diag(t, IOMMU_TOPO_ERROR, "IOMMU_MAP_OVERLAP", m->host,
				    "requester IDs 0x%llx-0x%llx are mapped twice (entries for "
				    "rid-base 0x%x and 0x%x); the first wins",
				    (unsigned long long)iu_max(lo, nlo),
				    (unsigned long long)iu_min(hi, nhi) - 1, n->rid_base,
				    m->rid_base))
				return -ENOMEM;
		}
	}
	for (size_t h = 0; h < t->nhosts; h++) {
		const struct fw_host *hb = &t->hosts[h];
		bool pci_here = false;
		uint32_t unmapped = 0, first = 0;

		if (!hb->has_map)
			continue;
		for (size_t i = 0; i < t->nmasters; i++) {
			const struct fw_master *m = &t->masters[i];
			uint16_t rid;

			if (!m->is_pci || m->pci.segment != hb->segment)
				continue;
			pci_here = true;
			rid = IOMMU_PCI_RID(m->pci.bus, m->pci.devfn);
			if (!m->nrefs && fw_diag(t, IOMMU_TOPO_WARNING, "PCI_RID_UNMAPPED", m->pub.id,
						 "requester ID 0x%04x is not covered by %s's "
						 "iommu-map: the function stays untranslated",
						 rid, hb->path))
				return -ENOMEM;
		}
		if (pci_here)
			continue;
		for (uint32_t rid = (uint32_t)hb->bus_lo << 8; rid <= ((uint32_t)hb->bus_hi << 8 | 0xff);
		     rid++) {
			bool hit = false;

			for (size_t i = hb->map_first; i < hb->map_first + hb->map_count && !hit; i++) {
				const struct iommu_topo_pci_map *m = &t->maps[i];
				uint64_t v = rid & m->mask;

				hit = v >= m->rid_base && v < (uint64_t)m->rid_base + m->length;
			}
			if (!hit && !unmapped++)
				first = rid;
		}
		if (unmapped && fw_diag(t, IOMMU_TOPO_WARNING, "IOMMU_MAP_GAP", hb->path,
					"%u requester IDs of buses 0x%02x-0x%02x are not covered "
					"by iommu-map (first 0x%04x): devices there stay "
					"untranslated", unmapped, hb->bus_lo, hb->bus_hi, first))
			return -ENOMEM;
	}
	return 0;
}

int fw_check(struct iommu_topo *t)
{
	int ret = check_maps(t);

	if (!ret)
		ret = check_streams(t);
	return ret;
}
