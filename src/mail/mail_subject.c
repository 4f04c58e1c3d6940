/* The base subject of RFC 5256 §2.1, which threading compares: reply
 * and forward markers, list tags and "(fwd)" trailers removed, white
 * space collapsed, then lowercased. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "mail/mail_private.h"

/* Longer subjects compare on their start; it also bounds step 6. */
#define SUBJECT_MAX_CHARS 1024

static size_t subject_skip_wsp(const char *s, size_t i)
{
	while (s[i] == ' ')
		i++;
	return i;
}

/* The end of a subj-blob ("[" *BLOBCHAR "]" *WSP) at s[i], or i. */
static size_t subject_blob(const char *s, size_t i)
{
	size_t j = i + 1;

	if (s[i] != '[')
		return i;
	while (s[j] != '\0' && s[j] != '[' && s[j] != ']')
		j++;
	if (s[j] != ']')
		return i;
	return subject_skip_wsp(s, j + 1);
}

/* The end of a subj-refwd ("re" / "fw" ["d"]) *WSP [subj-blob] ":" at
 * s[i], or i. */
static size_t subject_refwd(const char *s, size_t i)
{
	size_t j;

	if (strncasecmp(s + i, "re", 2) == 0)
		j = i + 2;
	else if (strncasecmp(s + i, "fwd", 3) == 0)
		j = i + 3;
	else if (strncasecmp(s + i, "fw", 2) == 0)
		j = i + 2;
	else
		return i;
	j = subject_blob(s, subject_skip_wsp(s, j));
	return s[j] == ':' ? j + 1 : i;
}

/* Step 2: removes trailing "(fwd)" and white space. */
static void subject_strip_trailer(char *s)
{
	size_t len = strlen(s);

	for (;;) {
		while (len > 0 && s[len - 1] == ' ')
			len--;
		if (len >= 5 && strncasecmp(s + len - 5, "(fwd)", 5) == 0)
			len -= 5;
		else
			break;
	}
	s[len] = '\0';
}

/* Steps 3 to 5 on s from i; returns where the base subject starts.
 * A run of blobs is scanned once: followed by a subj-refwd it is part
 * of the leader (step 3); otherwise step 4 removes its blobs while
 * something is left after them. */
static size_t subject_strip_leaders(const char *s, size_t i)
{
	for (;;) {
		size_t j = i, last = i, next, end;

		if (s[i] == ' ') {
			i = subject_skip_wsp(s, i);
			continue;
		}
		while ((next = subject_blob(s, j)) != j) {
			last = j;
			j = next;
		}
		end = subject_refwd(s, j);
		if (end != j) {
			i = end;
			continue;
		}
		return s[j] != '\0' ? j : last;
	}
}

/* Steps 2 to 6 on the collapsed subject s (modified in place); returns
 * where the base subject starts in s. */
static char *subject_base(char *s)
{
	for (;;) {
		size_t len;

		subject_strip_trailer(s);
		s += subject_strip_leaders(s, 0);
		len = strlen(s);
		/* Step 6: "[fwd:" subject "]" unwraps and starts over. */
		if (len < 6 || strncasecmp(s, "[fwd:", 5) != 0 || s[len - 1] != ']')
			return s;
		s[len - 1] = '\0';
		s += 5;
	}
}

char *mail_thread_subject(const char *subject)
{
	char *collapsed = mail_utf8_collapse(subject, SUBJECT_MAX_CHARS);
	char *lower = g_utf8_strdown(subject_base(collapsed), -1);
	char *result = xstrdup(lower);

	g_free(lower);
	free(collapsed);
	return result;
}
