/* JMAP Contacts (AddressBook, ContactCard) through jmap_invoke() and
 * jmap_api_request(), over a real store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/hash.h"
#include "jmap/jmap.h"
#include "store/store.h"
#include "store/store_mail.h"

#include "jmap_fixture.h"

static const char apple_card[] =
	"BEGIN:VCARD\r\n"
	"VERSION:3.0\r\n"
	"PRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\n"
	"N:Appleseed;Johnny;;;\r\n"
	"FN:Johnny Appleseed\r\n"
	"item1.EMAIL;type=INTERNET;type=HOME;type=pref:johnny@example.com\r\n"
	"item1.X-ABLabel:_$!<Other>!$_\r\n"
	"EMAIL;type=INTERNET;type=WORK:jappleseed@apple.example\r\n"
	"TEL;type=CELL;type=VOICE;type=pref:+1 (408) 555-0100\r\n"
	"item2.X-ABDATE;X-APPLE-OMIT-YEAR=1604:1604-06-15\r\n"
	"item2.X-ABLabel:_$!<Anniversary>!$_\r\n"
	"X-ACTIVITY-ALERT:type=text\\,snd=<none>\r\n"
	"PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgK\r\n"
	" DBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAA\r\n"
	" EAAD8AKp//2Q==\r\n"
	"UID:6A2B51B9-8C3F-4E69-9A0D-1F8D9E2C3A4B\r\n"
	"REV:2024-03-01T10:15:30Z\r\n"
	"END:VCARD\r\n";

/* Runs one in-process call with args (taken; accountId added). Returns
 * the arguments of its response (new reference); fails the test if
 * the method answered another name than expected ("error" to expect a
 * method error). */
static json_object *invoke(struct jmap_fixture *f, const char *method, json_object *args,
			   const char *expect)
{
	char name[64];
	json_object *result;

	json_object_object_add(args, "accountId", json_object_new_string(f->account));
	result = jmap_fixture_invoke(f, method, args, name);
	if (strcmp(name, expect) != 0)
		fail_msg("%s answered %s: %s", method, name, json_object_to_json_string(result));
	json_object_put(args);
	return result;
}

static json_object *invoke_text(struct jmap_fixture *f, const char *method, const char *args_json,
				const char *expect)
{
	json_object *args = json_tokener_parse(args_json);

	if (args == NULL)
		fail_msg("bad JSON in test: %s", args_json);
	return invoke(f, method, args, expect != NULL ? expect : method);
}

/* The default address book's id (into out). */
static void default_book(struct jmap_fixture *f, char out[24])
{
	json_object *r = invoke_text(f, "AddressBook/get", "{}", NULL);

	snprintf(out, 24, "%s", jstr(r, "list/0/id"));
	json_object_put(r);
}

/* Creates a card from JSContact text in book; returns its id (static). */
static const char *create_card(struct jmap_fixture *f, const char *book, const char *card_json)
{
	static char id[64];
	json_object *card = json_tokener_parse(card_json), *create = json_object_new_object();
	json_object *args = json_object_new_object(), *books = json_object_new_object(), *r;

	assert_non_null(card);
	json_object_object_add(books, book, json_object_new_boolean(1));
	json_object_object_add(card, "addressBookIds", books);
	json_object_object_add(create, "c", card);
	json_object_object_add(args, "create", create);
	r = invoke(f, "ContactCard/set", args, "ContactCard/set");
	if (jstr(r, "created/c/id") == NULL)
		fail_msg("not created: %s", json_object_to_json_string(r));
	snprintf(id, sizeof(id), "%s", jstr(r, "created/c/id"));
	json_object_put(r);
	return id;
}

static json_object *set_dav_data(struct jmap_fixture *f, const char *book, const char *text)
{
	json_object *card = json_object_new_object(), *create = json_object_new_object();
	json_object *args = json_object_new_object(), *books = json_object_new_object();

	json_object_object_add(books, book, json_object_new_boolean(1));
	json_object_object_add(card, "addressBookIds", books);
	json_object_object_add(card, "davData", json_object_new_string(text));
	json_object_object_add(create, "d", card);
	json_object_object_add(args, "create", create);
	return invoke(f, "ContactCard/set", args, "ContactCard/set");
}

