// SPDX-License-Identifier: MIT
/*
 * Device tree front end (libfdt): IOMMU instances from nodes with
 * #iommu-cells, masters from "iommus", PCI requester-ID maps from
 * "iommu-map"/"iommu-map-mask", "status" inherited down the tree, and the
 * platform devices Linux's of_platform_populate() would create.
 */
#include <string.h>
#include <libfdt.h>
#include "topo_priv.h"

#define DT_MAX_CELLS	16	/* Linux's MAX_PHANDLE_ARGS */
#define DT_MAX_DEPTH	64

struct dt_node {
	int off;
	int parent;		/* index, -1 for the root */
	bool avail;		/* it and every ancestor have an "okay" status */
	bool populated;		/* of_platform_populate creates a device */
	bool amba;
	uint32_t phandle;
	int iommu;		/* topology index when it is an enabled IOMMU */
	int cells;		/* #iommu-cells, -1 absent, -2 malformed */
	const char *path;
};

struct dt_ctx {
	struct iommu_topo *t;
	const char *name;
	const void *fdt;
	struct dt_node *nodes;
	size_t n, cap;
};

/*
 * Linux IOMMU drivers by compatible, and how each forms groups
 * (its iommu_ops.device_group).
 */
struct dt_iommu_kind {
	const char *compat;
	bool prefix;		/* compat is a prefix ("renesas,ipmmu-r8a7795") */
	const char *kind;
	enum iommu_topo_group_policy policy;
};

static const struct dt_iommu_kind dt_kinds[] = {
	/* arm-smmu-v3.c: pci_device_group() for PCI, else generic. */
	{ "arm,smmu-v3", false, "smmuv3", IOMMU_TOPO_GROUP_DEVICE },
	/* arm-smmu.c: devices whose stream IDs hit the same S2CR share its
	 * group (stream matching), else PCI rule / generic. */
	{ "arm,smmu-v1", false, "arm-smmu", IOMMU_TOPO_GROUP_STREAM },
	{ "arm,smmu-v2", false, "arm-smmu", IOMMU_TOPO_GROUP_STREAM },
	{ "arm,mmu-400", false, "arm-smmu", IOMMU_TOPO_GROUP_STREAM },
	{ "arm,mmu-401", false, "arm-smmu", IOMMU_TOPO_GROUP_STREAM },
	{ "arm,mmu-500", false, "arm-smmu", IOMMU_TOPO_GROUP_STREAM },
	{ "cavium,smmu-v2", false, "arm-smmu", IOMMU_TOPO_GROUP_STREAM },
	{ "nvidia,smmu-500", false, "arm-smmu", IOMMU_TOPO_GROUP_STREAM },
	{ "qcom,smmu-v2", false, "arm-smmu", IOMMU_TOPO_GROUP_STREAM },
	{ "qcom,smmu-500", false, "arm-smmu", IOMMU_TOPO_GROUP_STREAM },
	{ "qcom,adreno-smmu", false, "arm-smmu", IOMMU_TOPO_GROUP_STREAM },
	/* apple-dart.c: sid2group, streams already seen reuse their group. */
	{ "apple,t8103-dart", false, "dart", IOMMU_TOPO_GROUP_STREAM },
	{ "apple,t8110-dart", false, "dart", IOMMU_TOPO_GROUP_STREAM },
	{ "apple,t6000-dart", false, "dart", IOMMU_TOPO_GROUP_STREAM },
	/* rockchip-iommu.c: one group per IOMMU instance. */
	{ "rockchip,iommu", false, "rockchip", IOMMU_TOPO_GROUP_INSTANCE },
	{ "rockchip,rk3568-iommu", false, "rockchip", IOMMU_TOPO_GROUP_INSTANCE },
	/* ipmmu-vmsa.c: ipmmu_find_group(), one group per IPMMU. */
	{ "renesas,ipmmu-", true, "ipmmu", IOMMU_TOPO_GROUP_INSTANCE },
	/* mtk_iommu.c / mtk_iommu_v1.c: one group per instance (and IOVA
	 * region; one region assumed). */
	{ "mediatek,mt", true, "mediatek", IOMMU_TOPO_GROUP_INSTANCE },
	/* sun50i-iommu.c: one group per instance. */
	{ "allwinner,sun50i-h6-iommu", false, "sun50i", IOMMU_TOPO_GROUP_INSTANCE },
	{ "allwinner,sun50i-h616-iommu", false, "sun50i", IOMMU_TOPO_GROUP_INSTANCE },
	/* msm_iommu.c and qcom_iommu.c: generic_device_group(). */
	{ "qcom,apq8064-iommu", false, "qcom", IOMMU_TOPO_GROUP_DEVICE },
	{ "qcom,msm-iommu-v1", false, "qcom", IOMMU_TOPO_GROUP_DEVICE },
	{ "qcom,msm-iommu-v2", false, "qcom", IOMMU_TOPO_GROUP_DEVICE },
	/* exynos-iommu.c: generic_device_group(). */
	{ "samsung,exynos-sysmmu", false, "exynos", IOMMU_TOPO_GROUP_DEVICE },
	/* virtio-iommu behind PCI, described in DT: PCI rule / generic. */
	{ "pci1af4,1057", false, "virtio-iommu", IOMMU_TOPO_GROUP_DEVICE },
};

