/* Byte ranges in the raw message that GMime does not hand back: the
 * raw content of message/rfc822 parts and of parts past the bounds.
 * The delimiter rule is GMime's, so both agree on where a part ends. */
#include <string.h>

#include "mail/mail_private.h"

static bool range_is_lwsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

bool mail_range_is_delimiter(const char *line, size_t len, const char *boundary)
{
	size_t blen = strlen(boundary);

	while (len > 0 && range_is_lwsp(line[len - 1]))
		len--;
	if (len < 2 + blen || line[0] != '-' || line[1] != '-' ||
	    memcmp(line + 2, boundary, blen) != 0)
		return false;
	return len == 2 + blen || (len == 4 + blen && line[len - 1] == '-' && line[len - 2] == '-');
}

/* Whether line is the close delimiter "--boundary--". */
static bool range_is_close_delimiter(const char *line, size_t len, const char *boundary)
{
	while (len > 0 && range_is_lwsp(line[len - 1]))
		len--;
	return len == strlen(boundary) + 4 && line[len - 1] == '-' && line[len - 2] == '-' &&
	       mail_range_is_delimiter(line, len, boundary);
}

static bool range_line_ends_content(const char *line, size_t len, const char *const *boundaries,
				    size_t boundary_count, const char *close)
{
	if (len < 2 || line[0] != '-' || line[1] != '-')
		return false;
	for (size_t i = 0; i < boundary_count; i++) {
		if (mail_range_is_delimiter(line, len, boundaries[i]))
			return true;
	}
	return close != NULL && range_is_close_delimiter(line, len, close);
}

size_t mail_range_content_end(const char *raw, size_t start, size_t limit,
			      const char *const *boundaries, size_t boundary_count,
			      const char *close)
{
	size_t pos = start;

	while (pos < limit) {
		const char *nl = memchr(raw + pos, '\n', limit - pos);
		size_t len = nl != NULL ? (size_t)(nl - (raw + pos)) : limit - pos;

		if (range_line_ends_content(raw + pos, len, boundaries, boundary_count, close)) {
			/* The newline before a delimiter belongs to it. */
			if (pos > start && raw[pos - 1] == '\n')
				pos--;
			if (pos > start && raw[pos - 1] == '\r')
				pos--;
			return pos;
		}
		pos += len + 1;
	}
	return limit;
}

size_t mail_range_header_end(const char *raw, size_t offset, size_t limit)
{
	size_t pos = offset;

	while (pos < limit) {
		const char *nl = memchr(raw + pos, '\n', limit - pos);

		if (nl == NULL)
			return limit;
		pos = (size_t)(nl - raw) + 1;
		if (pos < limit && raw[pos] == '\n')
			return pos + 1;
		if (pos + 1 < limit && raw[pos] == '\r' && raw[pos + 1] == '\n')
			return pos + 2;
	}
	return limit;
}
