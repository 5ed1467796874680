// SPDX-License-Identifier: MIT
/*
 * The parts of the vfio backend that need no VFIO device: the spec, what
 * sysfs says about a PCI device (and the commands that would bind it to
 * vfio-pci), and the MSI-X capability of a config space image.
 *
 * sysfs facts (Documentation/ABI/testing/sysfs-bus-pci): devices/BDF/driver
 * links to the bound driver; iommu_group links to kernel/iommu_groups/N;
 * numa_node holds the node or -1; driver_override names the only driver
 * that may bind (since Linux 3.16); writing a BDF to drivers/X/unbind
 * releases it and to bus/pci/drivers_probe probes it again.  vfio-dev/vfioN
 * is the VFIO device's class device (/dev/vfio/devices/vfioN with iommufd).
 *
 * Config space (PCI Local Bus Specification 3.0, 6.7 and 6.8.2; constants
 * from <linux/pci_regs.h>): Status bit 4 says a capability list starts at
 * 0x34; each capability is {id, next}; MSI-X (id 0x11) holds Message
 * Control (table size - 1 in bits 10:0), then Table and PBA offset/BIR
 * dwords (BIR in bits 2:0).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <linux/pci_regs.h>

#include "pcicfg.h"
#include "vfio.h"

/* "xyz" hex digits at @s, 1 to @max of them; returns how many, 0 when none or too many. */
static unsigned hex_run(const char *s, unsigned max, unsigned long *v)
{
	unsigned n = 0;

	*v = 0;
	while (isxdigit((unsigned char)s[n])) {
		if (n == max)
			return 0;
		*v = *v * 16 + (unsigned long)(isdigit((unsigned char)s[n]) ? s[n] - '0' :
					      tolower((unsigned char)s[n]) - 'a' + 10);
		n++;
	}
	return n;
}