/* Nodes whose children of_platform_populate() also populates. */
static const char *const dt_bus_compat[] = {
	"simple-bus", "simple-mfd", "isa", "arm,amba-bus",
	/* Populated by its driver at probe; treated as a bus here. */
	"simple-pm-bus",
};

static bool dt_has_compat(const void *fdt, int off, const char *c)
{
	return fdt_stringlist_search(fdt, off, "compatible", c) >= 0;
}

/* First compatible string, NUL-terminated inside the property, or NULL. */
static const char *dt_first_compat(const void *fdt, int off)
{
	int len;
	const char *p = fdt_getprop(fdt, off, "compatible", &len);

	if (!p || len <= 0 || !memchr(p, 0, (size_t)len) || !p[0])
		return NULL;
	return p;
}

static bool dt_status_ok(const void *fdt, int off)
{
	int len;
	const char *s = fdt_getprop(fdt, off, "status", &len);

	if (!s)
		return true;
	if (len <= 0)
		return false;
	/* Linux accepts "okay" and "ok". */
	return (len >= 5 && !memcmp(s, "okay", 5)) || (len >= 3 && !memcmp(s, "ok", 3));
}

static const struct dt_node *dt_by_phandle(const struct dt_ctx *c, uint32_t ph)
{
	if (ph == 0 || ph == 0xffffffff)
		return NULL;
	for (size_t i = 0; i < c->n; i++)
		if (c->nodes[i].phandle == ph)
			return &c->nodes[i];
	return NULL;
}

/* Find where a structurally bad blob goes wrong, for the message. */
static int dt_bad_offset(const void *fdt, size_t len)
{
	int off = 0, next = 0;

	/* Only walk a blob whose header fits the buffer: libfdt trusts it. */
	if (len < sizeof(struct fdt_header) || fdt_check_header(fdt) || fdt_totalsize(fdt) > len)
		return 0;
	for (int guard = 0; guard < (1 << 22); guard++) {
		uint32_t tag = fdt_next_tag(fdt, off, &next);

		if (next < 0)
			return (int)fdt_off_dt_struct(fdt) + off;
		if (tag == FDT_END)
			return -1;
		off = next;
	}
	return -1;
}

bool fw_dt_sniff(const uint8_t *buf, size_t len)
{
	return len >= 4 && fw_be32(buf) == FDT_MAGIC;
}

