/* Memory handed out as a file descriptor. */

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/memfd.h"

int memfd_from_data(const char *name, const void *data, size_t len)
{
	const char *p = data;
	int fd = memfd_create(name, MFD_CLOEXEC), saved;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		p += n;
		len -= (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) == 0)
		return fd;
fail:
	saved = errno != 0 ? errno : EIO;
	close(fd);
	errno = saved;
	return -1;
}