/* A UUID as 8-4-4-4-12 hex digits (RFC 4122, 3), @len bytes of it at @s. */
static bool uuid_ok(const char *s, size_t len)
{
	if (len != 36)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* One option of a BDF spec: its key (with the '='), the BB_BDF_ flag it needs (0: always), where it goes. */
struct bdf_opt {
	const char *key;
	unsigned need;
	size_t at, cap;		/* offsetof its field in struct bb_vfio_spec, and the field's size */
	bool uuid;		/* a UUID, kept in lower case; else a path */
};

static const struct bdf_opt bdf_opts[] = {
	{ "layout=", 0, offsetof(struct bb_vfio_spec, layout), sizeof(((struct bb_vfio_spec *)0)->layout), false },
	{ "sysfs=", BB_BDF_SYSFS, offsetof(struct bb_vfio_spec, sysfs), sizeof(((struct bb_vfio_spec *)0)->sysfs), false },
	{ "vf-token=", BB_BDF_VF_TOKEN, offsetof(struct bb_vfio_spec, vf_token),
	  sizeof(((struct bb_vfio_spec *)0)->vf_token), true },
};

/* Option @o's value, the @len bytes at @p (character @at of "@kind:@arg"), into @out; -errno with @d. */
static int bdf_opt_set(const struct bdf_opt *o, const char *kind, const char *arg, const char *p, size_t len,
		       size_t at, struct bb_vfio_spec *out, struct bb_diag *d)
{
	char *dst = (char *)out + o->at;
	size_t kl = strlen(o->key), vl = len - kl;

	if (!vl)
		return bb_diag_set(d, -EINVAL, "%s:%s: character %zu: %s wants a %s", kind, arg, at + kl - 1, o->key,
				   o->uuid ? "UUID" : "path");
	if (dst[0])
		return bb_diag_set(d, -EINVAL, "%s:%s: character %zu: %s given twice", kind, arg, at, o->key);
	if (o->uuid && !uuid_ok(p + kl, vl))
		return bb_diag_set(d, -EINVAL, "%s:%s: character %zu: %s wants a UUID, 8-4-4-4-12 hex digits", kind, arg,
				   at + kl, o->key);
	if (vl >= o->cap)
		return bb_diag_set(d, -ENAMETOOLONG, "%s:%s: character %zu: %.*s path longer than %zu bytes", kind, arg,
				   at + kl, (int)kl - 1, o->key, o->cap - 1);
	for (size_t i = 0; i < vl; i++)
		dst[i] = o->uuid ? (char)tolower((unsigned char)p[kl + i]) : p[kl + i];
	dst[vl] = '\0';
	return 0;
}

int bb_bdf_parse_spec(const char *kind, const char *arg, unsigned opts, struct bb_vfio_spec *out,
		      struct bb_diag *d)
{
	bool allow_sysfs = opts & BB_BDF_SYSFS;
	int err;
	size_t k0 = strlen(kind) + 2;	/* character positions count from 1, after "kind:" */
	unsigned long dom = 0, bus, dev, fn;
	const char *p = arg, *q = strchr(arg, '?');
	size_t blen = q ? (size_t)(q - arg) : strlen(arg);
	unsigned n, colons = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < blen; i++)
		colons += arg[i] == ':';
	if (!blen)
		return bb_diag_set(d, -EINVAL, "%s:%s: character %zu: want a PCI address (0000:3b:00.0)", kind, arg,
				   k0);
	if (colons == 2) {
		n = hex_run(p, 8, &dom);
		if (!n || p[n] != ':')
			return bb_diag_set(d, -EINVAL, "%s:%s: character %zu: want a PCI domain of 1 to 8 hex digits",
					   kind, arg, (size_t)(p - arg) + k0 + n);
		p += n + 1;
	} else if (colons != 1) {
		return bb_diag_set(d, -EINVAL, "%s:%s: character %zu: want a PCI address DOMAIN:BUS:DEVICE.FUNCTION "
				   "as lspci -D prints it (0000:3b:00.0)", kind, arg, k0);
	}
	n = hex_run(p, 2, &bus);
	if (!n || p[n] != ':')
		return bb_diag_set(d, -EINVAL, "%s:%s: character %zu: want a bus of 1 or 2 hex digits", kind, arg,
				   (size_t)(p - arg) + k0 + n);
	p += n + 1;
	n = hex_run(p, 2, &dev);
	if (!n || p[n] != '.' || dev > 0x1f)
		return bb_diag_set(d, -EINVAL, "%s:%s: character %zu: want a device number 00 to 1f, then '.'", kind, arg,
				   (size_t)(p - arg) + k0 + (n && dev > 0x1f ? 0 : n));
	p += n + 1;
	n = hex_run(p, 1, &fn);
	if (!n || fn > 7 || (size_t)(p + n - arg) != blen)
		return bb_diag_set(d, -EINVAL, "%s:%s: character %zu: want a function number 0 to 7 ending the address",
				   kind, arg, (size_t)(p - arg) + k0 + (n && fn <= 7 ? n : 0));
	snprintf(out->bdf, sizeof(out->bdf), "%04lx:%02lx:%02lx.%lx", dom, bus, dev, fn);
	if (!q)
		return 0;
	/* options: key=value, separated by '&'; a '?' ends nothing ("BDF?" then "&layout=" read as an empty option) */
	p = q + 1;
	if (!*p)
		return bb_diag_set(d, -EINVAL, "%s:%s: character %zu: no option after '?'", kind, arg,
				   (size_t)(p - arg) + k0);
	while (*p) {
		const char *e = strchr(p, '&');
		size_t len = e ? (size_t)(e - p) : strlen(p), at = (size_t)(p - arg) + k0;
		const struct bdf_opt *o = NULL;

		for (size_t k = 0; k < sizeof(bdf_opts) / sizeof(bdf_opts[0]) && !o; k++)
			if ((!bdf_opts[k].need || (opts & bdf_opts[k].need)) && len >= strlen(bdf_opts[k].key) &&
			    !strncmp(p, bdf_opts[k].key, strlen(bdf_opts[k].key)))
				o = &bdf_opts[k];
		if (!o)
			return bb_diag_set(d, -EINVAL, "%s:%s: character %zu: unknown option '%.*s' (layout=PATH%s%s; "
					   "writes are allowed with barbench run --allow-writes)", kind, arg, at, (int)len, p,
					   allow_sysfs ? ", sysfs=DIR" : "", (opts & BB_BDF_VF_TOKEN) ? ", vf-token=UUID" : "");
		if ((err = bdf_opt_set(o, kind, arg, p, len, at, out, d)))
			return err;
		p += len;
		if (*p == '&' && !*++p)
			return bb_diag_set(d, -EINVAL, "%s:%s: character %zu: empty option after '&'", kind, arg,
					   (size_t)(p - arg) + k0);
	}
	return 0;
}

