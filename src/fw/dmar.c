// SPDX-License-Identifier: MIT
/*
 * DMAR (Intel VT-d DMA Remapping Reporting table): DRHD units with their
 * device scopes and INCLUDE_PCI_ALL, RMRR, ATSR and SATC structures whose
 * scopes are checked against the PCI input.
 */
#include <stdio.h>
#include <string.h>
#include "topo_priv.h"

enum { DMAR_DRHD = 0, DMAR_RMRR, DMAR_ATSR, DMAR_RHSA, DMAR_ANDD, DMAR_SATC, DMAR_SIDP };
#define DRHD_INCLUDE_PCI_ALL	1

static const char *const dmar_names[] = { "DRHD", "RMRR", "ATSR", "RHSA", "ANDD", "SATC", "SIDP" };
/* Where each structure's device scopes start (0: it has none). */
static const uint16_t dmar_scope_start[] = { 16, 24, 8, 0, 0, 8, 8 };

static int dmar_bad(struct iommu_topo *t, const char *name, uint32_t off, const char *code,
		    const char *what, uint32_t a, uint32_t b)
{
	const char *where = fw_printf(t, "%s:+0x%x", name, off);

	if (!where || fw_diag(t, IOMMU_TOPO_ERROR, code, where, "DMAR: %s (%u, %u)", what, a, b))
		return -ENOMEM;
	return -EINVAL;
}

static int dmar_scopes(struct iommu_topo *t, const char *name, const uint8_t *buf,
		       uint32_t soff, uint32_t send, int iommu, uint16_t seg, const char *owner)
{
	while (soff < send) {
		const uint8_t *p = buf + soff;
		struct fw_dmar_scope *s;
		uint8_t slen;

		if (send - soff < 6)
			return dmar_bad(t, name, soff, "DMAR_SCOPE_BOUNDS",
					"device scope header runs past its structure "
					"(bytes left, needed)", send - soff, 6);
		slen = p[1];
		if (slen < 6 || slen % 2 || slen > send - soff)
			return dmar_bad(t, name, soff + 1, "DMAR_SCOPE_BOUNDS",
					"device scope length is below 6, odd, or runs past its "
					"structure (length, bytes left)", slen, send - soff);
		if ((slen - 6) / 2 > 16)
			return dmar_bad(t, name, soff + 1, "DMAR_SCOPE_BOUNDS",
					"device scope path longer than 16 hops (length, limit)",
					slen, 38);
		s = FW_PUSH(t, scopes);
		if (!s)
			return -ENOMEM;
		s->iommu = (unsigned int)iommu;
		s->segment = seg;
		s->owner = owner;
		s->type = p[0];
		s->start_bus = p[5];
		s->npath = (uint8_t)((slen - 6) / 2);
		memcpy(s->path, p + 6, (size_t)slen - 6);
		s->where = fw_printf(t, "%s:+0x%x", name, soff);
		if (!s->where)
			return -ENOMEM;
		soff += slen;
	}
	return 0;
}

int fw_dmar_parse(struct iommu_topo *t, const char *name, const uint8_t *buf, size_t len)
{
	uint32_t off = 48, tlen = (uint32_t)len;
	int ret;

	if (tlen < 48)
		return dmar_bad(t, name, 4, "DMAR_TRUNCATED",
				"table shorter than its 48-byte header (length, needed)", tlen, 48);
	while (off < tlen) {
		const uint8_t *p = buf + off;
		uint16_t type, slen, seg;
		int iommu = -1;

		if (tlen - off < 4)
			return dmar_bad(t, name, off, "DMAR_STRUCT_BOUNDS",
					"remapping structure header runs past the table "
					"(bytes left, needed)", tlen - off, 4);
		type = fw_le16(p);
		slen = fw_le16(p + 2);
		if (slen < 4 || slen > tlen - off)
			return dmar_bad(t, name, off + 2, "DMAR_STRUCT_BOUNDS",
					"remapping structure length is below 4 or runs past the "
					"table (length, bytes left)", slen, tlen - off);
		if (type > DMAR_SIDP) {
			const char *where = fw_printf(t, "%s:+0x%x", name, off);

			if (!where || fw_diag(t, IOMMU_TOPO_NOTE, "DMAR_UNKNOWN_STRUCT", where,
					      "remapping structure type %u unknown; skipped", type))
				return -ENOMEM;
			off += slen;
			continue;
		}
		if (dmar_scope_start[type] && slen < dmar_scope_start[type])
			return dmar_bad(t, name, off + 2, "DMAR_STRUCT_BOUNDS",
					"structure too short for its fields (length, needed)",
					slen, dmar_scope_start[type]);
		seg = fw_le16(p + 6);
		if (type == DMAR_DRHD) {
			struct iommu_topo_iommu m = { .compatible = "acpi,dmar-drhd", .kind = "vtd",
						      .known = true, .iommu_cells = 1,
						      .group_policy = IOMMU_TOPO_GROUP_DEVICE,
						      .pci_segment = seg, .pci_rid = -1,
						      .source = name };

			m.base = fw_le64(p + 8);
			m.id = fw_printf(t, "DMAR+0x%x:drhd@%llx", off, (unsigned long long)m.base);
			if (!m.id)
				return -ENOMEM;
			iommu = fw_add_iommu(t, &m);
			if (iommu < 0)
				return iommu;
			t->acpi_iommu_seen = true;
			if (p[4] & DRHD_INCLUDE_PCI_ALL) {
				struct fw_route r = { .kind = FW_ROUTE_IDENTITY, .prio = FW_PRIO_ALL,
						      .segment = seg, .seg_hi = seg, .rid_lo = 0,
						      .rid_hi = 0xffff, .mask = 0xffff,
						      .iommu = (unsigned int)iommu };

				if (fw_add_route(t, &r))
					return -ENOMEM;
			}
		}
		if (dmar_scope_start[type] && type != DMAR_RHSA && type != DMAR_ANDD) {
			ret = dmar_scopes(t, name, buf, off + dmar_scope_start[type], off + slen,
					  iommu, seg, dmar_names[type]);
			if (ret)
				return ret;
		}
		off += slen;
	}
	return 0;
}
