/* The vCard parser and writer, and the JSContact conversion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/strbuf.h"
#include "jmap/jscontact.h"
#include "jmap/vcard.h"

/* An Apple Contacts style vCard 3.0: groups with X-ABLabel, X-
 * properties, Apple's birthday without a year, an inline photo folded
 * over several lines. */
static const char apple_card[] =
	"BEGIN:VCARD\r\n"
	"VERSION:3.0\r\n"
	"PRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\n"
	"N:Appleseed;Johnny;Q.;Dr.;Jr.\r\n"
	"FN:Dr. Johnny Q. Appleseed Jr.\r\n"
	"NICKNAME:Johnny\r\n"
	"ORG:Apple Inc.;Engineering\r\n"
	"TITLE:Engineer\r\n"
	"item1.EMAIL;type=INTERNET;type=HOME;type=pref:johnny@example.com\r\n"
	"item1.X-ABLabel:_$!<Other>!$_\r\n"
	"EMAIL;type=INTERNET;type=WORK:jappleseed@apple.example\r\n"
	"TEL;type=CELL;type=VOICE;type=pref:+1 (408) 555-0100\r\n"
	"TEL;type=HOME;type=FAX:+1 408 555 0101\r\n"
	"item2.ADR;type=HOME;type=pref:;;1 Infinite Loop;Cupertino;CA;95014;United States\r\n"
	"item2.X-ABADR:us\r\n"
	"item3.URL;type=pref:https://www.example.com/johnny\r\n"
	"item3.X-ABLabel:_$!<HomePage>!$_\r\n"
	"item4.X-ABDATE;X-APPLE-OMIT-YEAR=1604:1604-06-15\r\n"
	"item4.X-ABLabel:_$!<Anniversary>!$_\r\n"
	"BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-01\r\n"
	"NOTE:Met at WWDC\\, 2019\\nSecond line\r\n"
	"X-SOCIALPROFILE;type=twitter;x-user=johnny:http://twitter.com/johnny\r\n"
	"IMPP;X-SERVICE-TYPE=Jabber;type=HOME;type=pref:xmpp:johnny@example.com\r\n"
	"X-ACTIVITY-ALERT:type=text\\,snd=<none>\r\n"
	"PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgK\r\n"
	" DBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAA\r\n"
	" BAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQ\r\n"
	" EAAD8AKp//2Q==\r\n"
	"UID:6A2B51B9-8C3F-4E69-9A0D-1F8D9E2C3A4B\r\n"
	"REV:2024-03-01T10:15:30Z\r\n"
	"X-IMAGETYPE:PHOTO\r\n"
	"END:VCARD\r\n";

/* vCard 4.0 with LF line ends, a fold inside a UTF-8 sequence, TEXT
 * escapes and RFC 6868 parameter escapes. */
static const char v4_card[] =
	"BEGIN:VCARD\n"
	"VERSION:4.0\n"
	"UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1\n"
	"KIND:individual\n"
	"FN:J\xc3\xb6rg M\xc3\xbcller\n"
	"N:M\xc3\xbcller;J\xc3\xb6rg;;;\n"
	"NOTE:A long note that is folded in the middle of a character: M\xc3\n"
	" \xbcller\\, and escapes\\; too\\\\ \\n done.\n"
	"EMAIL;TYPE=work;PREF=1:jorg@example.org\n"
	"TEL;VALUE=uri;TYPE=\"voice,cell\":tel:+49-30-1234567\n"
	"X-CUSTOM;X-PARAM=\"a ^'quoted^' value^nwith ^^caret\";OTHER=x,y:value\n"
	"END:VCARD\n";

static struct vcard *parse_ok(const char *text)
{
	struct vcard *card = NULL;
	const char *error = NULL;

	if (vcard_parse(text, strlen(text), NULL, &card, &error) < 0)
		fail_msg("parse failed: %s", error);
	return card;
}

static const struct vcard_prop *find_prop(const struct vcard *card, const char *name, int nth)
{
	for (size_t i = 0; i < card->prop_count; i++) {
		if (strcmp(card->props[i].name, name) == 0 && nth-- == 0)
			return &card->props[i];
	}
	return NULL;
}

