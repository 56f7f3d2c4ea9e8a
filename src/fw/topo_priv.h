/* SPDX-License-Identifier: MIT */
/*
 * Private to src/fw: the topology's storage and the helpers the parsers use
 * to fill it. Prefix fw_.
 *
 * Parsers work on (buf, len) copies owned by the topology. While inputs are
 * being added every cross reference is an index (arrays grow); the public
 * pointers are fixed up once, in iommu_topo_finish().
 */
#ifndef FW_TOPO_PRIV_H
#define FW_TOPO_PRIV_H

#include <stdarg.h>
#include "iommu/topo.h"
#include "util/util.h"

/* A master plus what only we see. */
struct fw_master {
	struct iommu_topo_master pub;
	struct iommu_topo_ref *refs;
	size_t nrefs, crefs;
	struct iommu_pci_info pci;	/* valid when is_pci */
	bool is_pci;
	uint8_t *config;		/* owned copy of config space, or NULL */
	uint16_t *aliases;		/* firmware DMA aliases (RIDs) */
	size_t naliases, caliases;
};

/* How a requester ID reaches an IOMMU. */
enum fw_route_kind {
	FW_ROUTE_MAP,		/* DT iommu-map / IORT RC mapping: rid -> id */
	FW_ROUTE_IDENTITY,	/* DMAR / IVRS: the IOMMU sees the RID */
	FW_ROUTE_VIOT,		/* VIOT PCI range: endpoint IDs */
	FW_ROUTE_EXCLUDE,	/* never translated (an AMD IOMMU's own RID) */
};

struct fw_route {
	enum fw_route_kind kind;
	int prio;		/* higher first; then insertion order */
	int segment;		/* -1: resolve later (DT host without domain) */
	int seg_hi;		/* VIOT: last segment of the range */
	uint32_t rid_lo, rid_hi;	/* inclusive, after masking */
	uint32_t mask;
	unsigned int iommu;
	uint32_t id_base;
	bool fixed_id;		/* IORT single mapping: every RID -> id_base */
};

/* Priorities: explicit scopes beat catch-alls (VT-d INCLUDE_PCI_ALL). */
#define FW_PRIO_EXCLUDE	100
#define FW_PRIO_SCOPE	50
#define FW_PRIO_MAP	40
#define FW_PRIO_ALL	10
#define FW_PRIO_IMPLIED	0

/* DMAR device scope kept until PCI data is known. */
struct fw_dmar_scope {
	unsigned int iommu;	/* DRHD index, or -1u for RMRR/ATSR/SATC */
	uint16_t segment;
	uint8_t type;		/* 1 endpoint, 2 bridge, 3 IOAPIC, 4 HPET, 5 ACPI */
	uint8_t start_bus;
	uint8_t npath;
	uint8_t path[2 * 16];	/* (device, function) pairs */
	const char *owner;	/* "DRHD", "RMRR", "ATSR", "SATC" */
	const char *where;
};

/* IVRS alias entry: requests of rid arrive with alias's requester ID. */
struct fw_alias {
	uint16_t segment, rid, alias;
};

/* DT PCI host bridge (a node with device_type = "pci"). */
struct fw_host {
	const char *path;
	int segment;		/* linux,pci-domain, else order of appearance */
	uint8_t bus_lo, bus_hi;
	bool has_map;
	size_t map_first, map_count;	/* its entries in pci_maps */
};

struct iommu_topo {
	bool finished;
	bool fw_seen;		/* some DT or ACPI input */
	bool acpi_seen;
	bool acpi_iommu_seen;
	bool caps_unknown;
	int next_dt_domain;

	struct iommu_topo_iommu *iommus;
	size_t niommus, ciommus;
	struct fw_master *masters;
	size_t nmasters, cmasters;
	struct iommu_topo_pci_map *maps;
	size_t nmaps, cmaps;
	struct iommu_topo_diag *diags;
	size_t ndiags, cdiags;
	size_t nerrors;
	struct fw_route *routes;
	size_t nroutes, croutes;
	struct fw_dmar_scope *scopes;
	size_t nscopes, cscopes;
	struct fw_host *hosts;
	size_t nhosts, chosts;
	struct fw_alias *aliases;
	size_t naliases, caliases;

	/* What the IOMMU core made of it (model.c). */
	struct iommu_topo_group *groups;
	size_t ngroups, cgroups;
	struct iommu_topo_probe *probes;
	size_t nprobes, cprobes;
	bool has_kcmp;
	struct iommu_topo_kernel_cmp kcmp;
	struct iommu_topo_kernel_diff *kdiffs;
	size_t nkdiffs, ckdiffs;

