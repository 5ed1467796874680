// SPDX-License-Identifier: MIT
/*
 * The policy registry: the built-ins in an explicit array (no constructor
 * self-registration: the linker would drop an unreferenced policy), loaded
 * modules after them, a check of every entry, and the one place a policy is
 * run, so every plan is finished and validated whoever wrote the policy.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"
#include "barbench/policy.h"

static const struct bb_policy_ops *const builtins[] = {
	&bb_policy_full,
	&bb_policy_holes,
	&bb_policy_sparse,
	&bb_policy_merged,
	&bb_policy_trap,
	&bb_policy_budget,
};

void bb_registry_init(struct bb_registry *reg)
{
	memset(reg, 0, sizeof(*reg));
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		reg->ops[reg->n++] = builtins[i];
}

void bb_registry_free(struct bb_registry *reg)
{
	if (!reg)
		return;
	for (unsigned i = 0; i < reg->nr_handles; i++) {
		dlclose(reg->handles[i]);
		close(reg->fds[i]);
	}
	memset(reg, 0, sizeof(*reg));
}

const struct bb_policy_ops *bb_registry_find(const struct bb_registry *reg, const char *name)
{
	for (unsigned i = 0; i < reg->n; i++)
		if (!strcmp(reg->ops[i]->name, name))
			return reg->ops[i];
	return NULL;
}

static bool valid_name(const char *s)
{
	if (!s || !*s || strlen(s) >= 32)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

int bb_policy_check(const struct bb_policy_ops *ops, const char *where, struct bb_diag *d)
{
	if (!ops)
		return bb_diag_set(d, -EINVAL, "%s: no policy ops", where);
	if (ops->abi != BB_POLICY_ABI)
		return bb_diag_set(d, -EINVAL, "%s: policy ABI %" PRIu32 ", barbench speaks %u",
				   where, ops->abi, BB_POLICY_ABI);
	if (!valid_name(ops->name))
		return bb_diag_set(d, -EINVAL, "%s: policy name must match [a-z0-9-]{1,31}", where);
	if (!ops->summary || !*ops->summary || strchr(ops->summary, '\n'))
		return bb_diag_set(d, -EINVAL, "%s: policy %s: summary must be one non-empty line",
				   where, ops->name);
	if (!ops->plan)
		return bb_diag_set(d, -EINVAL, "%s: policy %s: no plan callback", where, ops->name);
	if (ops->flags & ~BB_POLICY_EXPOSES_MUST_TRAP)
		return bb_diag_set(d, -EINVAL, "%s: policy %s: unknown flags 0x%" PRIx32, where, ops->name,
				   ops->flags);
	for (unsigned i = 0; ops->params && ops->params[i]; i++) {
		const char *eq = strchr(ops->params[i], '=');

		if (i >= BB_POLICY_MAX_PARAMS || !eq || eq == ops->params[i])
			return bb_diag_set(d, -EINVAL, "%s: policy %s: parameter %u must read \"key=description\""
					   " (at most %d)", where, ops->name, i, BB_POLICY_MAX_PARAMS);
	}
	return 0;
}

int bb_registry_load(struct bb_registry *reg, const char *path, struct bb_diag *d)
{
	const struct bb_policy_ops *ops;
	const uint32_t *abi;
	char here[4096];
	struct stat st;
	void *h;
	int fd, err = 0;

	if (reg->n >= BB_REGISTRY_MAX || reg->nr_handles >= BB_REGISTRY_MAX)
		return bb_diag_set(d, -ENOSPC, "%s: too many policies", path);
	/*
	 * A name without '/' is a file in the current folder, as every file
	 * argument is: dlopen would search the library path for it, loading
	 * (and running the constructors of) another file than the one named.
	 * The file is opened once, checked through that descriptor and loaded
	 * through /proc/self/fd/N, so the file checked is the file loaded: a
	 * regular file owned by us or by root and writable by no other user
	 * (what ssh asks of a key: a plugin another user can write is that
	 * user's code running as us, as root where barbench drives VFIO).
	 */
	if (!strchr(path, '/') && snprintf(here, sizeof(here), "./%s", path) >= (int)sizeof(here))
		return bb_diag_set(d, -ENAMETOOLONG, "%s: name too long", path);
	fd = open(strchr(path, '/') ? path : here, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return bb_diag_set(d, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		err = bb_diag_set(d, -EINVAL, "%s: not a regular file", path);
	else if (st.st_uid != geteuid() && st.st_uid != 0)
		err = bb_diag_set(d, -EPERM, "%s: owned by uid %u, not by this user or root: not loaded", path,
				  (unsigned)st.st_uid);
	else if (st.st_mode & S_IWOTH)
		err = bb_diag_set(d, -EPERM, "%s: writable by every user (mode %03o): not loaded", path,
				  (unsigned)(st.st_mode & 0777));
	if (err) {
		close(fd);
		return err;
	}
	/* the descriptor stays open while the plugin is loaded: dlopen knows a loaded file by its name, and a
	 * later plugin given the same /proc/self/fd/N would be handed this one */
	snprintf(here, sizeof(here), "/proc/self/fd/%d", fd);
	h = dlopen(here, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		err = bb_diag_set(d, -ENOENT, "%s: %s", path, dlerror());
		close(fd);
		return err;
	}
	abi = dlsym(h, "bb_policy_abi");
	if (!abi)
		err = bb_diag_set(d, -EINVAL, "%s: no bb_policy_abi symbol: not a barbench policy", path);
	else if (*abi != BB_POLICY_ABI)
		err = bb_diag_set(d, -EINVAL, "%s: built for policy ABI %" PRIu32 ", barbench speaks %u",
				  path, *abi, BB_POLICY_ABI);
	ops = err ? NULL : dlsym(h, "bb_policy");
	if (!err)
		err = bb_policy_check(ops, path, d);
	if (!err && bb_registry_find(reg, ops->name))
		err = bb_diag_set(d, -EEXIST, "%s: a policy named %s is already registered", path, ops->name);
	if (err) {
		dlclose(h);
		close(fd);
		return err;
	}
	reg->fds[reg->nr_handles] = fd;
	reg->handles[reg->nr_handles++] = h;
	reg->ops[reg->n++] = ops;
	return 0;
}

const char *bb_policy_param(const struct bb_policy_ctx *ctx, const char *key)
{
	for (unsigned i = 0; i < ctx->nr_params; i++)
		if (!strcmp(ctx->params[i].key, key))
			return ctx->params[i].value;
	return NULL;
}

int bb_policy_param_u64(const struct bb_policy_ctx *ctx, const char *key, uint64_t def,
			uint64_t *out, struct bb_diag *d)
{
	const char *v = bb_policy_param(ctx, key);

	*out = def;
	if (!v)
		return 0;
	if (bb_parse_u64(v, out))
		return bb_diag_set(d, -EINVAL, "parameter %s=%s: not a number", key, v);
	return 0;
}

bool bb_policy_takes(const struct bb_policy_ops *ops, const char *key)
{
	size_t kl = strlen(key);

	for (unsigned i = 0; ops->params && ops->params[i]; i++)
		if (!strncmp(ops->params[i], key, kl) && ops->params[i][kl] == '=')
			return true;
	return false;
}

unsigned bb_params_for(const struct bb_policy_ops *ops, const struct bb_param *all, unsigned n,
		       struct bb_param *out, char *txt, size_t txtlen)
{
	unsigned k = 0;

	if (txt && txtlen)
		txt[0] = '\0';
	for (unsigned i = 0; i < n && k < BB_POLICY_MAX_PARAMS; i++) {
		if (!bb_policy_takes(ops, all[i].key))
			continue;
		out[k++] = all[i];
		if (txt && txtlen > strlen(txt))
			snprintf(txt + strlen(txt), txtlen - strlen(txt), "%s%s=%s", k > 1 ? ";" : "", all[i].key,
				 all[i].value);
	}
	return k;
}

/* Do @a and @b describe the same region (every field and array)? */
static bool region_same(const struct bb_region *a, const struct bb_region *b)
{
	if (a->index != b->index || a->flags != b->flags || a->size != b->size || a->offset != b->offset ||
	    a->has_sparse != b->has_sparse || a->nr_areas != b->nr_areas || a->msix_mappable != b->msix_mappable ||
	    a->has_type != b->has_type || a->type != b->type || a->subtype != b->subtype ||
	    a->nr_unknown != b->nr_unknown)
		return false;
	if (a->nr_areas && (!a->areas || !b->areas || memcmp(a->areas, b->areas, a->nr_areas * sizeof(*a->areas))))
		return false;
	if (a->nr_unknown && (!a->unknown || !b->unknown ||
			      memcmp(a->unknown, b->unknown, a->nr_unknown * sizeof(*a->unknown))))
		return false;
	return true;
}

int bb_policy_run(const struct bb_policy_ops *ops, const struct bb_region *r,
		  const struct bb_policy_ctx *ctx, struct bb_plan *plan, struct bb_diag *d)
{
	struct bb_region copy;
	bool changed;
	int err;

	bb_plan_init(plan, ops->name, ctx->page_size, r->size);
	if (ctx->page_size < 4096 || (ctx->page_size & (ctx->page_size - 1)))
		return bb_diag_set(d, -EINVAL, "page size 0x%" PRIx64 ": must be a power of two >= 4 KiB",
				   ctx->page_size);
	for (unsigned i = 0; i < ctx->nr_params; i++)
		if (!bb_policy_takes(ops, ctx->params[i].key))
			return bb_diag_set(d, -EINVAL, "policy %s takes no parameter '%s'", ops->name,
					   ctx->params[i].key);
	/*
	 * A policy gets its own copy of the region: one that casts away const
	 * and changes what it was given is caught below, and cannot change
	 * what the validator and every later policy see.
	 */
	err = bb_region_copy(&copy, r);
	if (err)
		return bb_diag_set(d, err, "policy %s: out of memory", ops->name);
	bb_diag_clear(d);
	err = ops->plan(&copy, ctx, plan, d);
	changed = !region_same(&copy, r);
	bb_region_free(&copy);
	if (!err && changed)
		err = bb_diag_set(d, -EPROTO, "changed the region it was given (a policy only reads it)");
	if (err) {
		bb_plan_free(plan);
		if (err > 0 || err < -4095)	/* not an errno: a broken module */
			err = -EPROTO;
		if (d && !d->msg[0])
			bb_diag_set(d, err, "failed with \"%s\" and gave no reason", strerror(-err));
		if (err != -ENOMEM)
			bb_diag_prefix(d, "policy %s", ops->name);
		return err;
	}
	err = bb_plan_finish(plan, d);
	if (!err)
		err = bb_plan_validate(plan, r, ctx->must_trap, ctx->nr_must_trap,
				       ops->flags & BB_POLICY_EXPOSES_MUST_TRAP, d);
	if (err) {
		bb_plan_free(plan);
		/* a policy's broken plan is not the user's bad input */
		if (err == -EINVAL)
			err = -EPROTO;
	}
	return err;
}