static void test_parse_apple(void **state)
{
	struct vcard *card = parse_ok(apple_card);
	const struct vcard_prop *p;
	struct strbuf raw = { 0 };

	(void)state;
	assert_int_equal(card->version, VCARD_VERSION_3);
	p = find_prop(card, "EMAIL", 0);
	assert_string_equal(p->group, "item1");
	assert_true(vcard_prop_has_type(p, "home"));
	assert_true(vcard_prop_has_type(p, "PREF"));
	assert_string_equal(p->value, "johnny@example.com");
	p = find_prop(card, "X-ABLABEL", 0);
	assert_string_equal(p->group, "item1");
	p = find_prop(card, "PHOTO", 0);
	assert_true(strncmp(p->value, "/9j/4AAQ", 8) == 0);
	assert_string_equal(p->value + strlen(p->value) - 9, "AKp//2Q==");
	assert_null(strchr(p->value, ' '));
	assert_string_equal(vcard_prop_param_value(p, "ENCODING"), "b");
	/* every line's original bytes, in order, are the text less BEGIN/END */
	strbuf_puts(&raw, "BEGIN:VCARD\r\n");
	for (size_t i = 0; i < card->prop_count; i++)
		strbuf_append(&raw, card->text + card->props[i].raw_offset, card->props[i].raw_len);
	strbuf_puts(&raw, "END:VCARD\r\n");
	assert_string_equal(raw.s, apple_card);
	strbuf_free(&raw);
	vcard_free(&card);
	assert_null(card);
}

static void test_parse_v4(void **state)
{
	struct vcard *card = parse_ok(v4_card);
	const struct vcard_prop *p;
	const struct vcard_param *param;
	char *text, **parts;
	size_t count;

	(void)state;
	assert_int_equal(card->version, VCARD_VERSION_4);
	p = find_prop(card, "NOTE", 0);
	text = vcard_text_unescape(p->value, strlen(p->value));
	assert_string_equal(text, "A long note that is folded in the middle of a character: "
			    "M\xc3\xbcller, and escapes; too\\ \n done.");
	free(text);
	p = find_prop(card, "TEL", 0);
	assert_true(vcard_prop_has_type(p, "cell"));
	assert_string_equal(p->value, "tel:+49-30-1234567");
	p = find_prop(card, "X-CUSTOM", 0);
	param = vcard_prop_param(p, "X-PARAM");
	assert_int_equal(param->value_count, 1);
	assert_string_equal(param->values[0], "a \"quoted\" value\nwith ^caret");
	param = vcard_prop_param(p, "OTHER");
	assert_int_equal(param->value_count, 2);
	assert_string_equal(param->values[1], "y");
	p = find_prop(card, "N", 0);
	vcard_value_split(p->value, ';', &parts, &count);
	assert_int_equal(count, 5);
	assert_string_equal(parts[1], "J\xc3\xb6rg");
	vcard_strings_free(parts, count);
	vcard_free(&card);
}

static void assert_same_props(const struct vcard *a, const struct vcard *b)
{
	assert_int_equal(a->prop_count, b->prop_count);
	for (size_t i = 0; i < a->prop_count; i++) {
		const struct vcard_prop *pa = &a->props[i], *pb = &b->props[i];

		assert_string_equal(pa->name, pb->name);
		assert_string_equal(pa->value, pb->value);
		assert_true((pa->group == NULL) == (pb->group == NULL));
		if (pa->group != NULL)
			assert_string_equal(pa->group, pb->group);
		assert_int_equal(pa->param_count, pb->param_count);
		for (size_t k = 0; k < pa->param_count; k++) {
			assert_string_equal(pa->params[k].name, pb->params[k].name);
			assert_int_equal(pa->params[k].value_count, pb->params[k].value_count);
			for (size_t v = 0; v < pa->params[k].value_count; v++)
				assert_string_equal(pa->params[k].values[v], pb->params[k].values[v]);
		}
	}
}