static json_object *get_card(struct jmap_fixture *f, const char *id, const char *props)
{
	char *text;
	json_object *r;

	assert_true(asprintf(&text, "{\"ids\":[\"%s\"],\"properties\":%s}", id, props) > 0);
	r = invoke_text(f, "ContactCard/get", text, NULL);
	free(text);
	return r;
}

static void test_default_address_book(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *r = invoke_text(f, "AddressBook/get", "{}", NULL), *session;

	assert_int_equal(json_object_array_length(jpath(r, "list")), 1);
	assert_string_equal(jstr(r, "list/0/name"), "Contacts");
	assert_true(json_object_get_boolean(jpath(r, "list/0/isDefault")));
	assert_true(json_object_get_boolean(jpath(r, "list/0/myRights/mayWrite")));
	assert_null(jpath(r, "list/0/davName"));
	json_object_put(r);
	r = invoke_text(f, "AddressBook/get", "{\"properties\":[\"davName\"]}", NULL);
	assert_string_equal(jstr(r, "list/0/davName"), "default");
	json_object_put(r);
	session = jmap_session_resource(f->srv, &f->user, "https://x");
	r = jpath(session, "accounts");
	json_object_object_foreach(r, key, account) {
		(void)key;
		assert_int_equal(json_object_get_int(jpath(account, "accountCapabilities/"
			"urn:ietf:params:jmap:contacts/maxAddressBooksPerCard")), 1);
		assert_null(jpath(account, "accountCapabilities/urn:tern:dav"));
	}
	assert_non_null(jpath(session, "primaryAccounts/urn:ietf:params:jmap:contacts"));
	json_object_put(session);
}

/* An account provisioned before contacts existed gets its default
 * address book on the first AddressBook/get, once. */
static void test_lazy_default(void **state)
{
	struct jmap_fixture *f = *state;
	struct store_principal p = { .type = STORE_PRINCIPAL_INDIVIDUAL, .name = "bob",
				     .role = "user" };
	struct store_mailbox mb = { .name = (char *)"Inbox", .role = (char *)"inbox" };
	struct store_account *acct;
	const char *error;
	json_object *r;

	assert_int_equal(store_principal_create(f->store, &p, &error), 0);
	assert_int_equal(store_account_open(f->store, p.id, &acct, &error), 0);
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	assert_int_equal(store_mailbox_create(acct, &mb, &error), 0);
	assert_int_equal(store_txn_commit(acct, &error), 0);
	store_account_release(&acct);
	f->user.principal_id = f->user.account_id = p.id;
	jmap_account_id_format(p.id, f->account);
	for (int i = 0; i < 2; i++) {
		r = invoke_text(f, "AddressBook/get", "{}", NULL);
		assert_int_equal(json_object_array_length(jpath(r, "list")), 1);
		assert_true(json_object_get_boolean(jpath(r, "list/0/isDefault")));
		json_object_put(r);
	}
	r = invoke_text(f, "AddressBook/changes", "{\"sinceState\":\"0\"}", NULL);
	assert_int_equal(json_object_array_length(jpath(r, "created")), 1);
	json_object_put(r);
}

static void test_create_jscontact(void **state)
{
	struct jmap_fixture *f = *state;
	char book[24];
	const char *id, *data;
	json_object *r;

	default_book(f, book);
	id = create_card(f, book,
		"{\"name\":{\"components\":[{\"kind\":\"given\",\"value\":\"Ada\"},"
		"{\"kind\":\"surname\",\"value\":\"Lovelace\"}]},"
		"\"emails\":{\"e1\":{\"address\":\"ada@example.com\",\"contexts\":{\"work\":true}}},"
		"\"phones\":{\"p1\":{\"number\":\"+44 20 1234\",\"features\":{\"mobile\":true}}}}");
	r = get_card(f, id, "null");
	assert_string_equal(jstr(r, "list/0/emails/e1/address"), "ada@example.com");
	assert_true(json_object_get_boolean(jpath(r, "list/0/addressBookIds/" "b1")));
	assert_true(strncmp(jstr(r, "list/0/uid"), "urn:uuid:", 9) == 0);
	assert_string_equal(jstr(r, "list/0/@type"), "Card");
	assert_null(jpath(r, "list/0/davData"));
	json_object_put(r);
	r = get_card(f, id, "[\"davData\",\"davEtag\",\"davName\",\"uid\"]");
	data = jstr(r, "list/0/davData");
	assert_true(strncmp(data, "BEGIN:VCARD\r\nVERSION:4.0\r\n", 26) == 0);
	assert_non_null(strstr(data, "EMAIL;PROP-ID=e1;TYPE=work:ada@example.com\r\n"));
	assert_non_null(strstr(data, "N:Lovelace;Ada;;;\r\n"));
	assert_non_null(strstr(data, "FN;DERIVED=TRUE:Ada Lovelace\r\n"));
	assert_int_equal(strncmp(jstr(r, "list/0/davName"),
				 jstr(r, "list/0/uid") + strlen("urn:uuid:"), 36), 0);
	assert_string_equal(jstr(r, "list/0/davName") + 36, ".vcf");
	json_object_put(r);
}

