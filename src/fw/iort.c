// SPDX-License-Identifier: MIT
/*
 * IORT (Arm IO Remapping Table, DEN0049, revisions up to E.x): SMMUv1/v2
 * and SMMUv3 instances, named components and root complexes with their ID
 * mappings, ITS groups, PMCGs and RMRs.
 */
#include <stdio.h>
#include <string.h>
#include "topo_priv.h"

enum {
	IORT_ITS = 0, IORT_NC = 1, IORT_RC = 2, IORT_SMMU = 3, IORT_SMMUV3 = 4,
	IORT_PMCG = 5, IORT_RMR = 6,
};
#define IORT_NODE_HDR	16
#define IORT_MAP_LEN	20
#define IORT_SINGLE	1u

static const char *const iort_type_names[] = {
	"its-group", "named-component", "root-complex", "smmu", "smmuv3", "pmcg", "rmr",
};
/* Bytes of type-specific data each node needs before its mappings. */
static const uint32_t iort_min_len[] = { 20, 30, 33, 76, 68, 40, 28 };

struct iort_node {
	uint32_t off, len, nmaps, map_off;
	uint8_t type, rev;
	int iommu;		/* topology index for SMMU nodes */
};

struct iort_ctx {
	struct iommu_topo *t;
	const char *name;
	const uint8_t *buf;
	uint32_t len;
	struct iort_node *nodes;
	uint32_t n;
};

/* An output range into one SMMU, for the overlap check. */
struct iort_out {
	uint32_t smmu_node, src_node, map_idx;
	uint32_t lo, hi;
};

static const char *iort_type_name(uint8_t type)
{
	return type < ARRAY_SIZE(iort_type_names) ? iort_type_names[type] : "unknown";
}

/* Report a structural problem: the table is rejected. */
static int iort_err(struct iort_ctx *c, uint32_t off, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int iort_err(struct iort_ctx *c, uint32_t off, const char *code, const char *fmt, ...)
{
	const char *where = fw_printf(c->t, "%s:+0x%x", c->name, off);
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!where || fw_diag(c->t, IOMMU_TOPO_ERROR, code, where, "IORT: %s", msg))
		return -ENOMEM;
	return -EINVAL;
}

static struct iort_node *iort_node_at(struct iort_ctx *c, uint32_t off)
{
	for (uint32_t i = 0; i < c->n; i++)
		if (c->nodes[i].off == off)
			return &c->nodes[i];
	return NULL;
}

static int iort_walk(struct iort_ctx *c)
{
	uint32_t count, off;

	if (c->len < 48)
		return iort_err(c, 0, "IORT_TRUNCATED", "%u bytes, the header needs 48", c->len);
	count = fw_le32(c->buf + 36);
	off = fw_le32(c->buf + 40);
	if (off < 48 || (count && off >= c->len))
		return iort_err(c, 40, "IORT_NODE_BOUNDS",
				"node array offset 0x%x outside [0x30, 0x%x)", off, c->len);
	if (count > c->len / IORT_NODE_HDR)
		return iort_err(c, 36, "IORT_NODE_BOUNDS",
				"%u nodes cannot fit in %u bytes", count, c->len);
	c->nodes = iu_calloc(count ? count : 1, sizeof(*c->nodes));
	if (!c->nodes)
		return -ENOMEM;
	for (uint32_t i = 0; i < count; i++) {
		struct iort_node *n = &c->nodes[i];
		const uint8_t *p;

		if (!iu_range_ok(off, IORT_NODE_HDR, c->len))
			return iort_err(c, off, "IORT_NODE_BOUNDS",
					"node %u: header at 0x%x runs past the table", i, off);
		p = c->buf + off;
		c->n = i + 1;
		n->off = off;
		n->type = p[0];
		n->len = fw_le16(p + 1);
		n->rev = p[3];
		n->nmaps = fw_le32(p + 8);
		n->map_off = fw_le32(p + 12);
		n->iommu = -1;
		if (n->len < IORT_NODE_HDR || !iu_range_ok(off, n->len, c->len))
			return iort_err(c, off + 1, "IORT_NODE_BOUNDS",
					"%s node: length %u does not fit the table (end 0x%x)",
					iort_type_name(n->type), n->len, c->len);
		if (n->type < ARRAY_SIZE(iort_min_len) && n->len < iort_min_len[n->type])
			return iort_err(c, off + 1, "IORT_NODE_SHORT",
					"%s node: length %u, its fields need %u",
					iort_type_name(n->type), n->len, iort_min_len[n->type]);
		if (n->nmaps && (n->map_off < IORT_NODE_HDR ||
				 !iu_range_ok(n->map_off, (uint64_t)n->nmaps * IORT_MAP_LEN, n->len)))
			return iort_err(c, off + 8, "IORT_MAPPING_BOUNDS",
					"%s node: %u ID mappings at +0x%x run past the node",
					iort_type_name(n->type), n->nmaps, n->map_off);
		if (n->type == IORT_ITS) {
			uint32_t nits = fw_le32(p + 16);

			if (!iu_range_ok(20, (uint64_t)nits * 4, n->len))
				return iort_err(c, off + 16, "IORT_NODE_BOUNDS",
						"its-group node: %u ITS IDs do not fit length %u",
						nits, n->len);
		}
		if (n->type == IORT_RMR) {
			uint32_t cnt = fw_le32(p + 20), ro = fw_le32(p + 24);

			if (cnt && !iu_range_ok(ro, (uint64_t)cnt * 20, n->len))
				return iort_err(c, off + 20, "IORT_NODE_BOUNDS",
						"rmr node: %u memory range descriptors at +0x%x "
						"run past the node", cnt, ro);
		}
		if (n->type == IORT_NC && !memchr(p + 29, 0, n->len - 29))
			return iort_err(c, off + 29, "IORT_NODE_BOUNDS",
					"named-component node: device name not NUL-terminated "
					"inside its %u bytes", n->len);
		off += n->len;
	}
	return 0;
}

