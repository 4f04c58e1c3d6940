/* JSContact <-> vCard: whole cards, and the edit of an existing vCard
 * that rewrites only the lines of what changed. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "jmap/jscontact.h"
#include "jmap/jscontact_private.h"

json_object *jscontact_from_vcard(const struct vcard *card)
{
	json_object *slots, *out = jscontact_read(card, &slots);

	json_object_put(slots);
	return out;
}

static int jsc_frame_check(json_object *card, const char **bad_prop_r)
{
	json_object *v;

	if (json_object_object_get_ex(card, "@type", &v) && v != NULL &&
	    (!json_object_is_type(v, json_type_string) ||
	     strcmp(json_object_get_string(v), "Card") != 0)) {
		*bad_prop_r = "@type";
		return -1;
	}
	if (json_object_object_get_ex(card, "version", &v) && v != NULL &&
	    (!json_object_is_type(v, json_type_string) ||
	     strcmp(json_object_get_string(v), "1.0") != 0)) {
		*bad_prop_r = "version";
		return -1;
	}
	return 0;
}

static int jsc_write_slots(struct jsc_writer *w, json_object *card, json_object *slots,
			   json_object *skip, json_object *written)
{
	size_t n = json_object_array_length(slots);

	for (size_t i = 0; i < n; i++) {
		const char *slot = json_object_get_string(json_object_array_get_idx(slots, i));

		if (skip != NULL && (json_object_object_get_ex(skip, slot, NULL) ||
				     json_object_object_get_ex(written, slot, NULL)))
			continue;
		w->group = NULL;
		if (jscontact_write_slot(w, card, slot) < 0)
			return -1;
	}
	return 0;
}

static int jsc_finish(struct jsc_writer *w, int ret, char **text_r, size_t *len_r,
		      const char **bad_prop_r)
{
	strbuf_free(&w->line);
	if (ret < 0) {
		*bad_prop_r = err_fmt("%s", w->bad != NULL ? w->bad : "card");
		strbuf_free(w->out);
		return -1;
	}
	strbuf_puts(w->out, "END:VCARD\r\n");
	*len_r = w->out->len;
	*text_r = strbuf_steal(w->out);
	return 0;
}

int jscontact_to_vcard(json_object *card, char **text_r, size_t *len_r,
		       const char **bad_prop_r)
{
	struct strbuf out = { 0 };
	struct jsc_writer w = { .version = VCARD_VERSION_4, .out = &out, .card = card };
	json_object *slots;
	int ret;

	if (jsc_frame_check(card, bad_prop_r) < 0)
		return -1;
	strbuf_puts(&out, "BEGIN:VCARD\r\nVERSION:4.0\r\n");
	slots = jscontact_card_slots(card);
	ret = jsc_write_slots(&w, card, slots, NULL, NULL);
	ret = jsc_finish(&w, ret, text_r, len_r, bad_prop_r);
	json_object_put(slots);
	return ret;
}

/* ---- editing an existing vCard ---- */

struct jsc_merge {
	const struct vcard *old;
	json_object *old_card, *card;
	json_object *line_slots;	/* per old line: null or its slots */
	json_object *seen;		/* slot -> null: made by an old line */
	json_object *dirty;		/* slot -> null: to write again */
	json_object *written;		/* slot -> null: written already */
	bool *line_dirty;
};

static json_object *jsc_line_slots(const struct jsc_merge *m, size_t i)
{
	return json_object_array_get_idx(m->line_slots, i);
}

static void jsc_merge_compare(struct jsc_merge *m)
{
	for (size_t i = 0; i < m->old->prop_count; i++) {
		json_object *slots = jsc_line_slots(m, i);
		size_t n = slots != NULL ? json_object_array_length(slots) : 0;

		for (size_t k = 0; k < n; k++) {
			const char *slot = json_object_get_string(json_object_array_get_idx(slots, k));

			json_object_object_add(m->seen, slot, NULL);
			if (!json_object_equal(jscontact_slot_value(m->old_card, slot),
					       jscontact_slot_value(m->card, slot)))
				json_object_object_add(m->dirty, slot, NULL);
		}
	}
}

