// SPDX-License-Identifier: MIT
/*
 * VIOT (Virtual I/O Translation table): virtio-iommu instances (PCI or
 * MMIO) and the PCI ranges and MMIO endpoints they translate.
 */
#include <stdio.h>
#include <string.h>
#include "topo_priv.h"

enum { VIOT_PCI_RANGE = 1, VIOT_MMIO = 2, VIOT_VIOMMU_PCI = 3, VIOT_VIOMMU_MMIO = 4 };
static const uint16_t viot_min_len[] = { 4, 24, 24, 16, 16 };

static int viot_bad(struct iommu_topo *t, const char *name, uint32_t off, const char *code,
		    const char *msg, uint32_t a, uint32_t b)
{
	const char *where = fw_printf(t, "%s:+0x%x", name, off);

	if (!where || fw_diag(t, IOMMU_TOPO_ERROR, code, where, "VIOT: %s (%u, %u)", msg, a, b))
		return -ENOMEM;
	return -EINVAL;
}

/* IOMMU index of the node at table offset ref, or -1. */
static int viot_iommu_at(const uint32_t *offs, const int *idx, size_t n, uint32_t ref)
{
	for (size_t i = 0; i < n; i++)
		if (offs[i] == ref)
			return idx[i];
	return -1;
}

int fw_viot_parse(struct iommu_topo *t, const char *name, const uint8_t *buf, size_t len)
{
	uint32_t tlen = (uint32_t)len, off, count, first;
	uint32_t *offs = NULL;
	int *idx = NULL, ret = 0;
	size_t nio = 0;

	if (tlen < 48)
		return viot_bad(t, name, 4, "VIOT_TRUNCATED",
				"table shorter than its header (length, needed)", tlen, 48);
	count = fw_le16(buf + 36);
	first = fw_le16(buf + 38);
	if (count && (first < 48 || first >= tlen))
		return viot_bad(t, name, 38, "VIOT_NODE_BOUNDS",
				"node offset outside the table (offset, length)", first, tlen);
	offs = iu_calloc(count ? count : 1, sizeof(*offs));
	idx = iu_calloc(count ? count : 1, sizeof(*idx));
	if (!offs || !idx) {
		ret = -ENOMEM;
		goto out;
	}
	/* Pass 1: bounds and the virtio-iommu instances (targets may follow
	 * the endpoints that name them). */
	off = first;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *p;
		uint16_t nlen;
		uint8_t type;

		if (!iu_range_ok(off, 4, tlen)) {
			ret = viot_bad(t, name, off, "VIOT_NODE_BOUNDS",
				       "node header runs past the table (node, offset)", i, off);
			goto out;
		}
		p = buf + off;
		type = p[0];
		nlen = fw_le16(p + 2);
		if (nlen < 4 || !iu_range_ok(off, nlen, tlen) ||
		    (type < ARRAY_SIZE(viot_min_len) && nlen < viot_min_len[type])) {
			ret = viot_bad(t, name, off + 2, "VIOT_NODE_BOUNDS",
				       "node length too small for its type or past the table "
				       "(type, length)", type, nlen);
			goto out;
		}
		if (type == VIOT_VIOMMU_PCI || type == VIOT_VIOMMU_MMIO) {
			struct iommu_topo_iommu m = { .compatible = "acpi,viot-virtio-iommu",
						      .kind = "virtio-iommu", .known = true,
						      .iommu_cells = 1, .pci_segment = -1,
						      .pci_rid = -1, .source = name,
						      .group_policy = IOMMU_TOPO_GROUP_DEVICE };
			int k;

			if (type == VIOT_VIOMMU_PCI) {
				uint16_t seg = fw_le16(p + 4), bdf = fw_le16(p + 6);

				m.id = fw_printf(t, "VIOT+0x%x:virtio-iommu@%04x:%02x:%02x.%x", off,
						 seg, bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7);
				m.pci_segment = seg;
				m.pci_rid = bdf;
			} else {
				m.base = fw_le64(p + 8);
				m.id = fw_printf(t, "VIOT+0x%x:virtio-iommu@%llx", off,
						 (unsigned long long)m.base);
			}
			if (!m.id) {
				ret = -ENOMEM;
				goto out;
			}
			k = fw_add_iommu(t, &m);
			if (k < 0) {
				ret = k;
				goto out;
			}
			t->acpi_iommu_seen = true;
			offs[nio] = off;
			idx[nio++] = k;
			if (type == VIOT_VIOMMU_PCI) {
				struct fw_route ex = { .kind = FW_ROUTE_EXCLUDE, .prio = FW_PRIO_EXCLUDE,
						       .segment = m.pci_segment,
						       .seg_hi = m.pci_segment,
						       .rid_lo = (uint32_t)m.pci_rid,
						       .rid_hi = (uint32_t)m.pci_rid, .mask = 0xffff,
						       .iommu = (unsigned int)k };

				if (fw_add_route(t, &ex)) {
					ret = -ENOMEM;
					goto out;
				}
			}
		}
		off += nlen;
	}
	/* Pass 2: endpoints. */
	off = first;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *p = buf + off;
		uint16_t nlen = fw_le16(p + 2), ref;
		const char *where;
		int k;

		if (p[0] != VIOT_PCI_RANGE && p[0] != VIOT_MMIO) {
			off += nlen;
			continue;
		}
		ref = fw_le16(p + 16);
		k = viot_iommu_at(offs, idx, nio, ref);
		where = fw_printf(t, "%s:+0x%x", name, off + 16);
		if (!where) {
			ret = -ENOMEM;
			goto out;
		}
		if (k < 0) {
			if (fw_diag(t, IOMMU_TOPO_ERROR, "VIOT_BAD_REF", where,
				    "VIOT: output node 0x%x is not a virtio-iommu node", ref)) {
				ret = -ENOMEM;
				goto out;
			}
		} else if (p[0] == VIOT_PCI_RANGE) {
			struct fw_route r = { .kind = FW_ROUTE_VIOT, .prio = FW_PRIO_SCOPE,
					      .segment = fw_le16(p + 8), .seg_hi = fw_le16(p + 10),
					      .rid_lo = fw_le16(p + 12), .rid_hi = fw_le16(p + 14),
					      .mask = 0xffff, .iommu = (unsigned int)k,
					      .id_base = fw_le32(p + 4) };

			if (r.seg_hi < r.segment || r.rid_hi < r.rid_lo) {
				if (fw_diag(t, IOMMU_TOPO_ERROR, "VIOT_RANGE_REVERSED", where,
					    "VIOT: PCI range ends before it starts")) {
					ret = -ENOMEM;
					goto out;
				}
			} else if (fw_add_route(t, &r)) {
				ret = -ENOMEM;
				goto out;
			}
		} else {
			uint32_t ep = fw_le32(p + 4);
			const char *id = fw_printf(t, "VIOT:mmio@%llx",
						   (unsigned long long)fw_le64(p + 8));
			int mi;

			if (!id) {
				ret = -ENOMEM;
				goto out;
			}
			mi = fw_add_master(t, id, IOMMU_TOPO_BUS_ACPI, NULL, name);
			if (mi < 0 || fw_master_add_spec(t, (size_t)mi, (unsigned int)k, 1, &ep)) {
				ret = mi < 0 ? mi : -ENOMEM;
				goto out;
			}
		}
		off += nlen;
	}
out:
	iu_free(offs);
	iu_free(idx);
	return ret;
}