static int dt_collect(struct dt_ctx *c)
{
	const void *fdt = c->fdt;
	int stack[DT_MAX_DEPTH + 1];
	int depth = 0, off = 0;

	for (;;) {
		struct dt_node *n;
		const char *nm, *pp = "";
		int nlen, plen;
		const void *ph;

		if (depth > DT_MAX_DEPTH)
			return fw_diag(c->t, IOMMU_TOPO_ERROR, "DT_TOO_DEEP", c->name,
				       "nodes nested deeper than %d levels", DT_MAX_DEPTH)
				? -ENOMEM : -EINVAL;
		n = fw_grow(&c->nodes, &c->n, &c->cap, sizeof(*c->nodes));
		if (!n)
			return -ENOMEM;
		stack[depth] = (int)(c->n - 1);
		n->off = off;
		n->parent = depth ? stack[depth - 1] : -1;
		n->iommu = -1;
		nm = fdt_get_name(fdt, off, &nlen);
		if (!nm)
			nm = "", nlen = 0;
		if (n->parent >= 0) {
			pp = c->nodes[n->parent].path;
			plen = (int)strlen(pp);
			n->path = fw_printf(c->t, "%s/%.*s", plen == 1 ? "" : pp, nlen, nm);
		} else {
			n->path = fw_strdup(c->t, "/");
		}
		if (!n->path)
			return -ENOMEM;
		n->avail = dt_status_ok(fdt, off) &&
			   (n->parent < 0 || c->nodes[n->parent].avail);
		ph = fdt_getprop(fdt, off, "phandle", &plen);
		if (!ph)
			ph = fdt_getprop(fdt, off, "linux,phandle", &plen);
		if (ph && plen == 4)
			n->phandle = fw_be32(ph);
		ph = fdt_getprop(fdt, off, "#iommu-cells", &plen);
		n->cells = !ph ? -1 : plen == 4 ? (int)iu_min(fw_be32(ph), 0x7fffffffu) : -2;
		off = fdt_next_node(fdt, off, &depth);
		if (off >= 0 && depth < 0)
			off = -FDT_ERR_NOTFOUND;	/* left the root's subtree */
		if (off < 0)
			break;
	}
	if (off != -FDT_ERR_NOTFOUND)
		return fw_diag(c->t, IOMMU_TOPO_ERROR, "DT_STRUCTURE", c->name,
			       "bad structure block: %s", fdt_strerror(off)) ? -ENOMEM : -EINVAL;
	return 0;
}

static bool dt_is_bus(const void *fdt, int off)
{
	for (size_t i = 0; i < ARRAY_SIZE(dt_bus_compat); i++)
		if (dt_has_compat(fdt, off, dt_bus_compat[i]))
			return true;
	return false;
}

/* of_platform_bus_create(), strict: only nodes with "compatible". */
static void dt_populate(struct dt_ctx *c, size_t idx, bool recurse_buses)
{
	struct dt_node *n = &c->nodes[idx];

	if (!n->avail || !dt_first_compat(c->fdt, n->off) || n->populated)
		return;
	if (dt_has_compat(c->fdt, n->off, "operating-points-v2"))
		return;		/* of_skipped_node_table */
	n->populated = true;
	if (dt_has_compat(c->fdt, n->off, "arm,primecell")) {
		n->amba = true;
		return;
	}
	if (!recurse_buses || !dt_is_bus(c->fdt, n->off))
		return;
	for (size_t i = idx + 1; i < c->n; i++)
		if (c->nodes[i].parent == (int)idx)
			dt_populate(c, i, true);
}

