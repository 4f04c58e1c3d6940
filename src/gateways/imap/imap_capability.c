/* The capability list: what a client may use in the session's state.
 * Before login it is kept short (RFC 9051 §7.2.2 lets the list grow
 * after login); passwords are offered only where they may be sent. */
#include "gateways/imap/imap_session.h"

#define IMAP_CAPS_COMMON "IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE"
#define IMAP_CAPS_AUTH \
	" NAMESPACE UNSELECT UIDPLUS MOVE CONDSTORE QRESYNC CHILDREN SPECIAL-USE" \
	" CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS ESEARCH SEARCHRES SORT" \
	" THREAD=ORDEREDSUBJECT THREAD=REFERENCES QUOTA QUOTA=RES-STORAGE STATUS=SIZE" \
	" BINARY UTF8=ACCEPT"

void imap_capability_list(struct evbuffer *out, bool logged_in, bool plaintext_ok,
			  bool starttls, bool compressed)
{
	evbuffer_add_printf(out, IMAP_CAPS_COMMON);
	if (logged_in) {
		evbuffer_add_printf(out, IMAP_CAPS_AUTH "%s", compressed ? "" : " COMPRESS=DEFLATE");
		return;
	}
	if (starttls)
		evbuffer_add_printf(out, " STARTTLS");
	evbuffer_add_printf(out, plaintext_ok ? " AUTH=PLAIN AUTH=LOGIN" : " LOGINDISABLED");
}