/* Written again from the parsed parts, a card parses to the same. */
static void test_round_trip(void **state)
{
	const char *cards[] = { apple_card, v4_card };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct vcard *a = parse_ok(cards[i]), *b;
		size_t len;
		char *text = vcard_serialize(a, &len);
		const char *line = text;

		b = parse_ok(text);
		assert_same_props(a, b);
		/* folded at 75 octets, CRLF everywhere */
		while (*line != '\0') {
			const char *end = strstr(line, "\r\n");

			assert_non_null(end);
			assert_true(end - line <= 75);
			line = end + 2;
		}
		free(text);
		vcard_free(&a);
		vcard_free(&b);
	}
}

static void test_fold_utf8(void **state)
{
	struct strbuf line = { 0 }, out = { 0 };
	struct vcard *card;
	char *text;

	(void)state;
	vcard_line_begin(&line, NULL, "NOTE");
	strbuf_putc(&line, ':');
	for (int i = 0; i < 60; i++)
		vcard_escape_text(&line, "\xc3\xa9;");
	strbuf_puts(&out, "BEGIN:VCARD\r\nVERSION:4.0\r\n");
	vcard_fold(&out, line.s, line.len);
	strbuf_puts(&out, "END:VCARD\r\n");
	for (const char *p = strstr(out.s, "\r\n "); p != NULL; p = strstr(p + 1, "\r\n "))
		assert_int_not_equal((unsigned char)p[3] & 0xc0, 0x80);
	card = parse_ok(out.s);
	text = vcard_text_unescape(card->props[1].value, strlen(card->props[1].value));
	assert_int_equal(strlen(text), 180);
	assert_memory_equal(text, "\xc3\xa9;\xc3\xa9;", 6);
	free(text);
	vcard_free(&card);
	strbuf_free(&line);
	strbuf_free(&out);
}

static void test_param_quoting(void **state)
{
	struct strbuf line = { 0 }, out = { 0 };
	struct vcard *card;

	(void)state;
	vcard_line_begin(&line, "g1", "X-TEST");
	vcard_line_param(&line, "LABEL", "1 Main St\nSpringfield, \"Home\" ^x");
	vcard_line_param(&line, "PLAIN", "abc");
	strbuf_puts(&line, ":v");
	strbuf_puts(&out, "BEGIN:VCARD\r\nVERSION:4.0\r\n");
	vcard_fold(&out, line.s, line.len);
	strbuf_puts(&out, "END:VCARD\r\n");
	card = parse_ok(out.s);
	assert_string_equal(vcard_prop_param_value(&card->props[1], "LABEL"),
			    "1 Main St\nSpringfield, \"Home\" ^x");
	assert_string_equal(vcard_prop_param_value(&card->props[1], "PLAIN"), "abc");
	assert_string_equal(card->props[1].group, "g1");
	vcard_free(&card);
	strbuf_free(&line);
	strbuf_free(&out);
}

static void refuse(const char *text, size_t len, const struct vcard_limits *limits)
{
	struct vcard *card = NULL;
	const char *error = NULL;

	assert_int_equal(vcard_parse(text, len, limits, &card, &error), -1);
	assert_null(card);
	assert_non_null(error);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"VERSION:4.0\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\n",
		"BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\r\nVERSION:2.1\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\r\nVERSION:4.0\r\nVERSION:4.0\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\r\nVERSION:4.0\r\nBEGIN:VCARD\r\nEND:VCARD\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\r\nVERSION:4.0\r\nEND:VCARD\r\nFN:after\r\n",
		"BEGIN:VCARD\r\nVERSION:4.0\r\nFN;X=\"open:x\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\r\nVERSION:4.0\r\nFN x\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\r\nVERSION:4.0\r\n:novalue\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\r\nVERSION:4.0\r\nFN;=x:y\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:a\rb\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:\x01\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:\xc3\x28\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\r\nVERSION:4.0\r\nEND:VCALENDAR\r\n",
	};
	static const char with_nul[] = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:a\0b\r\nEND:VCARD\r\n";

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refuse(bad[i], strlen(bad[i]), NULL);
	refuse(with_nul, sizeof(with_nul) - 1, NULL);
}