int bb_vfio_parse_spec(const char *arg, struct bb_vfio_spec *out, struct bb_diag *d)
{
	return bb_bdf_parse_spec("vfio", arg, BB_BDF_VF_TOKEN, out, d);
}

/* The first line of a small sysfs file, without its newline; -errno. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		int err = ferror(f) ? -EIO : -ENODATA;

		fclose(f);
		return err;
	}
	fclose(f);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int read_ulong(const char *path, unsigned long *v, int base)
{
	char buf[64], *end;
	int err = read_line(path, buf, sizeof(buf));

	if (err)
		return err;
	errno = 0;
	*v = strtoul(buf, &end, base);
	return errno || end == buf || *end ? -EINVAL : 0;
}

/* The last path component a symlink points at; -errno. */
static int link_name(const char *path, char *buf, size_t len)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	const char *base;

	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

int bb_pci_physfn(const char *dir, char *pf, size_t len)
{
	char path[PATH_MAX + 16], target[PATH_MAX];
	struct bb_vfio_spec s;
	struct bb_diag d;
	const char *base;
	ssize_t n;

	pf[0] = '\0';
	snprintf(path, sizeof(path), "%s/physfn", dir);
	n = readlink(path, target, sizeof(target));
	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;	/* cut short: its last part is not the name */
	target[n] = '\0';
	base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	/* the name sysfs gives a device (pci_name: "%04x:%02x:%02x.%d"): a BDF spec, canonical (so no '?' after it) */
	if (bb_bdf_parse_spec("pci", base, 0, &s, &d) || strcmp(s.bdf, base) || strlen(base) >= len)
		return -EINVAL;
	snprintf(pf, len, "%s", base);
	return 0;
}

/*
 * VFIO_GROUP_GET_DEVICE_FD's -EACCES and -EINVAL where VF tokens are the
 * reason (drivers/vfio/pci/vfio_pci_core.c, vfio_pci_validate_vf_token): a
 * VF whose PF vfio-pci drives asks for the PF's token, which is random
 * (uuid_gen) until a user of the PF sets one, by
 * VFIO_DEVICE_FEATURE_PCI_VF_TOKEN or by opening the PF with one while no
 * VF is open; a PF whose VFs are open asks for the token they were given; a
 * token is refused for a device that is neither such a VF nor an SR-IOV PF.
 * SR-IOV PFs have sriov_totalvfs (Documentation/ABI/testing/sysfs-bus-pci).
 */
const char *bb_vfio_vf_token_hint(const char *sysfs, const struct bb_vfio_spec *spec, int err, char *buf, size_t len)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], pf[BB_BDF_LEN];
	bool token = spec->vf_token[0] != '\0';

	if (err != -EACCES && err != -EINVAL)
		return "";
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", sysfs, spec->bdf);
	if (bb_pci_physfn(dir, pf, sizeof(pf))) {
		snprintf(path, sizeof(path), "%s/sriov_totalvfs", dir);
		if (err == -EINVAL && token)
			snprintf(buf, len, " (vf-token= is for an SR-IOV PF or its VFs, and this is neither)");
		else if (err == -EACCES && token)
			snprintf(buf, len, " (vf-token= differs from the token this PF's open VFs were given)");
		else if (err == -EACCES && !access(path, F_OK))
			snprintf(buf, len, " (an SR-IOV PF whose VFs are open: vfio-pci asks for the VF token they were"
				 " given: add vf-token=UUID)");
		else
			return "";
		return buf;
	}
	if (err == -EINVAL && token)
		snprintf(buf, len, " (its PF %s is not vfio-pci's: drop vf-token=)", pf);
	else if (err == -EACCES)
		snprintf(buf, len, " (an SR-IOV VF whose PF %s vfio-pci drives: it asks for the PF's VF token%s;"
			 " a PF's user sets it, QEMU with vfio-pci,vf-token=UUID; with none, open the PF with one first,"
			 " barbench info 'vfio:%s?vf-token=UUID', then the VF with the same)", pf,
			 token ? ", and this is not it" : ": add vf-token=UUID", pf);
	else
		return "";
	return buf;
}