/* Which node types may a mapping of this node point at? */
static bool iort_ref_ok(uint8_t from, uint8_t to)
{
	switch (from) {
	case IORT_NC:
	case IORT_RC:
	case IORT_RMR:
		return to == IORT_SMMU || to == IORT_SMMUV3 || to == IORT_ITS;
	case IORT_SMMU:
	case IORT_SMMUV3:
	case IORT_PMCG:
		return to == IORT_ITS;
	}
	return false;
}

static int iort_add_smmus(struct iort_ctx *c)
{
	for (uint32_t i = 0; i < c->n; i++) {
		struct iort_node *n = &c->nodes[i];
		struct iommu_topo_iommu m = { .pci_segment = -1, .pci_rid = -1, .iommu_cells = 1,
					      .known = true };
		int idx;

		if (n->type != IORT_SMMU && n->type != IORT_SMMUV3)
			continue;
		m.base = fw_le64(c->buf + n->off + 16);
		m.source = c->name;
		if (n->type == IORT_SMMUV3) {
			m.compatible = "acpi,iort-smmuv3";
			m.kind = "smmuv3";
			m.group_policy = IOMMU_TOPO_GROUP_DEVICE;
		} else {
			m.compatible = "acpi,iort-smmu";
			m.kind = "arm-smmu";
			m.group_policy = IOMMU_TOPO_GROUP_STREAM;
		}
		m.id = fw_printf(c->t, "IORT+0x%x:%s@%llx", n->off, iort_type_name(n->type),
				 (unsigned long long)m.base);
		if (!m.id)
			return -ENOMEM;
		idx = fw_add_iommu(c->t, &m);
		if (idx < 0)
			return idx;
		n->iommu = idx;
	}
	return 0;
}

