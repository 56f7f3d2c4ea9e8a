// SPDX-License-Identifier: MIT
/*
 * lspci -vvnn (or -vnn) text: the form people post when they ask about
 * groups. We read what grouping needs: IDs, class, bridge bus numbers, the
 * PCIe port type, ACS capability and control, and the kernel's "IOMMU
 * group:" lines. Text taken without root shows "Capabilities: <access
 * denied>": port type and ACS are then unknown.
 *
 * Lines we do not understand are skipped (lspci's stderr is often mixed
 * in); a device header we cannot read is an error.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "topo_priv.h"

struct txt_fn {
	struct iommu_pci_info info;
	int group;
	size_t line;
};

/* Parse "[DDDD:]BB:DD.F " at the start of l. Returns chars used or 0. */
static int txt_addr(const char *l, size_t n, struct iommu_pci_info *pi)
{
	unsigned int v[4] = { 0 }, nv = 0;
	size_t i = 0;

	while (i < n && nv < 4) {
		size_t d = 0;
		unsigned int x = 0;

		while (i < n && isxdigit((unsigned char)l[i]) && d < 8) {
			x = x * 16 + (unsigned int)(isdigit((unsigned char)l[i]) ? l[i] - '0'
						    : (tolower((unsigned char)l[i]) - 'a' + 10));
			i++;
			d++;
		}
		if (!d)
			return 0;
		v[nv++] = x;
		if (i < n && (l[i] == ':' || l[i] == '.')) {
			if (l[i] == '.' && (nv < 2 || nv > 3))
				return 0;
			i++;
			continue;
		}
		break;
	}
	if (i >= n || l[i] != ' ' || nv < 3 || l[i - 2] != '.')
		return 0;
	if (nv == 3) {
		v[3] = v[2];
		v[2] = v[1];
		v[1] = v[0];
		v[0] = 0;
	}
	if (v[0] > 0xffff || v[1] > 0xff || v[2] > 0x1f || v[3] > 7)
		return 0;
	pi->segment = (uint16_t)v[0];
	pi->bus = (uint8_t)v[1];
	pi->devfn = IOMMU_PCI_DEVFN(v[2], v[3]);
	return (int)i + 1;
}

static bool txt_looks_like_addr(const char *l, size_t n)
{
	/* "BB:DD.F" or "DDDD:BB:DD.F": hex, colon, hex. */
	return n >= 7 && isxdigit((unsigned char)l[0]) && isxdigit((unsigned char)l[1]) &&
	       (l[2] == ':' || (n >= 12 && isxdigit((unsigned char)l[2]) &&
				isxdigit((unsigned char)l[3]) && l[4] == ':'));
}

static bool txt_hex(const char *s, size_t n, unsigned int *out)
{
	unsigned int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
		v = v * 16 + (unsigned int)(isdigit((unsigned char)s[i]) ? s[i] - '0'
					    : tolower((unsigned char)s[i]) - 'a' + 10);
	}
	*out = v;
	return true;
}

/* Last "[vvvv:dddd]" in the line. */
static bool txt_ids(const char *l, size_t n, uint16_t *ven, uint16_t *dev)
{
	bool found = false;

	for (size_t i = 0; i + 11 <= n; i++) {
		unsigned int a, b;

		if (l[i] == '[' && l[i + 5] == ':' && l[i + 10] == ']' &&
		    txt_hex(l + i + 1, 4, &a) && txt_hex(l + i + 6, 4, &b)) {
			*ven = (uint16_t)a;
			*dev = (uint16_t)b;
			found = true;
		}
	}
	return found;
}

static const char *txt_find(const char *l, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(l + i, needle, k))
			return l + i;
	return NULL;
}

static uint16_t txt_acs_bits(const char *l, size_t n)
{
	static const struct { const char *name; uint16_t bit; } b[] = {
		{ "SrcValid+", IOMMU_PCI_ACS_SV }, { "TransBlk+", IOMMU_PCI_ACS_TB },
		{ "ReqRedir+", IOMMU_PCI_ACS_RR }, { "CmpltRedir+", IOMMU_PCI_ACS_CR },
		{ "UpstreamFwd+", IOMMU_PCI_ACS_UF }, { "EgressCtrl+", IOMMU_PCI_ACS_EC },
		{ "DirectTrans+", IOMMU_PCI_ACS_DT },
	};
	uint16_t v = 0;

	for (size_t i = 0; i < ARRAY_SIZE(b); i++)
		if (txt_find(l, n, b[i].name))
			v |= b[i].bit;
	return v;
}