bool bb_vfio_is_vfio_driver(const char *driver)
{
	return driver && strstr(driver, "vfio") != NULL;
}

int bb_vfio_sysfs_probe(const char *sysfs, const char *bdf, struct bb_vfio_sysfs *out, struct bb_diag *d)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], name[64];
	unsigned long v;
	long node;
	DIR *dd;
	int err;

	memset(out, 0, sizeof(*out));
	out->group = out->numa_node = out->cdev = -1;
	snprintf(out->bdf, sizeof(out->bdf), "%s", bdf);
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", sysfs, bdf);
	if (access(dir, F_OK))
		return bb_diag_set(d, -ENODEV, "%s: no such PCI device (%s: %s); lspci -D lists them", bdf, dir,
				   strerror(errno));
	snprintf(path, sizeof(path), "%s/vendor", dir);
	if (!read_ulong(path, &v, 16))
		out->vendor = (uint16_t)v;
	snprintf(path, sizeof(path), "%s/device", dir);
	if (!read_ulong(path, &v, 16))
		out->device = (uint16_t)v;
	snprintf(path, sizeof(path), "%s/class", dir);
	if (!read_ulong(path, &v, 16))
		out->class_code = (uint32_t)v;
	snprintf(path, sizeof(path), "%s/numa_node", dir);
	{
		char buf[32], *end;

		if (!read_line(path, buf, sizeof(buf))) {
			node = strtol(buf, &end, 10);
			if (end != buf && !*end && node >= -1 && node < 65536)
				out->numa_node = (int)node;
		}
	}
	snprintf(path, sizeof(path), "%s/iommu_group", dir);
	if (!link_name(path, name, sizeof(name))) {
		char *end;
		long g = strtol(name, &end, 10);

		if (end != name && !*end && g >= 0 && g < INT_MAX)
			out->group = (int)g;
	}
	snprintf(path, sizeof(path), "%s/vfio-dev", dir);
	dd = opendir(path);
	if (dd) {
		struct dirent *e;

		while ((e = readdir(dd))) {
			char *end;
			long c;

			if (strncmp(e->d_name, "vfio", 4))
				continue;
			c = strtol(e->d_name + 4, &end, 10);
			if (end != e->d_name + 4 && !*end && c >= 0 && c < INT_MAX)
				out->cdev = (int)c;
		}
		closedir(dd);
	}
	snprintf(path, sizeof(path), "%s/driver", dir);
	err = link_name(path, out->driver, sizeof(out->driver));
	if (err && err != -ENOENT)
		return bb_diag_set(d, err, "%s: reading %s: %s", bdf, path, strerror(-err));
	if (err == -ENOENT)
		return bb_diag_set(d, -ENXIO, "%s is bound to no driver; to hand it to vfio-pci, as root: modprobe vfio-pci; "
				   "echo vfio-pci > %s/driver_override; echo %s > %s/bus/pci/drivers_probe",
				   bdf, dir, bdf, sysfs);
	if (!bb_vfio_is_vfio_driver(out->driver))
		return bb_diag_set(d, -EBUSY, "%s is bound to %s, not vfio-pci; to hand it to vfio-pci, as root: "
				   "modprobe vfio-pci; echo vfio-pci > %s/driver_override; echo %s > %s/driver/unbind; "
				   "echo %s > %s/bus/pci/drivers_probe",
				   bdf, out->driver, dir, bdf, dir, bdf, sysfs);
	if (out->group < 0)
		return bb_diag_set(d, -ENOENT, "%s: no IOMMU group (no %s/iommu_group): enable the IOMMU "
				   "(intel_iommu=on or amd_iommu=on, VT-d / AMD-Vi in the firmware)", bdf, dir);
	return 0;
}