static void test_limits(void **state)
{
	struct vcard_limits limits = { 4096, 4096, 16, 4 };
	struct strbuf b = { 0 };
	struct vcard *card;
	const char *error;

	(void)state;
	refuse(apple_card, strlen(apple_card), &(struct vcard_limits){ 100, 4096, 100, 8 });
	refuse(apple_card, strlen(apple_card), &(struct vcard_limits){ 8192, 60, 100, 8 });
	refuse(apple_card, strlen(apple_card), &(struct vcard_limits){ 8192, 4096, 10, 8 });
	strbuf_puts(&b, "BEGIN:VCARD\r\nVERSION:4.0\r\nX-A;A=1;B=2;C=3;D=4;E=5:v\r\nEND:VCARD\r\n");
	refuse(b.s, b.len, &limits);
	strbuf_reset(&b);
	strbuf_puts(&b, "BEGIN:VCARD\r\nVERSION:4.0\r\nX-A;A=1,2,3,4,5:v\r\nEND:VCARD\r\n");
	refuse(b.s, b.len, &limits);
	strbuf_reset(&b);
	strbuf_puts(&b, "BEGIN:VCARD\r\nVERSION:4.0\r\nX-A;A=1,2;B=3:v\r\nEND:VCARD\r\n");
	assert_int_equal(vcard_parse(b.s, b.len, &limits, &card, &error), 0);
	vcard_free(&card);
	/* a name longer than any token is refused, not cut */
	strbuf_reset(&b);
	strbuf_puts(&b, "BEGIN:VCARD\r\nVERSION:4.0\r\nX-");
	for (int i = 0; i < 300; i++)
		strbuf_putc(&b, 'A');
	strbuf_puts(&b, ":v\r\nEND:VCARD\r\n");
	refuse(b.s, b.len, NULL);
	strbuf_free(&b);
}

/* Every prefix of a card, fed as if the bytes stopped there, is either
 * refused cleanly or (the whole card) accepted. */
static void test_prefixes(void **state)
{
	const char *cards[] = { apple_card, v4_card };

	(void)state;
	for (size_t c = 0; c < 2; c++) {
		size_t len = strlen(cards[c]);

		for (size_t n = 0; n <= len; n++) {
			char *copy = malloc(n + 1);
			struct vcard *card = NULL;
			const char *error = NULL;
			int ret;

			memcpy(copy, cards[c], n);
			copy[n] = '\0';
			ret = vcard_parse(copy, n, NULL, &card, &error);
			if (ret == 0) {
				/* only the whole card, or it less its last line break */
				assert_true(n + 2 >= len);
				json_object_put(jscontact_from_vcard(card));
				vcard_free(&card);
			} else {
				assert_non_null(error);
			}
			free(copy);
		}
	}
}

/* Single bytes of a card replaced by troublesome ones (two of them at
 * each place, in turn): every result is refused cleanly, or parses and
 * survives both conversions. */
static void test_mangled(void **state)
{
	static const char bytes[] = { ':', ';', '"', '\n', ' ', '^', '\\', ',', '.', '=', '\xff' };
	size_t len = strlen(apple_card);
	char *copy = malloc(len + 1);

	(void)state;
	for (size_t i = 0; i < len; i++) {
		for (size_t b = i % sizeof(bytes); b < sizeof(bytes); b += sizeof(bytes) / 2) {
			struct vcard *card = NULL;
			const char *error;
			json_object *js;
			char *text = NULL;
			size_t text_len;

			memcpy(copy, apple_card, len + 1);
			copy[i] = bytes[b];
			if (vcard_parse(copy, len, NULL, &card, &error) < 0)
				continue;
			js = jscontact_from_vcard(card);
			assert_int_equal(jscontact_update_vcard(card, js, &text, &text_len, &error), 0);
			free(text);
			text = NULL;
			if (jscontact_to_vcard(js, &text, &text_len, &error) == 0)
				free(text);
			json_object_put(js);
			vcard_free(&card);
		}
	}
	free(copy);
}

static json_object *jget(json_object *obj, const char *path)
{
	char *copy = strdup(path), *save = NULL;

	for (char *tok = strtok_r(copy, "/", &save); tok != NULL && obj != NULL;
	     tok = strtok_r(NULL, "/", &save)) {
		if (json_object_is_type(obj, json_type_array))
			obj = json_object_array_get_idx(obj, (size_t)atoi(tok));
		else if (!json_object_object_get_ex(obj, tok, &obj))
			obj = NULL;
	}
	free(copy);
	return obj;
}