static void test_create_dav_data(void **state)
{
	struct jmap_fixture *f = *state;
	uint8_t digest[SHA256_LEN];
	char book[24], etag[SHA256_HEX_LEN + 1], id[64];
	json_object *r;

	default_book(f, book);
	r = set_dav_data(f, book, apple_card);
	assert_non_null(jstr(r, "created/d/id"));
	snprintf(id, sizeof(id), "%s", jstr(r, "created/d/id"));
	sha256(apple_card, strlen(apple_card), digest);
	hex_encode(digest, sizeof(digest), etag);
	assert_string_equal(jstr(r, "created/d/davEtag"), etag);
	assert_string_equal(jstr(r, "created/d/davName"),
			    "6A2B51B9-8C3F-4E69-9A0D-1F8D9E2C3A4B.vcf");
	json_object_put(r);
	r = get_card(f, id, "[\"davData\",\"davEtag\",\"emails\",\"name\",\"phones\"]");
	assert_string_equal(jstr(r, "list/0/davData"), apple_card);
	assert_string_equal(jstr(r, "list/0/davEtag"), etag);
	assert_string_equal(jstr(r, "list/0/emails/e1/label"), "_$!<Other>!$_");
	assert_string_equal(jstr(r, "list/0/name/full"), "Johnny Appleseed");
	assert_true(json_object_get_boolean(jpath(r, "list/0/phones/p1/features/mobile")));
	json_object_put(r);
	/* not a vCard, and a vCard with no UID, are refused */
	r = set_dav_data(f, book, "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\n");
	assert_string_equal(jstr(r, "notCreated/d/type"), "invalidProperties");
	assert_string_equal(jstr(r, "notCreated/d/properties/0"), "davData");
	json_object_put(r);
	r = set_dav_data(f, book, "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nEND:VCARD\r\n");
	assert_string_equal(jstr(r, "notCreated/d/type"), "invalidProperties");
	json_object_put(r);
}

/* A JMAP edit of a card a phone sent rewrites only what changed. */
static void test_update_keeps_unknown(void **state)
{
	struct jmap_fixture *f = *state;
	char book[24], id[64], *args;
	const char *data;
	json_object *r;

	default_book(f, book);
	r = set_dav_data(f, book, apple_card);
	snprintf(id, sizeof(id), "%s", jstr(r, "created/d/id"));
	json_object_put(r);
	assert_true(asprintf(&args, "{\"update\":{\"%s\":{\"emails/e2/address\":"
			     "\"johnny@new.example\",\"nicknames\":{\"n\":{\"name\":\"J\"}}}}}",
			     id) > 0);
	r = invoke_text(f, "ContactCard/set", args, NULL);
	free(args);
	/* "updated" moved to now, and the DAV face learns the new ETag */
	assert_non_null(json_object_object_get(json_object_object_get(jpath(r, "updated"), id),
					       "updated"));
	assert_non_null(json_object_object_get(json_object_object_get(jpath(r, "updated"), id),
					       "davEtag"));
	json_object_put(r);
	r = get_card(f, id, "[\"davData\",\"emails\",\"nicknames\"]");
	data = jstr(r, "list/0/davData");
	assert_non_null(strstr(data, "VERSION:3.0\r\n"));
	assert_non_null(strstr(data, "item1.EMAIL;type=INTERNET;type=HOME;type=pref:johnny@"
			       "example.com\r\nitem1.X-ABLabel:_$!<Other>!$_\r\n"));
	assert_non_null(strstr(data, "item2.X-ABDATE;X-APPLE-OMIT-YEAR=1604:1604-06-15\r\n"
			       "item2.X-ABLabel:_$!<Anniversary>!$_\r\n"));
	assert_non_null(strstr(data, "X-ACTIVITY-ALERT:type=text\\,snd=<none>\r\n"));
	assert_non_null(strstr(data, "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQAB"));
	assert_non_null(strstr(data, "EMAIL;PROP-ID=e2;TYPE=work,INTERNET:johnny@new.example\r\n"));
	assert_null(strstr(data, "REV:2024-03-01T10:15:30Z"));
	assert_string_equal(jstr(r, "list/0/emails/e2/address"), "johnny@new.example");
	assert_string_equal(jstr(r, "list/0/nicknames/n/name"), "J");
	json_object_put(r);
}

