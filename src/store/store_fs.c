/* Directory helpers for the store's files. */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/store_private.h"

static int store_fs_mkdir_one(const char *path, const char **error_r)
{
	struct stat st;

	if (mkdir(path, STORE_DIR_MODE) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	*error_r = store_fail(STORE_ERR_INTERNAL, "mkdir",
			      err_fmt("%s: %s", path, strerror(errno)));
	return -1;
}

int store_fs_mkdirs(const char *path, const char **error_r)
{
	char *copy = xstrdup(path);
	int ret = 0;

	for (char *p = copy + 1; *p != '\0' && ret == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		ret = store_fs_mkdir_one(copy, error_r);
		*p = '/';
	}
	if (ret == 0)
		ret = store_fs_mkdir_one(copy, error_r);
	free(copy);
	return ret;
}

int store_fs_fsync_dir(const char *path, const char **error_r)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0 || fsync(fd) < 0) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "fsync",
				      err_fmt("%s: %s", path, strerror(errno)));
		ret = -1;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

int store_fs_mkdir_durable(const char *parent, const char *dir, const char **error_r)
{
	if (mkdir(dir, STORE_DIR_MODE) < 0) {
		if (errno == EEXIST)
			return 0;
		*error_r = store_fail(STORE_ERR_INTERNAL, "mkdir",
				      err_fmt("%s: %s", dir, strerror(errno)));
		return -1;
	}
	return store_fs_fsync_dir(parent, error_r);
}

static int store_fs_remove_entry(const char *path, const struct stat *st, int flag,
				 struct FTW *ftw)
{
	if (remove(path) < 0 && errno != ENOENT) {
		log_error("store.remove", "path=%s error=%s", log_q(path), log_q(strerror(errno)));
		return -1;
	}
	return 0;
}

int store_fs_remove_tree(const char *path)
{
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	return nftw(path, store_fs_remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}