static bool jsc_line_touches_dirty(const struct jsc_merge *m, json_object *slots)
{
	size_t n = json_object_array_length(slots);

	for (size_t k = 0; k < n; k++) {
		if (json_object_object_get_ex(m->dirty, json_object_get_string(
			json_object_array_get_idx(slots, k)), NULL))
			return true;
	}
	return false;
}

/* A line that made a dirty slot is rewritten, so every other slot it
 * made is rewritten too, and so on: lines and slots close over. */
static void jsc_merge_close(struct jsc_merge *m)
{
	bool changed = true;

	while (changed) {
		changed = false;
		for (size_t i = 0; i < m->old->prop_count; i++) {
			json_object *slots = jsc_line_slots(m, i);

			if (slots == NULL || m->line_dirty[i] || !jsc_line_touches_dirty(m, slots))
				continue;
			m->line_dirty[i] = true;
			changed = true;
			for (size_t k = 0; k < json_object_array_length(slots); k++)
				json_object_object_add(m->dirty, json_object_get_string(
					json_object_array_get_idx(slots, k)), NULL);
		}
	}
}

static int jsc_merge_line(struct jsc_merge *m, struct jsc_writer *w, size_t i)
{
	const struct vcard_prop *p = &m->old->props[i];
	json_object *slots = jsc_line_slots(m, i);

	if (!m->line_dirty[i]) {
		strbuf_append(w->out, m->old->text + p->raw_offset, p->raw_len);
		return 0;
	}
	for (size_t k = 0; k < json_object_array_length(slots); k++) {
		const char *slot = json_object_get_string(json_object_array_get_idx(slots, k));

		if (json_object_object_get_ex(m->written, slot, NULL))
			continue;
		json_object_object_add(m->written, slot, NULL);
		w->group = p->group;
		if (jscontact_write_slot(w, m->card, slot) < 0)
			return -1;
	}
	return 0;
}

/* New groups must not meet the card's own itemN groups. */
static unsigned jsc_max_item_group(const struct vcard *card)
{
	unsigned max = 0;

	for (size_t i = 0; i < card->prop_count; i++) {
		const char *g = card->props[i].group;

		if (g != NULL && strncasecmp(g, "item", 4) == 0) {
			unsigned n = (unsigned)strtoul(g + 4, NULL, 10);

			if (n > max && n < 1000000)
				max = n;
		}
	}
	return max;
}

static int jsc_merge_run(struct jsc_merge *m, struct jsc_writer *w)
{
	json_object *slots;
	int ret = 0;

	jsc_merge_compare(m);
	jsc_merge_close(m);
	strbuf_puts(w->out, "BEGIN:VCARD\r\n");
	for (size_t i = 0; i < m->old->prop_count && ret == 0; i++)
		ret = jsc_merge_line(m, w, i);
	if (ret < 0)
		return -1;
	slots = jscontact_card_slots(m->card);
	ret = jsc_write_slots(w, m->card, slots, m->seen, m->written);
	json_object_put(slots);
	return ret;
}

int jscontact_update_vcard(const struct vcard *old, json_object *card, char **text_r,
			   size_t *len_r, const char **bad_prop_r)
{
	struct strbuf out = { 0 };
	struct jsc_writer w = {
		.version = old->version, .out = &out, .card = card,
		.next_group = jsc_max_item_group(old),
	};
	struct jsc_merge m = {
		.old = old, .card = card,
		.seen = json_object_new_object(),
		.dirty = json_object_new_object(),
		.written = json_object_new_object(),
		.line_dirty = xcalloc(old->prop_count + 1, sizeof(bool)),
	};
	int ret = -1;

	if (jsc_frame_check(card, bad_prop_r) == 0) {
		m.old_card = jscontact_read(old, &m.line_slots);
		ret = jsc_finish(&w, jsc_merge_run(&m, &w), text_r, len_r, bad_prop_r);
	}
	json_object_put(m.old_card);
	json_object_put(m.line_slots);
	json_object_put(m.seen);
	json_object_put(m.dirty);
	json_object_put(m.written);
	free(m.line_dirty);
	return ret;
}