	char **strs;		/* every string and fw_keep() block we hand out */
	size_t nstrs, cstrs;
};

/* Grow *arr (of *n elements, *cap allocated) by one zeroed element. */
void *fw_grow(void *arrp, size_t *n, size_t *cap, size_t elsz);
#define FW_PUSH(t, field) \
	((__typeof__((t)->field))fw_grow(&(t)->field, &(t)->n##field, &(t)->c##field, \
					sizeof(*(t)->field)))

/* Strings owned by the topology (NULL on -ENOMEM). */
const char *fw_strdup(struct iommu_topo *t, const char *s);
const char *fw_strndup(struct iommu_topo *t, const char *s, size_t n);
const char *fw_printf(struct iommu_topo *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "source:id", a master's location for diagnostics (NULL on -ENOMEM). */
const char *fw_master_where(struct iommu_topo *t, size_t master);
/* A zeroed block owned by the topology (NULL on -ENOMEM). */
void *fw_keep(struct iommu_topo *t, size_t size);

/* Add a diagnostic; returns -ENOMEM or 0. */
int fw_diag(struct iommu_topo *t, enum iommu_topo_severity sev, const char *code,
	    const char *where, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Lookups and constructors used by the parsers. */
int fw_add_iommu(struct iommu_topo *t, const struct iommu_topo_iommu *tmpl);
int fw_add_master(struct iommu_topo *t, const char *id, enum iommu_topo_bus bus,
		  const char *compatible, const char *source);
int fw_master_add_spec(struct iommu_topo *t, size_t master, unsigned int iommu,
		       unsigned int ncells, const uint32_t *cells);
int fw_master_add_alias(struct iommu_topo *t, size_t master, uint16_t rid);
int fw_add_route(struct iommu_topo *t, const struct fw_route *r);
int fw_find_pci(const struct iommu_topo *t, uint16_t seg, uint8_t bus, uint8_t devfn);
/* Add (or merge into an existing) PCI function; returns the master index. */
int fw_add_pci(struct iommu_topo *t, const struct iommu_pci_info *info,
	       const uint8_t *config, size_t config_len, int kernel_group,
	       const char *source);
/* Decode PCIe type, ACS and bridge buses from raw config space. */
void fw_pci_decode_config(struct iommu_pci_info *info, const uint8_t *cfg, size_t len);

/* Parsers: 0, -EINVAL (diagnostic added), -ENOMEM. */
bool fw_dt_sniff(const uint8_t *buf, size_t len);
int fw_dt_parse(struct iommu_topo *t, const char *name, const uint8_t *buf, size_t len);
bool fw_acpi_sniff(const uint8_t *buf, size_t len);
int fw_acpi_parse(struct iommu_topo *t, const char *name, const uint8_t *buf, size_t len);
int fw_iort_parse(struct iommu_topo *t, const char *name, const uint8_t *buf, size_t len);
int fw_dmar_parse(struct iommu_topo *t, const char *name, const uint8_t *buf, size_t len);
int fw_ivrs_parse(struct iommu_topo *t, const char *name, const uint8_t *buf, size_t len);
int fw_viot_parse(struct iommu_topo *t, const char *name, const uint8_t *buf, size_t len);
bool fw_lspci_hex_sniff(const uint8_t *buf, size_t len);
int fw_lspci_hex_parse(struct iommu_topo *t, const char *name, const uint8_t *buf, size_t len);
bool fw_lspci_text_sniff(const uint8_t *buf, size_t len);
int fw_lspci_text_parse(struct iommu_topo *t, const char *name, const uint8_t *buf, size_t len);

/* Resolution and semantic checks, run by iommu_topo_finish(). */
int fw_resolve(struct iommu_topo *t);
int fw_check(struct iommu_topo *t);
/* The IOMMU translating (seg, rid) and the ID it sees: 0 or -ENOENT. */
int fw_route_resolve(const struct iommu_topo *t, uint16_t seg, uint16_t rid,
		     unsigned int *iommu, uint32_t *id);
/* Instantiate the machine, let the core group it (model.c): 0, -ENOMEM. */
int fw_model(struct iommu_topo *t);
/* Compare the groups with the kernel's "IOMMU group:" lines: 0, -ENOMEM. */
int fw_kernel_compare(struct iommu_topo *t);

/* Little-endian loads from a checked range. */
static inline uint8_t fw_le8(const uint8_t *p) { return p[0]; }
static inline uint16_t fw_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t fw_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}
static inline uint64_t fw_le64(const uint8_t *p)
{
	return (uint64_t)fw_le32(p) | (uint64_t)fw_le32(p + 4) << 32;
}
static inline uint32_t fw_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
	       (uint32_t)p[3];
}

#endif