static void test_uid_conflict(void **state)
{
	struct jmap_fixture *f = *state;
	char book[24], first[64], second[64], *args;
	json_object *r;

	default_book(f, book);
	snprintf(first, sizeof(first), "%s", create_card(f, book, "{\"uid\":\"same-uid\"}"));
	r = invoke_text(f, "ContactCard/set",
			"{\"create\":{\"x\":{\"uid\":\"same-uid\",\"addressBookIds\":{\"b1\":true}}}}",
			NULL);
	assert_string_equal(jstr(r, "notCreated/x/type"), "alreadyExists");
	assert_string_equal(jstr(r, "notCreated/x/existingId"), first);
	json_object_put(r);
	/* another address book may hold the same uid */
	r = invoke_text(f, "AddressBook/set", "{\"create\":{\"w\":{\"name\":\"Work\"}}}", NULL);
	assert_false(json_object_get_boolean(jpath(r, "created/w/isDefault")));
	json_object_put(r);
	r = invoke_text(f, "ContactCard/set",
			"{\"create\":{\"x\":{\"uid\":\"same-uid\",\"addressBookIds\":{\"b2\":true}}}}",
			NULL);
	snprintf(second, sizeof(second), "%s", jstr(r, "created/x/id"));
	json_object_put(r);
	/* moving it next to its twin is refused too */
	assert_true(asprintf(&args, "{\"update\":{\"%s\":{\"addressBookIds\":{\"b1\":true}}}}",
			     second) > 0);
	r = invoke_text(f, "ContactCard/set", args, NULL);
	free(args);
	assert_string_equal(json_object_get_string(json_object_object_get(
		json_object_object_get(jpath(r, "notUpdated"), second), "type")), "alreadyExists");
	json_object_put(r);
}

static void create_query_cards(struct jmap_fixture *f, const char *book)
{
	create_card(f, book, "{\"uid\":\"u-ada\",\"name\":{\"components\":["
		    "{\"kind\":\"given\",\"value\":\"Ada\"},{\"kind\":\"surname\",\"value\":\"Lovelace\"}]},"
		    "\"emails\":{\"e\":{\"address\":\"ada@engines.example\"}},"
		    "\"notes\":{\"n\":{\"note\":\"Wrote the first program\"}}}");
	create_card(f, book, "{\"uid\":\"u-charles\",\"name\":{\"components\":["
		    "{\"kind\":\"given\",\"value\":\"Charles\"},{\"kind\":\"surname\",\"value\":\"Babbage\"}]},"
		    "\"phones\":{\"p\":{\"number\":\"+44 1234\"}},"
		    "\"organizations\":{\"o\":{\"name\":\"Analytical Engines\"}}}");
	create_card(f, book, "{\"uid\":\"u-group\",\"kind\":\"group\",\"name\":{\"full\":\"Engines\"},"
		    "\"members\":{\"u-ada\":true,\"u-charles\":true}}");
}

static size_t query_count(struct jmap_fixture *f, const char *args, const char *first_id_uid)
{
	json_object *r = invoke_text(f, "ContactCard/query", args, NULL);
	size_t n = json_object_array_length(jpath(r, "ids"));

	if (first_id_uid != NULL) {
		json_object *g = get_card(f, jstr(r, "ids/0"), "[\"uid\"]");

		assert_string_equal(jstr(g, "list/0/uid"), first_id_uid);
		json_object_put(g);
	}
	json_object_put(r);
	return n;
}

