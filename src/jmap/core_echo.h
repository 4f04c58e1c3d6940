#ifndef TERN_JMAP_CORE_ECHO_H
#define TERN_JMAP_CORE_ECHO_H

#include "jmap/call.h"

/* Core/echo (RFC 8620 §4): answers with its own arguments. */
int jmap_core_echo(struct jmap_call *call);

#endif