static int dt_add_iommus(struct dt_ctx *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct dt_node *n = &c->nodes[i];
		struct iommu_topo_iommu m = { .pci_segment = -1, .pci_rid = -1 };
		const struct dt_iommu_kind *k = NULL;
		const char *where;
		int len, idx;
		const void *reg;

		if (n->cells == -1 || !n->avail)
			continue;
		if (n->cells == -2 || n->cells > DT_MAX_CELLS) {
			where = fw_printf(c->t, "%s:%s:#iommu-cells", c->name, n->path);
			if (!where || fw_diag(c->t, IOMMU_TOPO_ERROR, "DT_BAD_IOMMU_CELLS", where,
					      n->cells == -2 ? "#iommu-cells is not one cell"
					      : "#iommu-cells = %d is more than %d", n->cells,
					      DT_MAX_CELLS))
				return -ENOMEM;
			continue;
		}
		for (size_t j = 0; j < ARRAY_SIZE(dt_kinds) && !k; j++) {
			const struct dt_iommu_kind *e = &dt_kinds[j];
			int cl;
			const char *p = fdt_getprop(c->fdt, n->off, "compatible", &cl);

			/* Every compatible string counts, as in driver matching. */
			for (int o = 0; p && o < cl;) {
				const char *s = p + o;
				size_t sl = strnlen(s, (size_t)(cl - o));

				if (e->prefix ? !strncmp(s, e->compat, strlen(e->compat))
					      : (sl == strlen(e->compat) && !memcmp(s, e->compat, sl)))
					k = e;
				o += (int)sl + 1;
			}
		}
		m.id = n->path;
		m.compatible = fw_strdup(c->t, dt_first_compat(c->fdt, n->off) ?: "");
		m.kind = k ? k->kind : "generic";
		m.known = k != NULL;
		m.group_policy = k ? k->policy : IOMMU_TOPO_GROUP_DEVICE;
		m.iommu_cells = n->cells;
		m.source = c->name;
		reg = fdt_getprop(c->fdt, n->off, "reg", &len);
		if (reg && n->parent >= 0) {
			int ac = fdt_address_cells(c->fdt, c->nodes[n->parent].off);

			if (ac == 1 && len >= 4)
				m.base = fw_be32(reg);
			else if (ac == 2 && len >= 8)
				m.base = (uint64_t)fw_be32(reg) << 32 |
					 fw_be32((const uint8_t *)reg + 4);
		}
		if (!m.compatible)
			return -ENOMEM;
		idx = fw_add_iommu(c->t, &m);
		if (idx < 0)
			return idx;
		n->iommu = idx;
		if (!k) {
			where = fw_printf(c->t, "%s:%s", c->name, n->path);
			if (!where || fw_diag(c->t, IOMMU_TOPO_WARNING, "DT_UNKNOWN_IOMMU", where,
					      "no known Linux driver for compatible \"%s\"; "
					      "using the generic policy (PCI rule for PCI "
					      "masters, one group per other master)",
					      m.compatible))
				return -ENOMEM;
		}
	}
	return 0;
}

/* Resolve a phandle to an IOMMU node; diagnose why it is not one. */
static const struct dt_node *dt_iommu_target(struct dt_ctx *c, const char *where,
					     uint32_t ph, int *err)
{
	const struct dt_node *tn = dt_by_phandle(c, ph);

	*err = 0;
	if (!tn) {
		*err = fw_diag(c->t, IOMMU_TOPO_ERROR, "DT_BAD_PHANDLE", where,
			       "phandle 0x%x does not name any node", ph) ? -ENOMEM : 1;
		return NULL;
	}
	if (tn->cells == -1) {
		*err = fw_diag(c->t, IOMMU_TOPO_ERROR, "DT_NO_IOMMU_CELLS", where,
			       "phandle 0x%x names %s, which has no #iommu-cells", ph,
			       tn->path) ? -ENOMEM : 1;
		return NULL;
	}
	if (tn->cells < 0 || tn->cells > DT_MAX_CELLS) {
		*err = fw_diag(c->t, IOMMU_TOPO_ERROR, "DT_BAD_IOMMU_CELLS", where,
			       "%s has a malformed #iommu-cells", tn->path) ? -ENOMEM : 1;
		return NULL;
	}
	return tn;
}