static void test_query(void **state)
{
	struct jmap_fixture *f = *state;
	char book[24];

	default_book(f, book);
	create_query_cards(f, book);
	assert_int_equal(query_count(f, "{}", NULL), 3);
	assert_int_equal(query_count(f, "{\"filter\":{\"inAddressBook\":\"b1\"}}", NULL), 3);
	assert_int_equal(query_count(f, "{\"filter\":{\"uid\":\"u-ada\"}}", "u-ada"), 1);
	assert_int_equal(query_count(f, "{\"filter\":{\"email\":\"ENGINES.example\"}}", "u-ada"), 1);
	assert_int_equal(query_count(f, "{\"filter\":{\"text\":\"engines\"}}", NULL), 3);
	assert_int_equal(query_count(f, "{\"filter\":{\"text\":\"\\\"first program\\\"\"}}",
				     "u-ada"), 1);
	assert_int_equal(query_count(f, "{\"filter\":{\"text\":\"program wrote\"}}", "u-ada"), 1);
	assert_int_equal(query_count(f, "{\"filter\":{\"text\":\"program babbage\"}}", NULL), 0);
	assert_int_equal(query_count(f, "{\"filter\":{\"name/given\":\"charles\"}}", "u-charles"), 1);
	assert_int_equal(query_count(f, "{\"filter\":{\"phone\":\"1234\"}}", "u-charles"), 1);
	assert_int_equal(query_count(f, "{\"filter\":{\"organization\":\"analytical\"}}",
				     "u-charles"), 1);
	assert_int_equal(query_count(f, "{\"filter\":{\"kind\":\"group\"}}", "u-group"), 1);
	assert_int_equal(query_count(f, "{\"filter\":{\"hasMember\":\"u-ada\"}}", "u-group"), 1);
	assert_int_equal(query_count(f, "{\"filter\":{\"operator\":\"NOT\",\"conditions\":"
				     "[{\"kind\":\"group\"}]}}", NULL), 2);
	assert_int_equal(query_count(f, "{\"filter\":{\"updatedAfter\":\"2000-01-01T00:00:00Z\"}}",
				     NULL), 3);
	assert_int_equal(query_count(f, "{\"filter\":{\"createdBefore\":\"2000-01-01T00:00:00Z\"}}",
				     NULL), 0);
	assert_int_equal(query_count(f, "{\"filter\":{\"kind\":\"individual\"},\"sort\":"
				     "[{\"property\":\"name/surname\"}]}", "u-charles"), 2);
	assert_int_equal(query_count(f, "{\"filter\":{\"kind\":\"individual\"},\"sort\":"
				     "[{\"property\":\"name/given\",\"isAscending\":false}]}",
				     "u-charles"), 2);
	json_object_put(invoke_text(f, "ContactCard/query", "{\"filter\":{\"bogus\":\"x\"}}",
				    "error"));
	json_object_put(invoke_text(f, "ContactCard/query",
				    "{\"filter\":{\"createdAfter\":\"never\"}}", "error"));
	json_object_put(invoke_text(f, "ContactCard/query",
				    "{\"sort\":[{\"property\":\"emails\"}]}", "error"));
}

static void test_changes_destroy(void **state)
{
	struct jmap_fixture *f = *state;
	char book[24], id[64], state0[32], *args;
	json_object *r;

	default_book(f, book);
	r = invoke_text(f, "ContactCard/get", "{\"ids\":[]}", NULL);
	snprintf(state0, sizeof(state0), "%s", jstr(r, "state"));
	json_object_put(r);
	snprintf(id, sizeof(id), "%s", create_card(f, book, "{\"uid\":\"c1\"}"));
	create_card(f, book, "{\"uid\":\"c2\"}");
	assert_true(asprintf(&args, "{\"sinceState\":\"%s\"}", state0) > 0);
	r = invoke_text(f, "ContactCard/changes", args, NULL);
	assert_int_equal(json_object_array_length(jpath(r, "created")), 2);
	json_object_put(r);
	r = invoke_text(f, "ContactCard/query", "{}", NULL);
	free(args);
	assert_true(asprintf(&args, "{\"sinceQueryState\":\"%s\"}", jstr(r, "queryState")) > 0);
	json_object_put(r);
	free(args);
	assert_true(asprintf(&args, "{\"destroy\":[\"%s\"]}", id) > 0);
	json_object_put(invoke_text(f, "ContactCard/set", args, NULL));
	free(args);
	r = get_card(f, id, "[\"uid\"]");
	assert_string_equal(jstr(r, "notFound/0"), id);
	json_object_put(r);
	assert_true(asprintf(&args, "{\"sinceState\":\"%s\"}", state0) > 0);
	r = invoke_text(f, "ContactCard/changes", args, NULL);
	assert_int_equal(json_object_array_length(jpath(r, "created")), 1);
	assert_int_equal(json_object_array_length(jpath(r, "destroyed")), 0);
	json_object_put(r);
	free(args);
}

