// SPDX-License-Identifier: MIT
/*
 * lspci -xxx / -xxxx hex dumps, read back through libpci's "dump" access
 * method (what `lspci -F file` uses). The buffer goes to libpci through a
 * memfd. libpci's parser reports problems by calling a->error(), which must
 * not return: we validate the text first so that it never has reason to,
 * and keep a longjmp back-stop in case it does anyway.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <pci/pci.h>
#include "topo_priv.h"

#define HEX_MAX_LINE	1000	/* libpci reads lines into a 1 KiB buffer */

/* Address at the start of a line: [DDDD:]BB:DD.F followed by a space. */
static int hex_addr_len(const char *s, size_t n)
{
	size_t i = 0, colons = 0, digits = 0;

	for (; i < n && i < 16; i++) {
		char c = s[i];

		if (isxdigit((unsigned char)c)) {
			digits++;
		} else if (c == ':') {
			if (!digits)
				return 0;
			colons++;
			digits = 0;
		} else if (c == '.') {
			if (colons < 1 || colons > 2 || digits != 2 || i + 2 >= n ||
			    s[i + 1] < '0' || s[i + 1] > '7' || s[i + 2] != ' ')
				return 0;
			return (int)i + 2;
		} else {
			return 0;
		}
	}
	return 0;
}

/* "xx: " or "xxx: " offset prefix of a hex line. */
static int hex_line_len(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && i < 3 && isxdigit((unsigned char)s[i]))
		i++;
	if (i < 2 || i + 1 >= n || s[i] != ':' || s[i + 1] != ' ')
		return 0;
	return (int)i + 2;
}

bool fw_lspci_hex_sniff(const uint8_t *buf, size_t len)
{
	const char *s = (const char *)buf, *e = s + len, *nl;

	if (memchr(buf, 0, len))
		return false;
	while (s < e && (*s == '\n' || *s == '\r'))
		s++;
	nl = memchr(s, '\n', (size_t)(e - s));
	if (!nl || !hex_addr_len(s, (size_t)(nl - s)))
		return false;
	return e - nl > 4 && !memcmp(nl + 1, "00: ", 4);
}

/* Reject what libpci would choke on, naming the line. */
static int hex_validate(struct iommu_topo *t, const char *name, const char *s, size_t len,
			size_t *nfuncs)
{
	size_t line = 0, pos = 0;
	bool in_dev = false;
	const char *why = NULL;

	*nfuncs = 0;
	while (pos < len) {
		const char *l = s + pos, *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos;
		int k;

		line++;
		pos += n + 1;
		if (n && l[n - 1] == '\r')
			n--;
		if (n >= HEX_MAX_LINE) {
			why = "line too long for a hex dump";
			break;
		}
		if (!n) {
			in_dev = false;
			continue;
		}
		if (l[0] == '\t' || l[0] == ' ')
			continue;	/* lspci -v detail lines between dumps */
		if (hex_addr_len(l, n)) {
			in_dev = true;
			(*nfuncs)++;
			continue;
		}
		k = hex_line_len(l, n);
		if (!k) {
			why = "neither a device address line nor a hex line";
			break;
		}
		if (!in_dev) {
			why = "hex line outside a device";
			break;
		}
		if (strtoul(l, NULL, 16) >= 4096 || strtoul(l, NULL, 16) % 16) {
			why = "hex line offset is not a multiple of 16 below 4096";
			break;
		}
		for (size_t i = (size_t)k; i < n; i += 3) {
			if (i + 2 > n || !isxdigit((unsigned char)l[i]) ||
			    !isxdigit((unsigned char)l[i + 1]) || (i + 2 < n && l[i + 2] != ' ')) {
				why = "bad hex byte";
				break;
			}
		}
		if (why)
			break;
	}
	if (why) {
		const char *where = fw_printf(t, "%s:%zu", name, line);

		return !where || fw_diag(t, IOMMU_TOPO_ERROR, "LSPCI_MALFORMED", where,
					 "lspci hex dump: %s", why) ? -ENOMEM : -EINVAL;
	}
	if (!*nfuncs)
		return fw_diag(t, IOMMU_TOPO_ERROR, "LSPCI_MALFORMED", name,
			       "lspci hex dump without any device") ? -ENOMEM : -EINVAL;
	return 0;
}

