/* Core/echo (RFC 8620 §4). */
#include "jmap/core_echo.h"

int jmap_core_echo(struct jmap_call *call)
{
	call->response = json_object_get(call->args);
	return 0;
}
