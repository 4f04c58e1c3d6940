/* The SMTP gateway's parts, started and stopped in dependency order:
 * resolver, delivery, outbound senders, then the server protocol. */
#include <stdlib.h>

#include "core/xalloc.h"
#include "dns/dns.h"
#include "gateways/smtp/smtp.h"
#include "gateways/smtp/smtp_deliver.h"
#include "gateways/smtp/smtp_outbound.h"
#include "gateways/smtp/smtp_server.h"

struct smtp_gateway {
	struct dns *dns;
	struct smtp_deliver *deliver;
	struct smtp_outbound *outbound;
	struct net_protocol *protocol;
};

int smtp_gateway_new(struct jmap_server *jmap, struct directory *dir, const struct config *cfg,
		     struct smtp_gateway **gw_r, const char **error_r)
{
	struct smtp_gateway *gw = xcalloc(1, sizeof(*gw));

	*gw_r = gw;
	if (dns_open(cfg, &gw->dns, error_r) < 0)
		return -1;
	gw->deliver = smtp_deliver_new(jmap, dir, gw->dns, cfg);
	if (smtp_outbound_start(jmap, dir, gw->dns, gw->deliver, cfg, &gw->outbound,
				error_r) < 0)
		return -1;
	gw->protocol = smtp_protocol_new(dir, gw->deliver, cfg);
	return 0;
}

const struct net_protocol *smtp_gateway_protocol(struct smtp_gateway *gw)
{
	return gw->protocol;
}

void smtp_gateway_free(struct smtp_gateway **gwp)
{
	struct smtp_gateway *gw = *gwp;

	if (gw == NULL)
		return;
	smtp_protocol_free(&gw->protocol);
	if (gw->outbound != NULL)
		smtp_outbound_stop(&gw->outbound);
	if (gw->deliver != NULL)
		smtp_deliver_free(&gw->deliver);
	if (gw->dns != NULL)
		dns_close(&gw->dns);
	free(gw);
	*gwp = NULL;
}