static __thread jmp_buf *hex_jmp;
static __thread char hex_errmsg[160];

static void __attribute__((noreturn)) hex_error(char *msg, ...)
{
	va_list ap;

	/* libpci's messages are its own format strings. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	va_start(ap, msg);
	vsnprintf(hex_errmsg, sizeof(hex_errmsg), msg, ap);
	va_end(ap);
#pragma GCC diagnostic pop
	longjmp(*hex_jmp, 1);
}

static void hex_quiet(char *msg, ...)
{
	(void)msg;
}

struct hex_fn {
	struct iommu_pci_info info;
	uint8_t cfg[4096];
	size_t cfg_len;
};

static int hex_cmp(const void *a, const void *b)
{
	const struct iommu_pci_info *x = &((const struct hex_fn *)a)->info;
	const struct iommu_pci_info *y = &((const struct hex_fn *)b)->info;
	uint32_t kx = (uint32_t)x->segment << 16 | (uint32_t)x->bus << 8 | x->devfn;
	uint32_t ky = (uint32_t)y->segment << 16 | (uint32_t)y->bus << 8 | y->devfn;

	return kx < ky ? -1 : kx > ky;
}

int fw_lspci_hex_parse(struct iommu_topo *t, const char *name, const uint8_t *buf, size_t len)
{
	struct pci_access *volatile a = NULL;
	struct hex_fn *volatile fns = NULL;
	volatile size_t nf = 0;
	volatile int fd = -1;
	volatile size_t expect;
	size_t ex;
	char path[64];
	jmp_buf jb;
	int ret;

	ret = hex_validate(t, name, (const char *)buf, len, &ex);
	expect = ex;
	if (ret)
		return ret;
	fns = iu_calloc(expect, sizeof(*fns));
	if (!fns)
		return -ENOMEM;
	fd = memfd_create("lspci-dump", MFD_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	/* libpci insists on a final newline. */
	if (write(fd, buf, len) != (ssize_t)len ||
	    (len && buf[len - 1] != '\n' && write(fd, "\n", 1) != 1)) {
		ret = -EIO;
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	hex_jmp = &jb;
	if (setjmp(jb)) {
		/* libpci gave up inside; its state is not trustworthy, so we
		 * leave it allocated rather than risk a double free. */
		a = NULL;
		ret = fw_diag(t, IOMMU_TOPO_ERROR, "LSPCI_MALFORMED", name,
			      "libpci rejected the dump: %s", hex_errmsg) ? -ENOMEM : -EINVAL;
		goto out;
	}
	a = pci_alloc();
	if (!a) {
		ret = -ENOMEM;
		goto out;
	}
	a->error = hex_error;
	a->warning = hex_quiet;
	a->debug = hex_quiet;
	a->method = PCI_ACCESS_DUMP;
	if (pci_set_param(a, "dump.name", path)) {
		ret = -ENOSYS;
		goto out;
	}
	pci_init(a);
	pci_scan_bus(a);
	for (struct pci_dev *d = a->devices; d; d = d->next) {
		struct hex_fn *f;
		size_t got = 0;

		if (nf == expect)
			break;
		f = &fns[nf];
		while (got < sizeof(f->cfg) && pci_read_block(d, (int)got, f->cfg + got, 64))
			got += 64;
		if (got < 64)
			continue;
		f->cfg_len = got;
		f->info.segment = (uint16_t)d->domain;
		f->info.bus = d->bus;
		f->info.devfn = IOMMU_PCI_DEVFN(d->dev, d->func);
		fw_pci_decode_config(&f->info, f->cfg, got);
		nf++;
	}
	pci_cleanup(a);
	a = NULL;
	qsort(fns, nf, sizeof(*fns), hex_cmp);
	for (size_t i = 0; i < nf; i++) {
		int k = fw_add_pci(t, &fns[i].info, fns[i].cfg, fns[i].cfg_len, -1, name);

		if (k < 0) {
			ret = k;
			goto out;
		}
	}
	ret = 0;
out:
	hex_jmp = NULL;
	if (a)
		pci_cleanup(a);
	if (fd >= 0)
		close(fd);
	iu_free(fns);
	return ret;
}
