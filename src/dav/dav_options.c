/* OPTIONS (RFC 4918 §10.1, RFC 4791 §5.1, RFC 6352 §6.1, RFC 5689 §3):
 * the compliance classes, and the methods every DAV resource takes. */
#include "dav/dav_private.h"

void dav_method_options(struct dav_ctx *ctx)
{
	dav_add_header(ctx, "DAV", DAV_COMPLIANCE);
	dav_add_header(ctx, "Allow", DAV_ALLOW);
	dav_respond(ctx, 200);
}

void dav_respond_not_allowed(struct dav_ctx *ctx, const char *why)
{
	dav_add_header(ctx, "Allow", DAV_ALLOW);
	dav_respond_text(ctx, 405, why);
}
