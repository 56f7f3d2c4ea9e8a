// SPDX-License-Identifier: MIT
/* The topology container: inputs in, sniffing, accessors. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "topo_priv.h"

#define FW_MAX_FILE	(64u << 20)

void *fw_grow(void *arrp, size_t *n, size_t *cap, size_t elsz)
{
	void **arr = arrp;
	char *p;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		void *nv;

		if (ncap > SIZE_MAX / elsz)
			return NULL;
		nv = iu_realloc(*arr, ncap * elsz);
		if (!nv)
			return NULL;
		*arr = nv;
		*cap = ncap;
	}
	p = (char *)*arr + *n * elsz;
	memset(p, 0, elsz);
	(*n)++;
	return p;
}

static void *fw_own(struct iommu_topo *t, void *s)
{
	char **slot;

	if (!s)
		return NULL;
	slot = FW_PUSH(t, strs);
	if (!slot) {
		iu_free(s);
		return NULL;
	}
	*slot = s;
	return s;
}

const char *fw_master_where(struct iommu_topo *t, size_t master)
{
	const struct fw_master *m = &t->masters[master];

	return m->pub.source ? fw_printf(t, "%s:%s", m->pub.source, m->pub.id) : m->pub.id;
}

void *fw_keep(struct iommu_topo *t, size_t size)
{
	return fw_own(t, iu_zalloc(size ? size : 1));
}

const char *fw_strdup(struct iommu_topo *t, const char *s)
{
	return s ? fw_own(t, iu_strdup(s)) : NULL;
}

const char *fw_strndup(struct iommu_topo *t, const char *s, size_t n)
{
	char *c = iu_malloc(n + 1);

	if (!c)
		return NULL;
	memcpy(c, s, n);
	c[n] = 0;
	return fw_own(t, c);
}

static const char *fw_vprintf(struct iommu_topo *t, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static const char *fw_vprintf(struct iommu_topo *t, const char *fmt, va_list ap)
{
	va_list aq;
	int n;
	char *s;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return NULL;
	s = iu_malloc((size_t)n + 1);
	if (!s)
		return NULL;
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return fw_own(t, s);
}

const char *fw_printf(struct iommu_topo *t, const char *fmt, ...)
{
	va_list ap;
	const char *s;

	va_start(ap, fmt);
	s = fw_vprintf(t, fmt, ap);
	va_end(ap);
	return s;
}

int fw_diag(struct iommu_topo *t, enum iommu_topo_severity sev, const char *code,
	    const char *where, const char *fmt, ...)
{
	struct iommu_topo_diag *d;
	const char *msg, *w;
	va_list ap;

	va_start(ap, fmt);
	msg = fw_vprintf(t, fmt, ap);
	va_end(ap);
	w = fw_strdup(t, where ? where : "");
	if (!msg || !w)
		return -ENOMEM;
	d = FW_PUSH(t, diags);
	if (!d)
		return -ENOMEM;
	d->severity = sev;
	d->code = code;		/* codes are string literals */
	d->where = w;
	d->message = msg;
	if (sev == IOMMU_TOPO_ERROR)
		t->nerrors++;
	return 0;
}

int fw_add_iommu(struct iommu_topo *t, const struct iommu_topo_iommu *tmpl)
{
	struct iommu_topo_iommu *m = FW_PUSH(t, iommus);

	if (!m)
		return -ENOMEM;
	*m = *tmpl;
	return (int)(t->niommus - 1);
}

int fw_add_master(struct iommu_topo *t, const char *id, enum iommu_topo_bus bus,
		  const char *compatible, const char *source)
{
	struct fw_master *m;
	const char *i = fw_strdup(t, id);
	const char *c = compatible ? fw_strdup(t, compatible) : NULL;

	if (!i || (compatible && !c))
		return -ENOMEM;
	m = FW_PUSH(t, masters);
	if (!m)
		return -ENOMEM;
	m->pub.id = i;
	m->pub.bus = bus;
	m->pub.compatible = c;
	m->pub.source = source;
	m->pub.pci_parent = -1;
	m->pub.kernel_group = -1;
	return (int)(t->nmasters - 1);
}

