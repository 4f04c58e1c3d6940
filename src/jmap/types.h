#ifndef TERN_JMAP_TYPES_H
#define TERN_JMAP_TYPES_H

#include "jmap/stdmethods.h"

/* Every JMAP object type the core serves, NULL-terminated. The method
 * table gives each one its five standard methods. */
extern const struct jmap_type *const jmap_types[];

#endif
