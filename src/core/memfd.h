#ifndef TERN_CORE_MEMFD_H
#define TERN_CORE_MEMFD_H

#include <stddef.h>

/* An anonymous in-memory file holding a copy of data, positioned at its
 * start, for readers that take a file descriptor (sendfile, streamed
 * responses). Returns the fd (the caller closes it), or -1 with errno. */
int memfd_from_data(const char *name, const void *data, size_t len);

#endif