static const char *jstr(json_object *obj, const char *path)
{
	json_object *v = jget(obj, path);

	return v != NULL ? json_object_get_string(v) : NULL;
}

static void test_jscontact_apple(void **state)
{
	struct vcard *card = parse_ok(apple_card);
	json_object *js = jscontact_from_vcard(card);

	(void)state;
	assert_string_equal(jstr(js, "@type"), "Card");
	assert_string_equal(jstr(js, "uid"), "6A2B51B9-8C3F-4E69-9A0D-1F8D9E2C3A4B");
	assert_string_equal(jstr(js, "name/full"), "Dr. Johnny Q. Appleseed Jr.");
	assert_string_equal(jstr(js, "name/components/0/kind"), "title");
	assert_string_equal(jstr(js, "name/components/1/value"), "Johnny");
	assert_string_equal(jstr(js, "name/components/3/kind"), "surname");
	assert_string_equal(jstr(js, "emails/e1/address"), "johnny@example.com");
	assert_string_equal(jstr(js, "emails/e1/label"), "_$!<Other>!$_");
	assert_true(json_object_get_boolean(jget(js, "emails/e1/contexts/private")));
	assert_int_equal(json_object_get_int(jget(js, "emails/e1/pref")), 1);
	assert_true(json_object_get_boolean(jget(js, "emails/e2/contexts/work")));
	assert_true(json_object_get_boolean(jget(js, "phones/p1/features/mobile")));
	assert_true(json_object_get_boolean(jget(js, "phones/p2/features/fax")));
	assert_string_equal(jstr(js, "addresses/a1/components/0/value"), "1 Infinite Loop");
	assert_string_equal(jstr(js, "addresses/a1/components/2/kind"), "region");
	assert_string_equal(jstr(js, "organizations/o1/name"), "Apple Inc.");
	assert_string_equal(jstr(js, "organizations/o1/units/0/name"), "Engineering");
	assert_string_equal(jstr(js, "titles/t1/name"), "Engineer");
	assert_string_equal(jstr(js, "links/l1/uri"), "https://www.example.com/johnny");
	assert_string_equal(jstr(js, "anniversaries/d1/kind"), "birth");
	assert_null(jget(js, "anniversaries/d1/date/year"));
	assert_int_equal(json_object_get_int(jget(js, "anniversaries/d1/date/month")), 4);
	assert_string_equal(jstr(js, "notes/n1/note"), "Met at WWDC, 2019\nSecond line");
	assert_string_equal(jstr(js, "onlineServices/s1/service"), "twitter");
	assert_string_equal(jstr(js, "onlineServices/s1/user"), "johnny");
	assert_string_equal(jstr(js, "onlineServices/s2/vCardName"), "impp");
	assert_string_equal(jstr(js, "onlineServices/s2/service"), "Jabber");
	assert_string_equal(jstr(js, "media/m1/mediaType"), "image/jpeg");
	assert_true(strncmp(jstr(js, "media/m1/uri"), "data:image/jpeg;base64,/9j/", 27) == 0);
	assert_string_equal(jstr(js, "updated"), "2024-03-01T10:15:30Z");
	assert_string_equal(jstr(js, "prodId"), "-//Apple Inc.//iPhone OS 17.0//EN");
	json_object_put(js);
	vcard_free(&card);
}

static json_object *convert_back(json_object *js, struct vcard **card_r)
{
	const char *bad = NULL;
	char *text;
	size_t len;

	if (jscontact_to_vcard(js, &text, &len, &bad) < 0)
		fail_msg("to_vcard failed on %s", bad);
	*card_r = parse_ok(text);
	assert_int_equal((*card_r)->version, VCARD_VERSION_4);
	free(text);
	return jscontact_from_vcard(*card_r);
}