/* Semantic checks on one node's mappings, plus collecting output ranges. */
static int iort_check_maps(struct iort_ctx *c, struct iort_node *n, struct iort_out **outs,
			   size_t *nouts, size_t *couts)
{
	const uint8_t *mp = c->buf + n->off + n->map_off;

	for (uint32_t i = 0; i < n->nmaps; i++) {
		const uint8_t *a = mp + (size_t)i * IORT_MAP_LEN;
		uint32_t in = fw_le32(a), num = fw_le32(a + 4), out = fw_le32(a + 8);
		uint32_t ref = fw_le32(a + 12), flags = fw_le32(a + 16);
		uint32_t where_off = n->off + n->map_off + i * IORT_MAP_LEN;
		struct iort_node *tn = iort_node_at(c, ref);
		const char *where = fw_printf(c->t, "%s:+0x%x", c->name, where_off);

		if (!where)
			return -ENOMEM;
		if (!tn) {
			if (fw_diag(c->t, IOMMU_TOPO_ERROR, "IORT_BAD_REF", where,
				    "%s mapping %u: output reference 0x%x is not the start "
				    "of any node", iort_type_name(n->type), i, ref))
				return -ENOMEM;
			continue;
		}
		if (!iort_ref_ok(n->type, tn->type)) {
			if (fw_diag(c->t, IOMMU_TOPO_ERROR, "IORT_REF_TYPE", where,
				    "%s mapping %u: output reference 0x%x is a %s node, "
				    "which a %s cannot map to", iort_type_name(n->type), i,
				    ref, iort_type_name(tn->type), iort_type_name(n->type)))
				return -ENOMEM;
			continue;
		}
		if (!(flags & IORT_SINGLE) && num >= 8 && !(num & (num - 1)) &&
		    fw_diag(c->t, IOMMU_TOPO_WARNING, "IORT_ID_COUNT", where,
			    "%s mapping %u: Number of IDs = 0x%x maps 0x%llx IDs; the field "
			    "is the count minus one (0x%x for 0x%x IDs?)",
			    iort_type_name(n->type), i, num, (unsigned long long)num + 1,
			    num - 1, num))
			return -ENOMEM;
		/* Overlapping inputs of one node make the mapping ambiguous. */
		for (uint32_t j = 0; j < i && !(flags & IORT_SINGLE); j++) {
			const uint8_t *b = mp + (size_t)j * IORT_MAP_LEN;
			uint64_t blo = fw_le32(b), bhi = blo + fw_le32(b + 4);
			uint64_t lo = in, hi = (uint64_t)in + num;
			uint64_t olo = iu_max(lo, blo), ohi = iu_min(hi, bhi);

			if (fw_le32(b + 16) & IORT_SINGLE || olo > ohi)
				continue;
			if (olo == ohi ?
			    fw_diag(c->t, IOMMU_TOPO_ERROR, "IORT_ID_OVERLAP_ONE", where,
				    "%s mapping %u: input IDs 0x%llx-0x%llx share ID 0x%llx with "
				    "mapping %u; Number of IDs is the count minus one",
				    iort_type_name(n->type), i, (unsigned long long)lo,
				    (unsigned long long)hi, (unsigned long long)olo, j) :
			    fw_diag(c->t, IOMMU_TOPO_ERROR, "IORT_ID_OVERLAP", where,
				    "%s mapping %u: input IDs 0x%llx-0x%llx overlap mapping %u's",
				    iort_type_name(n->type), i, (unsigned long long)lo,
				    (unsigned long long)hi, j))
				return -ENOMEM;
		}
		if (tn->type == IORT_SMMU || tn->type == IORT_SMMUV3) {
			struct iort_out *o = fw_grow(outs, nouts, couts, sizeof(**outs));

			if (!o)
				return -ENOMEM;
			o->smmu_node = tn->off;
			o->src_node = n->off;
			o->map_idx = i;
			o->lo = out;
			o->hi = flags & IORT_SINGLE ? out : (uint32_t)iu_min((uint64_t)out + num,
									  0xffffffffull);
		}
	}
	return 0;
}

/* Root complexes: PCI requester ID -> stream ID maps. */
static int iort_add_rc(struct iort_ctx *c, struct iort_node *n)
{
	const uint8_t *p = c->buf + n->off;
	int seg = (int)(fw_le32(p + 28) & 0xffff);
	const char *host = fw_printf(c->t, "IORT+0x%x:root-complex@%04x", n->off, seg);

	if (!host)
		return -ENOMEM;
	for (uint32_t i = 0; i < n->nmaps; i++) {
		const uint8_t *a = p + n->map_off + (size_t)i * IORT_MAP_LEN;
		struct iort_node *tn = iort_node_at(c, fw_le32(a + 12));
		struct iommu_topo_pci_map *m;
		struct fw_route r = { .kind = FW_ROUTE_MAP, .prio = FW_PRIO_MAP,
				      .mask = 0xffffffff };
		uint64_t hi;

		if (!tn || tn->iommu < 0)
			continue;	/* ITS only: MSIs, no translation */
		m = FW_PUSH(c->t, maps);
		if (!m)
			return -ENOMEM;
		m->host = host;
		m->segment = seg;
		m->rid_base = fw_le32(a);
		m->iommu = (unsigned int)tn->iommu;
		m->id_base = fw_le32(a + 8);
		hi = (uint64_t)m->rid_base + fw_le32(a + 4);
		m->length = (uint32_t)iu_min(hi - m->rid_base + 1, 0xffffffffull);
		m->mask = 0xffffffff;
		r.segment = r.seg_hi = seg;
		r.rid_lo = m->rid_base;
		r.rid_hi = (uint32_t)iu_min(hi, 0xffffffffull);
		r.iommu = m->iommu;
		r.id_base = m->id_base;
		r.fixed_id = fw_le32(a + 16) & IORT_SINGLE;
		if (fw_add_route(c->t, &r))
			return -ENOMEM;
	}
	return 0;
}

/* Named components: Linux follows single mappings, in order, until one
 * fails (iort_nc_iommu_map). */
