#ifndef TERN_IMAP_SEARCH_H
#define TERN_IMAP_SEARCH_H

#include "gateways/imap/imap_msgcmd.h"

/* A parsed search program, shared by its parser
 * (imap_search_program.c) and its evaluation (imap_search_eval.c). */

enum search_node_kind {
	NODE_AND, NODE_OR, NODE_NOT,
	NODE_ALL, NODE_NONE,
	NODE_KEYWORD,		/* text: a lowercase JMAP keyword */
	NODE_SEQSET, NODE_UIDSET,
	NODE_MODSEQ,
	NODE_JMAP,		/* cond: a FilterCondition */
};

struct search_node {
	enum search_node_kind kind;
	char *text;		/* NODE_KEYWORD, NODE_SEQSET, NODE_UIDSET ("$": the
				 * saved result) */
	uint64_t modseq;
	json_object *cond;
	struct search_node **children;
	size_t count;
};

struct imap_search {
	struct search_node *root;	/* NODE_AND of the top-level keys */
	bool modseq;
	unsigned nodes;
};

/* Frees node and its children; NULL is fine. */
void imap_search_node_free(struct search_node *node);

#endif