int fw_master_add_spec(struct iommu_topo *t, size_t master, unsigned int iommu,
		       unsigned int ncells, const uint32_t *cells)
{
	struct fw_master *m = &t->masters[master];
	struct iommu_topo_ref *r = NULL;
	uint32_t *nc;

	for (size_t i = 0; i < m->nrefs; i++)
		if (m->refs[i].iommu == iommu && m->refs[i].ncells == ncells)
			r = &m->refs[i];
	if (!r) {
		r = fw_grow(&m->refs, &m->nrefs, &m->crefs, sizeof(*m->refs));
		if (!r)
			return -ENOMEM;
		r->iommu = iommu;
		r->ncells = ncells;
	}
	if (ncells) {
		/* Specifiers are few; grow exactly. */
		nc = iu_realloc((void *)r->cells,
				((size_t)r->nspecs + 1) * ncells * sizeof(uint32_t));
		if (!nc)
			return -ENOMEM;
		memcpy(nc + (size_t)r->nspecs * ncells, cells, ncells * sizeof(uint32_t));
		r->cells = nc;
	}
	r->nspecs++;
	return 0;
}

int fw_master_add_alias(struct iommu_topo *t, size_t master, uint16_t rid)
{
	struct fw_master *m = &t->masters[master];
	uint16_t *a;

	for (size_t i = 0; i < m->naliases; i++)
		if (m->aliases[i] == rid)
			return 0;
	a = fw_grow(&m->aliases, &m->naliases, &m->caliases, sizeof(*m->aliases));
	if (!a)
		return -ENOMEM;
	*a = rid;
	return 0;
}

int fw_add_route(struct iommu_topo *t, const struct fw_route *r)
{
	struct fw_route *n = FW_PUSH(t, routes);

	if (!n)
		return -ENOMEM;
	*n = *r;
	return 0;
}

int fw_find_pci(const struct iommu_topo *t, uint16_t seg, uint8_t bus, uint8_t devfn)
{
	for (size_t i = 0; i < t->nmasters; i++) {
		const struct fw_master *m = &t->masters[i];

		if (m->is_pci && m->pci.segment == seg && m->pci.bus == bus &&
		    m->pci.devfn == devfn)
			return (int)i;
	}
	return -1;
}

int fw_add_pci(struct iommu_topo *t, const struct iommu_pci_info *info,
	       const uint8_t *config, size_t config_len, int kernel_group,
	       const char *source)
{
	char id[32];
	int idx = fw_find_pci(t, info->segment, info->bus, info->devfn);
	struct fw_master *m;
	uint8_t *cfg = NULL;

	if (config && config_len) {
		cfg = iu_malloc(config_len);
		if (!cfg)
			return -ENOMEM;
		memcpy(cfg, config, config_len);
	}
	if (idx < 0) {
		snprintf(id, sizeof(id), "%04x:%02x:%02x.%x", info->segment, info->bus,
			 IOMMU_PCI_SLOT(info->devfn), IOMMU_PCI_FUNC(info->devfn));
		idx = fw_add_master(t, id, IOMMU_TOPO_BUS_PCI, NULL, source);
		if (idx < 0) {
			iu_free(cfg);
			return idx;
		}
		m = &t->masters[idx];
		m->is_pci = true;
		m->pci = *info;
		m->config = cfg;
	} else {
		/* The same function from a second dump (hex and text of one
		 * machine): keep the richer description, and any group. */
		m = &t->masters[idx];
		if (cfg && !m->config) {
			m->pci = *info;
			m->config = cfg;
		} else {
			iu_free(cfg);
			if (m->pci.acs_unknown && !info->acs_unknown)
				m->pci = *info;
		}
	}
	m->pci.config = m->config;
	m->pci.config_len = m->config ? (uint16_t)config_len : 0;
	/* pci_scan_slot(): a function other than 0 is part of a multifunction
	 * device whatever its header says (only function 0's bit counts). */
	if (IOMMU_PCI_FUNC(m->pci.devfn))
		m->pci.multifunction = true;
	if (kernel_group >= 0)
		m->pub.kernel_group = kernel_group;
	return idx;
}

int iommu_topo_new(struct iommu_topo **out)
{
	struct iommu_topo *t;

	if (!out)
		return -EINVAL;
	t = iu_zalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	*out = t;
	return 0;
}