/* @file (modules.dep or modules.builtin) names vfio-pci.ko (plain or compressed: .ko.xz, .ko.zst...). */
static bool lists_vfio_pci(const char *file)
{
	FILE *f = fopen(file, "re");
	char line[1024];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *m = strstr(line, "/vfio-pci.ko");

		/* "kernel/drivers/vfio/pci/vfio-pci.ko[.xz]:" in modules.dep, the path alone in modules.builtin */
		found = m && (m[12] == ':' || m[12] == '.' || m[12] == '\n' || !m[12]);
	}
	fclose(f);
	return found;
}

int bb_vfio_pci_driver(const char *sysfs, const char *modules, const char *release, struct bb_diag *d)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/bus/pci/drivers/vfio-pci", sysfs);
	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		return 1;
	snprintf(path, sizeof(path), "%s/%s/modules.builtin", modules, release);
	if (lists_vfio_pci(path))
		return 0;
	snprintf(path, sizeof(path), "%s/%s/modules.dep", modules, release);
	if (lists_vfio_pci(path))
		return 0;
	return bb_diag_set(d, -ENOENT, "this kernel (%s) has no vfio-pci driver: none registered in %s/bus/pci/drivers, "
			   "none built in or among its modules (%s/%s); VFIO needs a kernel with CONFIG_VFIO_PCI",
			   release, sysfs, modules, release);
}

static int cmp_bdf(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

int bb_vfio_list(const char *sysfs, char (*bdfs)[BB_BDF_LEN], unsigned max, unsigned *n, struct bb_diag *d)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], drv[64];
	struct dirent *e;
	DIR *dd;

	*n = 0;
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices", sysfs);
	dd = opendir(dir);
	if (!dd)
		return bb_diag_set(d, -ENOENT, "%s: %s (no PCI bus)", dir, strerror(errno));
	while ((e = readdir(dd))) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= BB_BDF_LEN)
			continue;
		snprintf(path, sizeof(path), "%s/%s/driver", dir, e->d_name);
		if (link_name(path, drv, sizeof(drv)) || !bb_vfio_is_vfio_driver(drv))
			continue;
		if (*n == max)
			break;
		snprintf(bdfs[(*n)++], BB_BDF_LEN, "%s", e->d_name);
	}
	closedir(dd);
	qsort(bdfs, *n, BB_BDF_LEN, cmp_bdf);
	return 0;
}

int bb_msix_parse_config(const uint8_t *cfg, size_t len, const char *name, struct bb_layout_msix *out,
			 unsigned *cap_at, struct bb_diag *d)
{
	bool seen[256 / 4] = { false };
	unsigned ptr, from = PCI_CAPABILITY_LIST;

	memset(out, 0, sizeof(*out));
	if (cap_at)
		*cap_at = 0;
	if (!name)
		name = "config";
	if (len < PCI_STD_HEADER_SIZEOF)
		return bb_diag_set(d, -EINVAL, "%s: byte 0: %zu bytes of config space, shorter than the %d-byte header",
				   name, len, PCI_STD_HEADER_SIZEOF);
	if (!(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))	/* bit 4: the low byte of the little-endian word */
		return 0;
	ptr = cfg[PCI_CAPABILITY_LIST] & ~3u;
	while (ptr) {
		unsigned id, next;

		if (ptr < PCI_STD_HEADER_SIZEOF)
			return bb_diag_set(d, -EINVAL, "%s: byte 0x%x: capability pointer 0x%x points into the %d-byte header",
					   name, from, ptr, PCI_STD_HEADER_SIZEOF);
		if (ptr + 2 > len)
			return bb_diag_set(d, -EINVAL, "%s: byte 0x%x: capability pointer 0x%x lies past the %zu bytes "
					   "of config space", name, from, ptr, len);
		if (seen[ptr / 4])
			return bb_diag_set(d, -EINVAL, "%s: byte 0x%x: capability pointer 0x%x was already visited: a loop",
					   name, from, ptr);
		seen[ptr / 4] = true;
		id = cfg[ptr + PCI_CAP_LIST_ID];
		next = cfg[ptr + PCI_CAP_LIST_NEXT] & ~3u;
		if (id == PCI_CAP_ID_MSIX) {
			struct bb_layout_msix m;

			if (ptr + PCI_CAP_MSIX_SIZEOF > len)
				return bb_diag_set(d, -EINVAL, "%s: byte 0x%x: the MSI-X capability needs %d bytes, "
						   "only %zu left", name, ptr, PCI_CAP_MSIX_SIZEOF, len - ptr);
			bb_pcicfg_msix_fields(cfg + ptr, &m);
			if (m.table_region > 5)
				return bb_diag_set(d, -EINVAL, "%s: byte 0x%x: MSI-X table BIR %" PRIu32 " is not a BAR (0 to 5)",
						   name, ptr + PCI_MSIX_TABLE, m.table_region);
			if (m.pba_region > 5)
				return bb_diag_set(d, -EINVAL, "%s: byte 0x%x: MSI-X PBA BIR %" PRIu32 " is not a BAR (0 to 5)",
						   name, ptr + PCI_MSIX_PBA, m.pba_region);
			*out = m;
			if (cap_at)
				*cap_at = ptr;
			return 0;
		}
		from = ptr + PCI_CAP_LIST_NEXT;
		ptr = next;
	}
	return 0;
}