static int dt_add_masters(struct dt_ctx *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct dt_node *n = &c->nodes[i];
		const uint8_t *p;
		int len, midx = -1, err;
		size_t ncell, k = 0;
		const char *where;
		enum iommu_topo_bus bus;

		if (!n->avail)
			continue;
		p = fdt_getprop(c->fdt, n->off, "iommus", &len);
		if (!p)
			continue;
		bus = n->amba ? IOMMU_TOPO_BUS_AMBA : n->populated ? IOMMU_TOPO_BUS_PLATFORM
								    : IOMMU_TOPO_BUS_DT;
		midx = fw_add_master(c->t, n->path, bus, dt_first_compat(c->fdt, n->off), c->name);
		if (midx < 0)
			return midx;
		if (len % 4) {
			where = fw_printf(c->t, "%s:%s:iommus", c->name, n->path);
			if (!where || fw_diag(c->t, IOMMU_TOPO_ERROR, "DT_IOMMUS_LENGTH", where,
					      "property is %d bytes, not whole cells", len))
				return -ENOMEM;
			continue;
		}
		ncell = (size_t)len / 4;
		for (size_t spec = 0; k < ncell; spec++) {
			uint32_t ph = fw_be32(p + 4 * k), args[DT_MAX_CELLS];
			const struct dt_node *tn;

			where = fw_printf(c->t, "%s:%s:iommus[%zu]", c->name, n->path, spec);
			if (!where)
				return -ENOMEM;
			tn = dt_iommu_target(c, where, ph, &err);
			if (err < 0)
				return err;
			if (!tn)
				break;	/* cannot tell where the next specifier starts */
			if (k + 1 + (size_t)tn->cells > ncell) {
				if (fw_diag(c->t, IOMMU_TOPO_ERROR, "DT_IOMMUS_TRUNCATED", where,
					    "%s has #iommu-cells = %d but only %zu cells remain",
					    tn->path, tn->cells, ncell - k - 1))
					return -ENOMEM;
				break;
			}
			for (int a = 0; a < tn->cells; a++)
				args[a] = fw_be32(p + 4 * (k + 1 + (size_t)a));
			k += 1 + (size_t)tn->cells;
			if (tn->iommu < 0) {
				if (fw_diag(c->t, IOMMU_TOPO_WARNING, "DT_IOMMU_DISABLED", where,
					    "%s is disabled: Linux leaves this master "
					    "untranslated", tn->path))
					return -ENOMEM;
				continue;
			}
			err = fw_master_add_spec(c->t, (size_t)midx, (unsigned int)tn->iommu,
						 (unsigned int)tn->cells, args);
			if (err)
				return err;
		}
	}
	return 0;
}

static bool dt_is_pci_host(const void *fdt, int off)
{
	int len;
	const char *dt = fdt_getprop(fdt, off, "device_type", &len);

	return dt && len >= 4 && (!strncmp(dt, "pci", (size_t)len) || !strncmp(dt, "pciex", (size_t)len));
}