void iommu_topo_free(struct iommu_topo *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nmasters; i++) {
		struct fw_master *m = &t->masters[i];

		for (size_t j = 0; j < m->nrefs; j++)
			iu_free((void *)m->refs[j].cells);
		iu_free(m->refs);
		iu_free(m->config);
		iu_free(m->aliases);
	}
	for (size_t i = 0; i < t->nstrs; i++)
		iu_free(t->strs[i]);
	iu_free(t->strs);
	iu_free(t->masters);
	iu_free(t->iommus);
	iu_free(t->maps);
	iu_free(t->diags);
	iu_free(t->routes);
	iu_free(t->scopes);
	iu_free(t->hosts);
	iu_free(t->aliases);
	iu_free(t->groups);
	iu_free(t->probes);
	iu_free(t->kdiffs);
	iu_free(t);
}

/* Forget everything a failed parse added (diagnostics stay). */
static void fw_rollback(struct iommu_topo *t, const size_t snap[7])
{
	for (size_t i = snap[1]; i < t->nmasters; i++) {
		struct fw_master *m = &t->masters[i];

		for (size_t j = 0; j < m->nrefs; j++)
			iu_free((void *)m->refs[j].cells);
		iu_free(m->refs);
		iu_free(m->config);
		iu_free(m->aliases);
	}
	t->niommus = snap[0];
	t->nmasters = snap[1];
	t->nmaps = snap[2];
	t->nroutes = snap[3];
	t->nscopes = snap[4];
	t->nhosts = snap[5];
	t->naliases = snap[6];
}

int iommu_topo_add_buffer(struct iommu_topo *t, const char *name, const void *buf,
			  size_t len)
{
	const char *nm;
	uint8_t *copy;
	size_t snap[7];
	bool fw = t && t->fw_seen, acpi = t && t->acpi_seen, acpi_iommu = t && t->acpi_iommu_seen;
	int ret;

	if (!t || !name || (!buf && len))
		return -EINVAL;
	if (t->finished)
		return -EBUSY;
	nm = fw_strdup(t, name);
	if (!nm)
		return -ENOMEM;
	/* A private, aligned copy: parsers may keep pointers into it only
	 * while they run, and libfdt likes aligned blobs. */
	copy = iu_malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, buf, len);
	copy[len] = 0;
	snap[0] = t->niommus;
	snap[1] = t->nmasters;
	snap[2] = t->nmaps;
	snap[3] = t->nroutes;
	snap[4] = t->nscopes;
	snap[5] = t->nhosts;
	snap[6] = t->naliases;

	if (fw_dt_sniff(copy, len))
		ret = fw_dt_parse(t, nm, copy, len);
	else if (fw_acpi_sniff(copy, len))
		ret = fw_acpi_parse(t, nm, copy, len);
	else if (fw_lspci_hex_sniff(copy, len))
		ret = fw_lspci_hex_parse(t, nm, copy, len);
	else if (fw_lspci_text_sniff(copy, len))
		ret = fw_lspci_text_parse(t, nm, copy, len);
	else {
		ret = fw_diag(t, IOMMU_TOPO_ERROR, "INPUT_UNKNOWN", nm,
			      "not a device tree blob, an ACPI table or an lspci dump "
			      "(%zu bytes)", len);
		if (!ret)
			ret = -EMEDIUMTYPE;
	}
	iu_free(copy);
	if (ret == -EINVAL || ret == -EMEDIUMTYPE) {
		fw_rollback(t, snap);
		t->fw_seen = fw;
		t->acpi_seen = acpi;
		t->acpi_iommu_seen = acpi_iommu;
	}
	return ret;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