int bb_real_layout(struct bb_dev *dev, const char *arg, const char *name, uint16_t vendor, uint16_t device,
		   const struct bb_layout_msix *msix, bool *given, struct bb_diag *d)
{
	struct bb_layout *l = &dev->layout;
	char path[512];
	int err;

	*given = false;
	if (!arg || !arg[0]) {
		memset(l, 0, sizeof(*l));
		snprintf(l->name, sizeof(l->name), "%s", name);
		snprintf(l->desc, sizeof(l->desc), "no layout given: only the MSI-X placement from config space; "
			 "nothing is safe to touch");
		l->msix = *msix;
		dev->has_layout = true;
		return 0;
	}
	if ((err = bb_layout_resolve(arg, path, sizeof(path), d))) {
		bb_diag_prefix(d, "%s", dev->spec);
		return err;
	}
	err = bb_layout_load(path, l, d);
	if (err)
		return err;
	dev->has_layout = true;
	*given = true;
	if (l->has_ids && (l->vendor != vendor || l->device != device))
		return bb_diag_set(d, -EINVAL, "%s: layout %s describes a %04x:%04x, the device is a %04x:%04x: "
				   "a layout for another device could call a side-effecting register safe", dev->spec,
				   path, l->vendor, l->device, vendor, device);
	/* msix placement=unknown: the device's config space says where (layouts/README.md) */
	if (l->msix.placement_unknown && msix->present && (!l->msix.vectors || l->msix.vectors == msix->vectors))
		l->msix = *msix;
	if (l->msix.present != msix->present ||
	    (l->msix.present && (l->msix.vectors != msix->vectors || l->msix.table_region != msix->table_region ||
				 l->msix.table_offset != msix->table_offset || l->msix.pba_region != msix->pba_region ||
				 l->msix.pba_offset != msix->pba_offset))) {
		char a[160], b[160];

		snprintf(a, sizeof(a), l->msix.present ? "%" PRIu32 " vectors, table BAR%" PRIu32 "+0x%" PRIx64
			 ", PBA BAR%" PRIu32 "+0x%" PRIx64 : l->msix.placement_unknown ?
			 "%" PRIu32 " vectors (0: unknown), placement unknown" : "no MSI-X", l->msix.vectors,
			 l->msix.table_region, l->msix.table_offset, l->msix.pba_region, l->msix.pba_offset);
		snprintf(b, sizeof(b), msix->present ? "%" PRIu32 " vectors, table BAR%" PRIu32 "+0x%" PRIx64
			 ", PBA BAR%" PRIu32 "+0x%" PRIx64 : "no MSI-X", msix->vectors, msix->table_region,
			 msix->table_offset, msix->pba_region, msix->pba_offset);
		return bb_diag_set(d, -EINVAL, "%s: layout %s says %s; the device's config space says %s", dev->spec,
				   path, a, b);
	}
	return 0;
}

