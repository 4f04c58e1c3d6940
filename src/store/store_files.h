#ifndef TERN_STORE_FILES_H
#define TERN_STORE_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Plain files and folders of an account (the DAV file tree), in the
 * account database. A node has a parent (0: the account's file root)
 * and a name unique among its siblings; a file's content is a blob of
 * the account, which the node holds one reference on. Conventions as
 * store.h: writes run inside a write transaction; each changed node
 * takes its own modseq and change record (STORE_TYPE_DAV_FILE). */

struct store_file_node {
	uint64_t id;
	uint64_t parent_id;	/* 0 = the root */
	char *name;
	bool is_folder;
	char *blob_id;		/* files only; NULL for folders */
	char *type;		/* media type; NULL = none */
	uint64_t size;
	int64_t created_at;	/* unix seconds */
	int64_t updated_at;
	char *dead_props;	/* DAV dead properties as JSON text; NULL = none */
	uint64_t modseq;	/* of its latest change */
};

void store_file_node_clear(struct store_file_node *node);
void store_file_node_list_free(struct store_file_node **list, size_t count);

/* Fills *node_r (release with store_file_node_clear()). 1, 0 or -1. */
int store_file_node_get(struct store_account *acct, uint64_t id,
			struct store_file_node *node_r);
/* The nodes under parent_id (0: the root), ordered by id; with
 * name not NULL, only the one so named. Free with
 * store_file_node_list_free(). */
int store_file_node_children(struct store_account *acct, uint64_t parent_id, const char *name,
			     struct store_file_node **list_r, size_t *count_r,
			     const char **error_r);
/* Every node of the account, ordered by id. */
int store_file_node_list(struct store_account *acct, struct store_file_node **list_r,
			 size_t *count_r, const char **error_r);
/* Stores a new node (every field but id and modseq given) and takes a
 * reference on its blob. A name taken among the siblings fails with
 * STORE_ERR_EXISTS. Assigns id and modseq. */
int store_file_node_create(struct store_account *acct, struct store_file_node *node,
			   const char **error_r);
/* Replaces parent_id, name, blob_id, type, size, updated_at and
 * dead_props of node->id, moving the blob reference when the blob
 * changes; sets modseq. STORE_ERR_EXISTS as create. */
int store_file_node_update(struct store_account *acct, struct store_file_node *node,
			   const char **error_r);
/* Destroys the node and everything under it (each leaves a tombstone,
 * each file gives its blob reference back). STORE_ERR_NOT_FOUND if
 * there is no such node. */
int store_file_node_destroy(struct store_account *acct, uint64_t id, const char **error_r);

#endif
