// SPDX-License-Identifier: MIT
/*
 * IVRS (AMD I/O Virtualization Reporting Structure): IVHD blocks of type
 * 10h, 11h and 40h with their device entries (select, ranges, aliases,
 * extended, special, ACPI HID) and IVMD blocks.
 */
#include <stdio.h>
#include <string.h>
#include "topo_priv.h"

enum {
	IVHD_PAD = 0, IVHD_ALL = 1, IVHD_SELECT = 2, IVHD_RANGE = 3, IVHD_END = 4,
	IVHD_ALIAS = 0x42, IVHD_ALIAS_RANGE = 0x43, IVHD_EXT = 0x46,
	IVHD_EXT_RANGE = 0x47, IVHD_SPECIAL = 0x48, IVHD_HID = 0xf0,
};

static int ivrs_bad(struct iommu_topo *t, const char *name, uint32_t off, const char *code,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int ivrs_bad(struct iommu_topo *t, const char *name, uint32_t off, const char *code,
		    const char *fmt, ...)
{
	const char *where = fw_printf(t, "%s:+0x%x", name, off);
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!where || fw_diag(t, IOMMU_TOPO_ERROR, code, where, "IVRS: %s", msg))
		return -ENOMEM;
	return -EINVAL;
}

static bool ivhd_type(uint8_t type)
{
	return type == 0x10 || type == 0x11 || type == 0x40;
}

static int ivrs_route(struct iommu_topo *t, uint16_t seg, uint32_t lo, uint32_t hi, int iommu)
{
	struct fw_route r = { .kind = FW_ROUTE_IDENTITY, .prio = FW_PRIO_SCOPE,
			      .segment = seg, .seg_hi = seg, .rid_lo = lo, .rid_hi = hi,
			      .mask = 0xffff, .iommu = (unsigned int)iommu };

	return fw_add_route(t, &r);
}

static int ivrs_alias(struct iommu_topo *t, uint16_t seg, uint32_t rid, uint16_t alias)
{
	struct fw_alias *a = FW_PUSH(t, aliases);

	if (!a)
		return -ENOMEM;
	a->segment = seg;
	a->rid = (uint16_t)rid;
	a->alias = alias;
	return 0;
}

/* Device entries of one IVHD block. */
static int ivhd_entries(struct iommu_topo *t, const char *name, const uint8_t *buf,
			uint32_t off, uint32_t end, uint16_t seg, int iommu)
{
	uint32_t range_start = 0, range_at = 0;
	bool in_range = false, range_alias = false;
	uint16_t alias = 0;
	int ret;

	while (off < end) {
		const uint8_t *p = buf + off;
		uint8_t type = p[0];
		uint32_t elen;
		uint16_t devid;

		if (type < 0x40)
			elen = 4;
		else if (type < 0x80)
			elen = 8;
		else if (type == IVHD_HID)
			elen = end - off >= 22 ? 22u + p[21] : 22;
		else
			return ivrs_bad(t, name, off, "IVRS_UNKNOWN_ENTRY",
					"device entry type 0x%x has no known length", type);
		if (elen > end - off)
			return ivrs_bad(t, name, off, "IVRS_ENTRY_BOUNDS",
					"device entry of %u bytes runs past its block (%u left)",
					elen, end - off);
		devid = fw_le16(p + 1);
		if (in_range && type != IVHD_END && type != IVHD_PAD) {
			const char *where = fw_printf(t, "%s:+0x%x", name, range_at);

			if (!where || fw_diag(t, IOMMU_TOPO_ERROR, "IVRS_RANGE_NO_END", where,
					      "IVRS: range starting at device 0x%04x is not closed "
					      "by an end-of-range entry (next entry type 0x%02x at "
					      "+0x%x); Linux ignores it", range_start, type, off))
				return -ENOMEM;
			in_range = false;
		}
		switch (type) {
		case IVHD_ALL:
			ret = ivrs_route(t, seg, 0, 0xffff, iommu);
			break;
		case IVHD_SELECT:
		case IVHD_EXT:
			ret = ivrs_route(t, seg, devid, devid, iommu);
			break;
		case IVHD_SPECIAL:
			ret = ivrs_route(t, seg, fw_le16(p + 5), fw_le16(p + 5), iommu);
			break;
		case IVHD_HID:
			ret = ivrs_route(t, seg, devid, devid, iommu);
			break;
		case IVHD_ALIAS:
			alias = fw_le16(p + 5);
			ret = ivrs_route(t, seg, devid, devid, iommu);
			if (!ret)
				ret = ivrs_route(t, seg, alias, alias, iommu);
			if (!ret && alias != devid)
				ret = ivrs_alias(t, seg, devid, alias);
			break;
		case IVHD_RANGE:
		case IVHD_ALIAS_RANGE:
		case IVHD_EXT_RANGE:
			in_range = true;
			range_start = devid;
			range_at = off;
			range_alias = type == IVHD_ALIAS_RANGE;
			alias = range_alias ? fw_le16(p + 5) : 0;
			ret = 0;
			break;
		case IVHD_END:
			if (!in_range) {
				const char *where = fw_printf(t, "%s:+0x%x", name, off);

				ret = !where || fw_diag(t, IOMMU_TOPO_ERROR, "IVRS_END_NO_START",
							where, "IVRS: end of range at device 0x%04x "
							"without a start", devid) ? -ENOMEM : 0;
				break;
			}
			in_range = false;
			if (devid < range_start) {
				const char *where = fw_printf(t, "%s:+0x%x", name, off);

				ret = !where || fw_diag(t, IOMMU_TOPO_ERROR, "IVRS_RANGE_REVERSED",
							where, "IVRS: range 0x%04x-0x%04x ends before "
							"it starts", range_start, devid) ? -ENOMEM : 0;
				break;
			}
			ret = ivrs_route(t, seg, range_start, devid, iommu);
			if (!ret && range_alias) {
				ret = ivrs_route(t, seg, alias, alias, iommu);
				for (uint32_t d = range_start; !ret && d <= devid; d++)
					if (d != alias)
						ret = ivrs_alias(t, seg, d, alias);
			}
			break;
		default:
			ret = 0;	/* padding and reserved types */
		}
		if (ret)
			return ret;
		off += elen;
	}
	if (in_range) {
		const char *where = fw_printf(t, "%s:+0x%x", name, range_at);

		if (!where || fw_diag(t, IOMMU_TOPO_ERROR, "IVRS_RANGE_NO_END", where,
				      "IVRS: range starting at device 0x%04x runs to the end of "
				      "its IVHD block without an end-of-range entry",
				      range_start))
			return -ENOMEM;
	}
	return 0;
}