static void test_address_book_set(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *r;

	r = invoke_text(f, "AddressBook/set", "{\"create\":{\"w\":{\"name\":\"Work\",\"sortOrder\":3}},"
			"\"onSuccessSetIsDefault\":\"#w\"}", NULL);
	assert_true(json_object_get_boolean(jpath(r, "created/w/isDefault")));
	assert_false(json_object_get_boolean(jpath(r, "updated/b1/isDefault")));
	json_object_put(r);
	create_card(f, "b2", "{\"uid\":\"in-work\"}");
	/* the default stays; a book with cards needs onDestroyRemoveContents */
	r = invoke_text(f, "AddressBook/set", "{\"destroy\":[\"b2\"]}", NULL);
	assert_string_equal(jstr(r, "notDestroyed/b2/type"), "forbidden");
	json_object_put(r);
	r = invoke_text(f, "AddressBook/set", "{\"destroy\":[\"b2\"],\"onSuccessSetIsDefault\":\"b1\"}",
			NULL);
	assert_string_equal(jstr(r, "notDestroyed/b2/type"), "addressBookHasContents");
	json_object_put(r);
	r = invoke_text(f, "AddressBook/set", "{\"destroy\":[\"b2\"],\"onSuccessSetIsDefault\":\"b1\","
			"\"onDestroyRemoveContents\":true}", NULL);
	assert_string_equal(jstr(r, "destroyed/0"), "b2");
	assert_true(json_object_get_boolean(jpath(r, "updated/b1/isDefault")));
	json_object_put(r);
	assert_int_equal(query_count(f, "{}", NULL), 0);
	r = invoke_text(f, "AddressBook/set", "{\"update\":{\"b1\":{\"name\":\"\"}},"
			"\"onSuccessSetIsDefault\":null}", NULL);
	assert_string_equal(jstr(r, "notUpdated/b1/type"), "invalidProperties");
	json_object_put(r);
	r = invoke_text(f, "AddressBook/set", "{\"update\":{\"b1\":{\"name\":\"Personal\","
			"\"description\":\"mine\",\"davName\":\"personal\"}}}", NULL);
	assert_non_null(jpath(r, "updated"));
	json_object_put(r);
	r = invoke_text(f, "AddressBook/get", "{\"properties\":[\"name\",\"description\",\"davName\"]}",
			NULL);
	assert_string_equal(jstr(r, "list/0/name"), "Personal");
	assert_string_equal(jstr(r, "list/0/davName"), "personal");
	json_object_put(r);
}

static void test_dav_data_update(void **state)
{
	struct jmap_fixture *f = *state;
	char book[24], id[64], etag[80], *text;
	json_object *r, *args, *update, *patch;

	default_book(f, book);
	r = set_dav_data(f, book, apple_card);
	snprintf(id, sizeof(id), "%s", jstr(r, "created/d/id"));
	snprintf(etag, sizeof(etag), "%s", jstr(r, "created/d/davEtag"));
	json_object_put(r);
	text = strdup(apple_card);
	memcpy(strstr(text, "FN:Johnny"), "FN:Jimmy ", 9);
	args = json_object_new_object();
	update = json_object_new_object();
	patch = json_object_new_object();
	json_object_object_add(patch, "davData", json_object_new_string(text));
	json_object_object_add(update, id, patch);
	json_object_object_add(args, "update", update);
	r = invoke(f, "ContactCard/set", args, "ContactCard/set");
	assert_non_null(json_object_object_get(json_object_object_get(jpath(r, "updated"), id),
					       "davEtag"));
	assert_string_not_equal(json_object_get_string(json_object_object_get(
		json_object_object_get(jpath(r, "updated"), id), "davEtag")), etag);
	json_object_put(r);
	r = get_card(f, id, "[\"davData\",\"name\"]");
	assert_string_equal(jstr(r, "list/0/davData"), text);
	assert_string_equal(jstr(r, "list/0/name/full"), "Jimmy  Appleseed");
	json_object_put(r);
	/* the UID of a card cannot change */
	memcpy(strstr(text, "UID:6A2B"), "UID:7A2B", 8);
	args = json_object_new_object();
	update = json_object_new_object();
	patch = json_object_new_object();
	json_object_object_add(patch, "davData", json_object_new_string(text));
	json_object_object_add(update, id, patch);
	json_object_object_add(args, "update", update);
	r = invoke(f, "ContactCard/set", args, "ContactCard/set");
	assert_string_equal(json_object_get_string(json_object_object_get(
		json_object_object_get(jpath(r, "notUpdated"), id), "type")), "invalidProperties");
	json_object_put(r);
	free(text);
}