int iommu_topo_add_file(struct iommu_topo *t, const char *path)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd, ret, err;

	if (!t || !path)
		return -EINVAL;
	if (t->finished)
		return -EBUSY;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto report;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto close_fd;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto close_fd;
	}
	/* Read to EOF: sysfs files report a size of 0 or 4096. */
	for (size_t cap = 0;;) {
		ssize_t n;

		if (len == cap) {
			uint8_t *nb;

			if (cap >= FW_MAX_FILE) {
				err = -EFBIG;
				goto free_buf;
			}
			cap = cap ? cap * 2 : 65536;
			nb = iu_realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				goto free_buf;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto free_buf;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	ret = iommu_topo_add_buffer(t, base_name(path), buf, len);
	iu_free(buf);
	return ret;

free_buf:
	iu_free(buf);
close_fd:
	close(fd);
report:
	if (err != -ENOMEM &&
	    fw_diag(t, IOMMU_TOPO_ERROR, "INPUT_READ", path, "cannot read: %s",
		    strerror(-err)))
		return -ENOMEM;
	return err;
}

int iommu_topo_finish(struct iommu_topo *t)
{
	int ret;

	if (!t)
		return -EINVAL;
	if (t->finished)
		return 0;
	ret = fw_resolve(t);
	if (!ret)
		ret = fw_model(t);
	if (!ret)
		ret = fw_check(t);
	if (!ret)
		ret = fw_kernel_compare(t);
	if (ret)
		return ret;
	/* No more growth: publish the pointers. */
	for (size_t i = 0; i < t->nmasters; i++) {
		struct fw_master *m = &t->masters[i];

		m->pub.refs = m->refs;
		m->pub.nrefs = (unsigned int)m->nrefs;
		m->pub.pci = m->is_pci ? &m->pci : NULL;
		m->pub.fw_aliases = m->aliases;
		m->pub.nfw_aliases = (unsigned int)m->naliases;
	}
	t->finished = true;
	return 0;
}

size_t iommu_topo_iommu_count(const struct iommu_topo *t)
{
	return t && t->finished ? t->niommus : 0;
}

const struct iommu_topo_iommu *iommu_topo_iommu(const struct iommu_topo *t, size_t i)
{
	return t && t->finished && i < t->niommus ? &t->iommus[i] : NULL;
}

size_t iommu_topo_master_count(const struct iommu_topo *t)
{
	return t && t->finished ? t->nmasters : 0;
}

const struct iommu_topo_master *iommu_topo_master(const struct iommu_topo *t, size_t i)
{
	return t && t->finished && i < t->nmasters ? &t->masters[i].pub : NULL;
}

size_t iommu_topo_pci_map_count(const struct iommu_topo *t)
{
	return t && t->finished ? t->nmaps : 0;
}

const struct iommu_topo_pci_map *iommu_topo_pci_map(const struct iommu_topo *t, size_t i)
{
	return t && t->finished && i < t->nmaps ? &t->maps[i] : NULL;
}

size_t iommu_topo_group_count(const struct iommu_topo *t)
{
	return t && t->finished ? t->ngroups : 0;
}

const struct iommu_topo_group *iommu_topo_group(const struct iommu_topo *t, size_t i)
{
	return t && t->finished && i < t->ngroups ? &t->groups[i] : NULL;
}

size_t iommu_topo_probe_count(const struct iommu_topo *t)
{
	return t && t->finished ? t->nprobes : 0;
}

const struct iommu_topo_probe *iommu_topo_probe(const struct iommu_topo *t, size_t i)
{
	return t && t->finished && i < t->nprobes ? &t->probes[i] : NULL;
}

const struct iommu_topo_kernel_cmp *iommu_topo_kernel_compare(const struct iommu_topo *t)
{
	return t && t->finished && t->has_kcmp ? &t->kcmp : NULL;
}

size_t iommu_topo_diag_count(const struct iommu_topo *t)
{
	return t ? t->ndiags : 0;
}

const struct iommu_topo_diag *iommu_topo_diag(const struct iommu_topo *t, size_t i)
{
	return t && i < t->ndiags ? &t->diags[i] : NULL;
}

size_t iommu_topo_error_count(const struct iommu_topo *t)
{
	return t ? t->nerrors : 0;
}

bool iommu_topo_pcie_caps_unknown(const struct iommu_topo *t)
{
	return t && t->caps_unknown;
}

const char *iommu_topo_bus_name(enum iommu_topo_bus bus)
{
	switch (bus) {
	case IOMMU_TOPO_BUS_PLATFORM: return "platform";
	case IOMMU_TOPO_BUS_AMBA: return "amba";
	case IOMMU_TOPO_BUS_DT: return "dt";
	case IOMMU_TOPO_BUS_PCI: return "pci";
	case IOMMU_TOPO_BUS_ACPI: return "acpi";
	}
	return "unknown";
}

const char *iommu_topo_severity_name(enum iommu_topo_severity s)
{
	switch (s) {
	case IOMMU_TOPO_NOTE: return "note";
	case IOMMU_TOPO_WARNING: return "warning";
	case IOMMU_TOPO_ERROR: return "error";
	}
	return "unknown";
}

const char *iommu_topo_policy_name(enum iommu_topo_group_policy p)
{
	switch (p) {
	case IOMMU_TOPO_GROUP_DEVICE: return "device";
	case IOMMU_TOPO_GROUP_STREAM: return "stream";
	case IOMMU_TOPO_GROUP_INSTANCE: return "instance";
	}
	return "unknown";
}