int fw_ivrs_parse(struct iommu_topo *t, const char *name, const uint8_t *buf, size_t len)
{
	uint32_t tlen = (uint32_t)len, off;
	int target = -1, first_devid = -1, ret;

	if (tlen < 48)
		return ivrs_bad(t, name, 4, "IVRS_TRUNCATED",
				"table of %u bytes is shorter than its %u-byte header", tlen, 48);
	/* Pass 1: bounds, and the IVHD type Linux uses: the last type listed
	 * for the first IOMMU (get_highest_supported_ivhd_type). */
	for (off = 48; off < tlen;) {
		const uint8_t *p = buf + off;
		uint32_t blen;

		if (tlen - off < 4)
			return ivrs_bad(t, name, off, "IVRS_BLOCK_BOUNDS",
					"block header needs %u bytes, %u left", 4, tlen - off);
		blen = fw_le16(p + 2);
		if (blen < 4 || blen > tlen - off)
			return ivrs_bad(t, name, off + 2, "IVRS_BLOCK_BOUNDS",
					"block length %u is below 4 or runs past the table "
					"(%u bytes left)", blen, tlen - off);
		if (ivhd_type(p[0])) {
			uint32_t hlen = p[0] == 0x10 ? 24 : 40;

			if (blen < hlen)
				return ivrs_bad(t, name, off + 2, "IVRS_BLOCK_BOUNDS",
						"IVHD block length %u is shorter than its %u-byte "
						"header", blen, hlen);
			if (first_devid < 0)
				first_devid = fw_le16(p + 4);
			if (fw_le16(p + 4) == first_devid)
				target = p[0];
		} else if ((p[0] == 0x20 || p[0] == 0x21 || p[0] == 0x22) && blen < 32) {
			return ivrs_bad(t, name, off + 2, "IVRS_BLOCK_BOUNDS",
					"IVMD block length %u is shorter than %u", blen, 32);
		}
		off += blen;
	}
	for (off = 48; off < tlen;) {
		const uint8_t *p = buf + off;
		uint32_t blen = fw_le16(p + 2);

		if (p[0] == target) {
			uint32_t hlen = p[0] == 0x10 ? 24 : 40;
			uint16_t seg = fw_le16(p + 16), devid = fw_le16(p + 4);
			struct iommu_topo_iommu m = { .compatible = "acpi,ivrs-ivhd", .kind = "amd-vi",
						      .known = true, .iommu_cells = 1,
						      .group_policy = IOMMU_TOPO_GROUP_DEVICE,
						      .pci_segment = seg, .pci_rid = devid,
						      .source = name };
			struct fw_route ex = { .kind = FW_ROUTE_EXCLUDE, .prio = FW_PRIO_EXCLUDE,
					       .segment = seg, .seg_hi = seg, .rid_lo = devid,
					       .rid_hi = devid, .mask = 0xffff };
			int iommu;

			m.base = fw_le64(p + 8);
			m.id = fw_printf(t, "IVRS+0x%x:ivhd%02x@%04x:%02x:%02x.%x", off, p[0], seg,
					 devid >> 8, (devid >> 3) & 0x1f, devid & 7);
			if (!m.id)
				return -ENOMEM;
			iommu = fw_add_iommu(t, &m);
			if (iommu < 0)
				return iommu;
			t->acpi_iommu_seen = true;
			/* The IOMMU's own function is not translated by itself. */
			ex.iommu = (unsigned int)iommu;
			if (fw_add_route(t, &ex))
				return -ENOMEM;
			ret = ivhd_entries(t, name, buf, off + hlen, off + blen, seg, iommu);
			if (ret)
				return ret;
		} else if (ivhd_type(p[0])) {
			const char *where = fw_printf(t, "%s:+0x%x", name, off);

			if (!where || fw_diag(t, IOMMU_TOPO_NOTE, "IVRS_IVHD_SUPERSEDED", where,
					      "IVHD type 0x%02x ignored: Linux uses the type "
					      "0x%02x blocks", p[0], target))
				return -ENOMEM;
		}
		off += blen;
	}
	return 0;
}