static int8_t txt_port_type(const char *l, size_t n)
{
	static const struct { const char *s; int8_t type; } types[] = {
		{ "Root Complex Integrated Endpoint", IOMMU_PCIE_RC_END },
		{ "Root Complex Event Collector", IOMMU_PCIE_RC_EC },
		{ "Legacy Endpoint", IOMMU_PCIE_LEG_END },
		{ "Endpoint", IOMMU_PCIE_ENDPOINT },
		{ "Root Port", IOMMU_PCIE_ROOT_PORT },
		{ "Upstream Port", IOMMU_PCIE_UPSTREAM },
		{ "Downstream Port", IOMMU_PCIE_DOWNSTREAM },
		{ "PCI-Express to PCI", IOMMU_PCIE_PCI_BRIDGE },
		{ "to PCI-Express", IOMMU_PCIE_PCIE_BRIDGE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (txt_find(l, n, types[i].s))
			return types[i].type;
	return IOMMU_PCIE_NONE;
}

bool fw_lspci_text_sniff(const uint8_t *buf, size_t len)
{
	const char *s = (const char *)buf, *e = s + len, *nl;
	struct iommu_pci_info pi;

	if (memchr(buf, 0, len))
		return false;
	while (s < e && (*s == '\n' || *s == '\r'))
		s++;
	nl = memchr(s, '\n', (size_t)(e - s));
	return txt_addr(s, nl ? (size_t)(nl - s) : (size_t)(e - s), &pi) > 0;
}

static int txt_bad(struct iommu_topo *t, const char *name, size_t line, const char *why)
{
	const char *where = fw_printf(t, "%s:%zu", name, line);

	return !where || fw_diag(t, IOMMU_TOPO_ERROR, "LSPCI_MALFORMED", where,
				 "lspci text: %s", why) ? -ENOMEM : -EINVAL;
}

int fw_lspci_text_parse(struct iommu_topo *t, const char *name, const uint8_t *buf, size_t len)
{
	const char *s = (const char *)buf;
	struct txt_fn *fns = NULL, *cur = NULL;
	size_t nf = 0, cf = 0, line = 0, pos = 0;
	bool in_acs = false, denied = false;
	int ret = 0;

	while (pos < len) {
		const char *l = s + pos, *nl = memchr(l, '\n', len - pos), *p;
		size_t n = nl ? (size_t)(nl - l) : len - pos;
		unsigned int v;
		int k;

		line++;
		pos += n + 1;
		if (n && l[n - 1] == '\r')
			n--;
		if (!n)
			continue;
		if (l[0] != '\t' && l[0] != ' ') {
			struct iommu_pci_info pi = { 0 };

			in_acs = false;
			k = txt_addr(l, n, &pi);
			if (!k) {
				if (txt_looks_like_addr(l, n)) {
					ret = txt_bad(t, name, line, "device address unreadable");
					goto out;
				}
				continue;	/* stderr noise, continuation */
			}
			cur = fw_grow(&fns, &nf, &cf, sizeof(*fns));
			if (!cur) {
				ret = -ENOMEM;
				goto out;
			}
			cur->info = pi;
			cur->info.pcie_type = IOMMU_PCIE_NONE;
			cur->group = -1;
			cur->line = line;
			if (!txt_ids(l, n, &cur->info.vendor, &cur->info.device)) {
				ret = txt_bad(t, name, line, "no [vendor:device] IDs on the device "
					      "line; take the dump with lspci -nn");
				goto out;
			}
			/* "Class name [cccc]: " */
			p = txt_find(l, n, "]: ");
			if (p && p - l >= (ptrdiff_t)k + 5 && p[-5] == '[' && txt_hex(p - 4, 4, &v))
				cur->info.class_code = v << 8;
			p = txt_find(l, n, "(prog-if ");
			if (p && (size_t)(p - l) + 11 <= n && txt_hex(p + 9, 2, &v))
				cur->info.class_code |= v;
			p = txt_find(l, n, "(rev ");
			if (p && (size_t)(p - l) + 7 <= n && txt_hex(p + 5, 2, &v))
				cur->info.revision = (uint8_t)v;
			switch (cur->info.class_code >> 8) {
			case 0x0604: case 0x0609:
				cur->info.header_type = 1;
				break;
			case 0x0607:
				cur->info.header_type = 2;
				break;
			}
			continue;
		}
		if (!cur) {
			ret = txt_bad(t, name, line, "detail line before any device line");
			goto out;
		}
		if (l[0] == '\t' && n > 1 && l[1] != '\t')
			in_acs = false;
		if ((p = txt_find(l, n, "IOMMU group: ")) && l[1] != '\t') {
			char tmp[16];
			size_t m = n - (size_t)(p + 13 - l);
			char *end;
			long g;

			if (m == 0 || m >= sizeof(tmp)) {
				ret = txt_bad(t, name, line, "IOMMU group number unreadable");
				goto out;
			}
			memcpy(tmp, p + 13, m);
			tmp[m] = 0;
			g = strtol(tmp, &end, 10);
			if (end == tmp || *end || g < 0 || g > 0x7fffffff) {
				ret = txt_bad(t, name, line, "IOMMU group number unreadable");
				goto out;
			}
			cur->group = (int)g;
		} else if (!strncmp(l, "\tSubsystem: ", 12)) {
			txt_ids(l, n, &cur->info.subsys_vendor, &cur->info.subsys_device);
		} else if (!strncmp(l, "\tBus: primary=", 14)) {
			unsigned int pri, sec, sub;
			char tmp[96];

			memcpy(tmp, l, iu_min(n, sizeof(tmp) - 1));
			tmp[iu_min(n, sizeof(tmp) - 1)] = 0;
			if (sscanf(tmp, "\tBus: primary=%x, secondary=%x, subordinate=%x",
				   &pri, &sec, &sub) != 3 || sec > 0xff || sub > 0xff) {
				ret = txt_bad(t, name, line, "bridge bus numbers unreadable");
				goto out;
			}
			cur->info.secondary = (uint8_t)sec;
			cur->info.subordinate = (uint8_t)sub;
			if (!cur->info.header_type)
				cur->info.header_type = 1;
		} else if (!strncmp(l, "\tCapabilities: <access denied>", 30)) {
			cur->info.acs_unknown = true;
			denied = true;
		} else if (!strncmp(l, "\tCapabilities: [", 16)) {
			p = memchr(l, ']', n);
			if (p && (size_t)(p - l) + 2 < n) {
				const char *cap = p + 2;
				size_t cn = n - (size_t)(cap - l);

				if (cn >= 7 && !memcmp(cap, "Express", 7))
					cur->info.pcie_type = txt_port_type(cap, cn);
				if (txt_find(cap, cn, "Access Control Services")) {
					cur->info.has_acs = true;
					in_acs = true;
				}
			}
		} else if (in_acs && (p = txt_find(l, n, "ACSCap:"))) {
			cur->info.acs_cap = txt_acs_bits(p, n - (size_t)(p - l));
		} else if (in_acs && (p = txt_find(l, n, "ACSCtl:"))) {
			cur->info.acs_ctrl = txt_acs_bits(p, n - (size_t)(p - l));
		}
	}
	if (!nf) {
		ret = txt_bad(t, name, line, "no devices");
		goto out;
	}
	/* Header type's multifunction bit is not printed: a slot with more
	 * than one function present is multifunction. */
	for (size_t i = 0; i < nf; i++)
		for (size_t j = 0; j < nf; j++)
			if (i != j && fns[i].info.segment == fns[j].info.segment &&
			    fns[i].info.bus == fns[j].info.bus &&
			    IOMMU_PCI_SLOT(fns[i].info.devfn) == IOMMU_PCI_SLOT(fns[j].info.devfn))
				fns[i].info.multifunction = true;
	for (size_t i = 0; i < nf; i++) {
		int k = fw_add_pci(t, &fns[i].info, NULL, 0, fns[i].group, name);

		if (k < 0) {
			ret = k;
			goto out;
		}
	}
	if (denied) {
		t->caps_unknown = true;
		if (fw_diag(t, IOMMU_TOPO_WARNING, "PCI_CAPS_DENIED", name,
			    "lspci ran without root (\"Capabilities: <access denied>\"): "
			    "port types and ACS are unknown, so the groups are a guess"))
			ret = -ENOMEM;
	}
out:
	iu_free(fns);
	return ret;
}
