/* The two families of collections: what differs between address books
 * over AddressBook/ContactCard and calendars over Calendar/CalendarEvent. */
#include "dav/dav_private.h"

static const char *const dav_card_coll_props[] = {
	"id", "name", "description", "sortOrder", "isDefault", "davName", "davProperties", NULL,
};

static const char *const dav_cal_coll_props[] = {
	"id", "name", "description", "sortOrder", "isDefault", "color", "timeZone", "davName",
	"davProperties", NULL,
};

const struct dav_family dav_family_card = {
	.segment = "card",
	.coll_type = "AddressBook",
	.member_type = "ContactCard",
	.parent_prop = "addressBookIds",
	.in_filter = "inAddressBook",
	.in_filter_list = false,
	.destroy_arg = "onDestroyRemoveContents",
	.extension = ".vcf",
	.media_type = "text/vcard",
	.ns = DAV_NS_CARDDAV,
	.coll_element = "addressbook",
	.data_element = "address-data",
	.valid_data = "valid-address-data",
	.home_set = "addressbook-home-set",
	.description = "addressbook-description",
	.default_name = "Address Book",
	.coll_props = dav_card_coll_props,
};

const struct dav_family dav_family_cal = {
	.segment = "cal",
	.coll_type = "Calendar",
	.member_type = "CalendarEvent",
	.parent_prop = "calendarIds",
	.in_filter = "inCalendars",
	.in_filter_list = true,
	.destroy_arg = "onDestroyRemoveEvents",
	.extension = ".ics",
	.media_type = "text/calendar",
	.ns = DAV_NS_CALDAV,
	.coll_element = "calendar",
	.data_element = "calendar-data",
	.valid_data = "valid-calendar-data",
	.home_set = "calendar-home-set",
	.description = "calendar-description",
	.default_name = "Calendar",
	.coll_props = dav_cal_coll_props,
};