static int dt_add_maps(struct dt_ctx *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct dt_node *n = &c->nodes[i];
		const uint8_t *p, *mp, *dp, *br;
		int len, mlen, dlen, blen, err;
		uint32_t mask = 0xffffffff;
		struct fw_host *h = NULL;
		const char *where;

		if (!n->avail)
			continue;
		p = fdt_getprop(c->fdt, n->off, "iommu-map", &len);
		if (dt_is_pci_host(c->fdt, n->off)) {
			h = FW_PUSH(c->t, hosts);
			if (!h)
				return -ENOMEM;
			h->path = n->path;
			dp = fdt_getprop(c->fdt, n->off, "linux,pci-domain", &dlen);
			h->segment = dp && dlen == 4 ? (int)(fw_be32(dp) & 0xffff)
						     : c->t->next_dt_domain++;
			br = fdt_getprop(c->fdt, n->off, "bus-range", &blen);
			h->bus_lo = 0;
			h->bus_hi = 0xff;
			if (br && blen == 8) {
				h->bus_lo = (uint8_t)iu_min(fw_be32(br), 0xffu);
				h->bus_hi = (uint8_t)iu_min(fw_be32(br + 4), 0xffu);
			}
			h->map_first = c->t->nmaps;
		}
		if (!p)
			continue;
		mp = fdt_getprop(c->fdt, n->off, "iommu-map-mask", &mlen);
		if (mp && mlen == 4)
			mask = fw_be32(mp);
		if (len <= 0 || len % 16) {
			where = fw_printf(c->t, "%s:%s:iommu-map", c->name, n->path);
			if (!where || fw_diag(c->t, IOMMU_TOPO_ERROR, "DT_IOMMU_MAP_LENGTH", where,
					      "%d bytes is not a whole number of 4-cell "
					      "(rid-base, iommu, iommu-base, length) entries; "
					      "Linux ignores the whole map", len))
				return -ENOMEM;
			continue;
		}
		if (h)
			h->has_map = true;
		for (int e = 0; e < len / 16; e++) {
			const uint8_t *q = p + 16 * e;
			const struct dt_node *tn;
			struct iommu_topo_pci_map *m;

			where = fw_printf(c->t, "%s:%s:iommu-map[%d]", c->name, n->path, e);
			if (!where)
				return -ENOMEM;
			tn = dt_iommu_target(c, where, fw_be32(q + 4), &err);
			if (err < 0)
				return err;
			if (!tn)
				continue;
			if (tn->cells != 1 &&
			    fw_diag(c->t, IOMMU_TOPO_WARNING, "DT_IOMMU_MAP_CELLS", where,
				    "%s has #iommu-cells = %d; iommu-map produces one-cell "
				    "specifiers", tn->path, tn->cells))
				return -ENOMEM;
			if (tn->iommu < 0) {
				if (fw_diag(c->t, IOMMU_TOPO_WARNING, "DT_IOMMU_DISABLED", where,
					    "%s is disabled: these requester IDs stay "
					    "untranslated", tn->path))
					return -ENOMEM;
				continue;
			}
			m = FW_PUSH(c->t, maps);
			if (!m)
				return -ENOMEM;
			m->host = n->path;
			m->segment = h ? h->segment : -1;
			m->rid_base = fw_be32(q);
			m->iommu = (unsigned int)tn->iommu;
			m->id_base = fw_be32(q + 8);
			m->length = fw_be32(q + 12);
			m->mask = mask;
		}
		if (h)
			h->map_count = c->t->nmaps - h->map_first;
	}
	return 0;
}

int fw_dt_parse(struct iommu_topo *t, const char *name, const uint8_t *buf, size_t len)
{
	struct dt_ctx c = { .t = t, .name = name, .fdt = buf };
	int ret, bad;

	if (len > INT32_MAX)
		len = INT32_MAX;
	ret = fdt_check_full(buf, len);
	if (ret) {
		const char *where;

		bad = dt_bad_offset(buf, len);
		where = bad >= 0 ? fw_printf(t, "%s:+0x%x", name, (unsigned int)bad)
				 : fw_strdup(t, name);
		if (!where || fw_diag(t, IOMMU_TOPO_ERROR, "DT_CORRUPT", where,
				      "device tree blob rejected: %s (blob %zu bytes, "
				      "header says %u)", fdt_strerror(ret), len,
				      len >= 8 ? fw_be32(buf + 4) : 0))
			return -ENOMEM;
		return -EINVAL;
	}
	ret = dt_collect(&c);
	if (ret)
		goto out;
	/* of_platform_default_populate(): the root's children ... */
	for (size_t i = 1; i < c.n; i++)
		if (c.nodes[i].parent == 0)
			dt_populate(&c, i, true);
	/* ... and /firmware's children, without descending further. */
	for (size_t i = 1; i < c.n; i++)
		if (c.nodes[i].parent == 0 && !strcmp(c.nodes[i].path, "/firmware"))
			for (size_t j = i + 1; j < c.n; j++)
				if (c.nodes[j].parent == (int)i)
					dt_populate(&c, j, false);
	ret = dt_add_iommus(&c);
	if (!ret)
		ret = dt_add_masters(&c);
	if (!ret)
		ret = dt_add_maps(&c);
	if (!ret)
		t->fw_seen = true;
out:
	iu_free(c.nodes);
	return ret;
}
