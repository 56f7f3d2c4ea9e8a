// SPDX-License-Identifier: MIT
/* Firmware nodes: named handles owned by the context, unique by name. */
#include "base_priv.h"

IOMMU_EXPORT int iommu_fwnode_new(struct iommu_ctx *ctx, const char *name,
				  struct iommu_fwnode **out)
{
	struct iommu_fwnode *fw;
	int ret = 0;

	if (!ctx || !name || !*name || !out)
		return -EINVAL;
	fw = iu_zalloc(sizeof(*fw));
	if (!fw)
		return -ENOMEM;
	fw->name = iu_strdup(name);
	if (!fw->name) {
		ret = -ENOMEM;
		goto err_free_fw;
	}
	fw->ctx = ctx;

	iu_mutex_lock(&ctx->lock);
	if (base_names_find(&ctx->fwnode_names, name)) {
		iu_mutex_unlock(&ctx->lock);
		ret = -EEXIST;
		goto err_free_name;
	}
	iu_list_add_tail(&fw->node, &ctx->fwnodes);
	base_names_add(&ctx->fwnode_names, &fw->hname, fw->name);
	iu_mutex_unlock(&ctx->lock);
	*out = fw;
	return 0;

err_free_name:
	iu_free(fw->name);
err_free_fw:
	iu_free(fw);
	return ret;
}

IOMMU_EXPORT struct iommu_fwnode *iommu_fwnode_find(struct iommu_ctx *ctx, const char *name)
{
	struct base_name *e;

	if (!ctx || !name)
		return NULL;
	iu_mutex_lock(&ctx->lock);
	e = base_names_find(&ctx->fwnode_names, name);
	iu_mutex_unlock(&ctx->lock);
	return e ? container_of(e, struct iommu_fwnode, hname) : NULL;
}

IOMMU_EXPORT const char *iommu_fwnode_name(const struct iommu_fwnode *fw)
{
	return fw ? fw->name : "";
}

/* At iommu_ctx_free(): no device refers to a node any more. */
void base_fwnodes_free(struct iommu_ctx *ctx)
{
	struct iommu_fwnode *fw, *n;

	iu_list_for_each_safe(fw, n, &ctx->fwnodes, node) {
		iu_list_del(&fw->node);
		base_names_del(&ctx->fwnode_names, &fw->hname);
		iu_free(fw->name);
		iu_free(fw);
	}
}