/* Over HTTP the urn:tern:dav properties do not exist. */
static void test_http_no_dav(void **state)
{
	struct jmap_fixture *f = *state;
	static const char get[] =
		"{\"using\":[\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:contacts\"],"
		"\"methodCalls\":[[\"ContactCard/get\",{\"accountId\":\"%s\",\"properties\":"
		"[\"davData\"]},\"0\"],[\"ContactCard/set\",{\"accountId\":\"%s\",\"create\":"
		"{\"x\":{\"addressBookIds\":{\"b1\":true},\"davData\":\"BEGIN:VCARD\"}}},\"1\"],"
		"[\"AddressBook/get\",{\"accountId\":\"%s\"},\"2\"]]}";
	static const char dav_using[] =
		"{\"using\":[\"urn:ietf:params:jmap:core\",\"urn:tern:dav\"],\"methodCalls\":[]}";
	char *body;
	int status;
	json_object *r;

	assert_true(asprintf(&body, get, f->account, f->account, f->account) > 0);
	r = jmap_api_request(f->srv, &f->user, "application/json", body, strlen(body), &status);
	free(body);
	assert_int_equal(status, 200);
	assert_string_equal(jstr(r, "methodResponses/0/0"), "error");
	assert_string_equal(jstr(r, "methodResponses/0/1/type"), "invalidArguments");
	assert_string_equal(jstr(r, "methodResponses/1/1/notCreated/x/properties/0"), "davData");
	assert_string_equal(jstr(r, "methodResponses/2/0"), "AddressBook/get");
	assert_null(jpath(r, "methodResponses/2/1/list/0/davName"));
	json_object_put(r);
	r = jmap_api_request(f->srv, &f->user, "application/json", dav_using, strlen(dav_using),
			     &status);
	assert_int_equal(status, 400);
	json_object_put(r);
}

static void test_invalid_jscontact(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *r = invoke_text(f, "ContactCard/set", "{\"create\":{"
		"\"a\":{\"addressBookIds\":{\"b1\":true},\"emails\":{\"e\":{\"address\":1}}},"
		"\"b\":{\"addressBookIds\":{\"b9\":true}},"
		"\"c\":{\"addressBookIds\":{\"b1\":true,\"b2\":true}},"
		"\"d\":{\"emails\":{}},"
		"\"e\":{\"addressBookIds\":{\"b1\":true},\"unknownThing\":1}}}", NULL);

	(void)state;
	assert_string_equal(jstr(r, "notCreated/a/properties/0"), "emails");
	assert_string_equal(jstr(r, "notCreated/b/properties/0"), "addressBookIds");
	assert_string_equal(jstr(r, "notCreated/c/properties/0"), "addressBookIds");
	assert_string_equal(jstr(r, "notCreated/d/properties/0"), "addressBookIds");
	assert_string_equal(jstr(r, "notCreated/e/properties/0"), "unknownThing");
	json_object_put(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		jmap_fixture_test(test_default_address_book),
		jmap_fixture_test(test_lazy_default),
		jmap_fixture_test(test_create_jscontact),
		jmap_fixture_test(test_create_dav_data),
		jmap_fixture_test(test_update_keeps_unknown),
		jmap_fixture_test(test_uid_conflict),
		jmap_fixture_test(test_query),
		jmap_fixture_test(test_changes_destroy),
		jmap_fixture_test(test_address_book_set),
		jmap_fixture_test(test_dav_data_update),
		jmap_fixture_test(test_http_no_dav),
		jmap_fixture_test(test_invalid_jscontact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
