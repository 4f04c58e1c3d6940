#include "jmap/types.h"
#include "jmap/mailbox.h"

const struct jmap_type *const jmap_types[] = {
	&jmap_mailbox_type,
	NULL,
};