/* JSContact -> vCard 4.0 -> JSContact gives the same Card. */
static void test_jscontact_round_trip(void **state)
{
	static const char card_json[] =
		"{\"@type\":\"Card\",\"version\":\"1.0\",\"uid\":\"urn:uuid:1\",\"kind\":\"individual\","
		"\"name\":{\"components\":[{\"kind\":\"given\",\"value\":\"Ada\"},"
		"{\"kind\":\"surname\",\"value\":\"Lovelace, Countess\"}],\"isOrdered\":true},"
		"\"nicknames\":{\"k1\":{\"name\":\"Enchantress\"}},"
		"\"emails\":{\"work\":{\"address\":\"ada@example.com\",\"contexts\":{\"work\":true},"
		"\"pref\":1,\"label\":\"Office\"},\"e9\":{\"address\":\"a;b@example.com\"}},"
		"\"phones\":{\"p1\":{\"number\":\"tel:+44-20-1234\",\"features\":{\"mobile\":true}}},"
		"\"addresses\":{\"a1\":{\"components\":[{\"kind\":\"name\",\"value\":\"12 St James's Sq\"},"
		"{\"kind\":\"locality\",\"value\":\"London\"},{\"kind\":\"country\",\"value\":\"UK\"}],"
		"\"countryCode\":\"GB\",\"full\":\"12 St James's Sq\\nLondon\"}},"
		"\"organizations\":{\"o1\":{\"name\":\"Analytical Engines\",\"units\":[{\"name\":\"R&D\"}]}},"
		"\"titles\":{\"t1\":{\"name\":\"Programmer\",\"kind\":\"title\"}},"
		"\"anniversaries\":{\"b\":{\"kind\":\"birth\",\"date\":{\"@type\":\"PartialDate\","
		"\"year\":1815,\"month\":12,\"day\":10}}},"
		"\"notes\":{\"n1\":{\"note\":\"First\\nprogrammer; poet's daughter\"}},"
		"\"media\":{\"m1\":{\"kind\":\"photo\",\"uri\":\"https://example.com/ada.jpg\","
		"\"mediaType\":\"image/jpeg\"}},"
		"\"links\":{\"l1\":{\"uri\":\"https://example.com/ada\"}},"
		"\"onlineServices\":{\"s1\":{\"service\":\"Mastodon\",\"uri\":\"https://m.example/@ada\","
		"\"user\":\"@ada\"}},"
		"\"keywords\":{\"math\":true,\"a,b\":true},"
		"\"members\":{\"urn:uuid:2\":true},"
		"\"speakToAs\":{\"grammaticalGender\":\"feminine\"},"
		"\"updated\":\"2024-01-02T03:04:05Z\"}";
	json_object *js = json_tokener_parse(card_json), *back;
	struct vcard *card;

	(void)state;
	assert_non_null(js);
	back = convert_back(js, &card);
	if (!json_object_equal(js, back)) {
		fprintf(stderr, "%s\n%s\n", json_object_to_json_string(js),
			json_object_to_json_string(back));
		fail();
	}
	assert_non_null(find_prop(card, "JSPROP", 0));
	json_object_put(back);
	json_object_put(js);
	vcard_free(&card);
}