static int iort_add_nc(struct iort_ctx *c, struct iort_node *n)
{
	const uint8_t *p = c->buf + n->off;
	const char *dev = (const char *)p + 29;
	int midx = -1;

	for (uint32_t i = 0; i < n->nmaps; i++) {
		const uint8_t *a = p + n->map_off + (size_t)i * IORT_MAP_LEN;
		struct iort_node *tn = iort_node_at(c, fw_le32(a + 12));
		uint32_t sid = fw_le32(a + 8);
		const char *where;

		if (!tn || tn->iommu < 0)
			break;
		if (!(fw_le32(a + 16) & IORT_SINGLE)) {
			where = fw_printf(c->t, "%s:+0x%x", c->name,
					  n->off + n->map_off + i * IORT_MAP_LEN);
			if (!where || fw_diag(c->t, IOMMU_TOPO_WARNING, "IORT_NC_NOT_SINGLE", where,
					      "named component %s: mapping %u lacks the single-"
					      "mapping flag; Linux derives no stream ID from it "
					      "and stops here", dev, i))
				return -ENOMEM;
			break;
		}
		if (midx < 0) {
			midx = fw_add_master(c->t, dev[0] ? dev : "IORT:unnamed",
					     IOMMU_TOPO_BUS_ACPI, NULL, c->name);
			if (midx < 0)
				return midx;
		}
		if (fw_master_add_spec(c->t, (size_t)midx, (unsigned int)tn->iommu, 1, &sid))
			return -ENOMEM;
	}
	return 0;
}

static int iort_check_outputs(struct iort_ctx *c, struct iort_out *o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++) {
			const char *where;

			if (o[i].smmu_node != o[j].smmu_node || o[i].lo > o[j].hi ||
			    o[j].lo > o[i].hi)
				continue;
			where = fw_printf(c->t, "%s:+0x%x", c->name, o[i].src_node);
			if (!where || fw_diag(c->t, IOMMU_TOPO_ERROR, "IORT_STREAM_OVERLAP", where,
					      "mapping %u of node 0x%x gives stream IDs 0x%x-0x%x "
					      "on SMMU node 0x%x, overlapping mapping %u of node "
					      "0x%x (0x%x-0x%x)", o[i].map_idx, o[i].src_node,
					      o[i].lo, o[i].hi, o[i].smmu_node, o[j].map_idx,
					      o[j].src_node, o[j].lo, o[j].hi))
				return -ENOMEM;
		}
	return 0;
}

int fw_iort_parse(struct iommu_topo *t, const char *name, const uint8_t *buf, size_t len)
{
	struct iort_ctx c = { .t = t, .name = name, .buf = buf, .len = (uint32_t)len };
	struct iort_out *outs = NULL;
	size_t nouts = 0, couts = 0;
	int ret;

	ret = iort_walk(&c);
	if (ret)
		goto out;
	ret = iort_add_smmus(&c);
	for (uint32_t i = 0; !ret && i < c.n; i++) {
		struct iort_node *n = &c.nodes[i];

		if (n->type > IORT_RMR) {
			const char *where = fw_printf(t, "%s:+0x%x", name, n->off);

			ret = !where || fw_diag(t, IOMMU_TOPO_NOTE, "IORT_UNKNOWN_NODE", where,
						"node type %u unknown to this IORT revision "
						"parser; skipped", n->type) ? -ENOMEM : 0;
			continue;
		}
		if (n->type == IORT_PMCG) {
			uint32_t ref = fw_le32(buf + n->off + 28);
			const char *where = fw_printf(t, "%s:+0x%x", name, n->off + 28);

			if (!where) {
				ret = -ENOMEM;
				break;
			}
			if (ref && !iort_node_at(&c, ref) &&
			    fw_diag(t, IOMMU_TOPO_ERROR, "IORT_BAD_REF", where,
				    "pmcg: node reference 0x%x is not the start of any node", ref))
				ret = -ENOMEM;
		}
		if (!ret)
			ret = iort_check_maps(&c, n, &outs, &nouts, &couts);
		if (!ret && n->type == IORT_RC)
			ret = iort_add_rc(&c, n);
		if (!ret && n->type == IORT_NC)
			ret = iort_add_nc(&c, n);
	}
	if (!ret)
		ret = iort_check_outputs(&c, outs, nouts);
	for (uint32_t i = 0; !ret && i < c.n; i++)
		if (c.nodes[i].iommu >= 0)
			t->acpi_iommu_seen = true;
out:
	iu_free(outs);
	iu_free(c.nodes);
	return ret;
}