static void test_jscontact_invalid(void **state)
{
	static const char *const bad[][2] = {
		{ "{\"emails\":{\"e1\":{\"address\":5}}}", "emails" },
		{ "{\"emails\":{\"bad key\":{\"address\":\"a@b\"}}}", "emails" },
		{ "{\"emails\":[1]}", "emails" },
		{ "{\"phones\":{\"p\":{\"number\":\"1\",\"pref\":0}}}", "phones" },
		{ "{\"name\":{\"components\":[{\"kind\":\"given\"}]}}", "name" },
		{ "{\"anniversaries\":{\"a\":{\"kind\":\"birth\",\"date\":{\"month\":13}}}}",
		  "anniversaries" },
		{ "{\"media\":{\"m\":{\"kind\":\"photo\",\"uri\":\"a\\nb\"}}}", "media" },
		{ "{\"@type\":\"Group\"}", "@type" },
		{ "{\"kind\":\"in dividual\"}", "kind" },
		{ "{\"updated\":\"yesterday\"}", "updated" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object *js = json_tokener_parse(bad[i][0]);
		const char *prop = NULL;
		char *text = NULL;
		size_t len;

		assert_non_null(js);
		assert_int_equal(jscontact_to_vcard(js, &text, &len, &prop), -1);
		assert_null(text);
		assert_string_equal(prop, bad[i][1]);
		json_object_put(js);
	}
}

/* Changing one email of the Apple card rewrites that line (in its
 * group, with its label) and keeps every other byte. */
static void test_update_keeps_unknown(void **state)
{
	struct vcard *old = parse_ok(apple_card), *now;
	json_object *js = jscontact_from_vcard(old), *email = jget(js, "emails/e2"), *back;
	const char *bad = NULL;
	char *text;
	size_t len;

	(void)state;
	json_object_object_add(email, "address", json_object_new_string("new@apple.example"));
	json_object_object_del(js, "nicknames");
	assert_int_equal(jscontact_update_vcard(old, js, &text, &len, &bad), 0);
	now = parse_ok(text);
	assert_int_equal(now->version, VCARD_VERSION_3);
	assert_non_null(strstr(text, "item1.EMAIL;type=INTERNET;type=HOME;type=pref:johnny@"
			       "example.com\r\nitem1.X-ABLabel:_$!<Other>!$_\r\n"));
	assert_non_null(strstr(text, "EMAIL;PROP-ID=e2;TYPE=work,INTERNET:new@apple.example\r\n"));
	assert_null(strstr(text, "jappleseed"));
	assert_null(strstr(text, "NICKNAME"));
	assert_non_null(strstr(text, "item4.X-ABDATE;X-APPLE-OMIT-YEAR=1604:1604-06-15\r\n"
			       "item4.X-ABLabel:_$!<Anniversary>!$_\r\n"));
	assert_non_null(strstr(text, "X-ACTIVITY-ALERT:type=text\\,snd=<none>\r\n"));
	assert_non_null(strstr(text, "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQAB"
			       "AAD/2wBDAAgGBgcGBQgHBwcJCQgK\r\n DBQN"));
	assert_non_null(strstr(text, "X-IMAGETYPE:PHOTO\r\n"));
	back = jscontact_from_vcard(now);
	assert_string_equal(jstr(back, "emails/e2/address"), "new@apple.example");
	assert_null(jget(back, "nicknames"));
	json_object_object_del(js, "emails");
	json_object_object_del(back, "emails");
	assert_true(json_object_equal(js, back));
	free(text);
	json_object_put(back);
	json_object_put(js);
	vcard_free(&now);
	vcard_free(&old);
}

/* An unchanged Card gives back the very same bytes. */
static void test_update_identity(void **state)
{
	const char *cards[] = { apple_card, v4_card };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct vcard *old = parse_ok(cards[i]);
		json_object *js = jscontact_from_vcard(old);
		const char *bad;
		char *text;
		size_t len;

		assert_int_equal(jscontact_update_vcard(old, js, &text, &len, &bad), 0);
		if (i == 0)
			assert_string_equal(text, cards[i]);
		else
			assert_non_null(strstr(text, "X-CUSTOM;X-PARAM=\"a ^'quoted^' value^nwith "
					       "^^caret\";OTHER=x,y:value\n"));
		free(text);
		json_object_put(js);
		vcard_free(&old);
	}
}

/* A label added through JMAP gets a group of its own, after the card's. */
static void test_update_new_label(void **state)
{
	struct vcard *old = parse_ok(apple_card);
	json_object *js = jscontact_from_vcard(old), *phones = jget(js, "phones");
	json_object *phone = json_tokener_parse("{\"number\":\"+1 555\",\"label\":\"boat\"}");
	const char *bad;
	char *text;
	size_t len;

	(void)state;
	json_object_object_add(phones, "new", phone);
	assert_int_equal(jscontact_update_vcard(old, js, &text, &len, &bad), 0);
	assert_non_null(strstr(text, "item5.TEL;PROP-ID=new:+1 555\r\nitem5.X-ABLabel:boat\r\nEND:VCARD\r\n"));
	free(text);
	json_object_put(js);
	vcard_free(&old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_apple),
		cmocka_unit_test(test_parse_v4),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_fold_utf8),
		cmocka_unit_test(test_param_quoting),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_mangled),
		cmocka_unit_test(test_jscontact_apple),
		cmocka_unit_test(test_jscontact_round_trip),
		cmocka_unit_test(test_jscontact_invalid),
		cmocka_unit_test(test_update_keeps_unknown),
		cmocka_unit_test(test_update_identity),
		cmocka_unit_test(test_update_new_label),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
