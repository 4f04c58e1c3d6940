/* The result and algorithm names RFC 8601, RFC 6376 and RFC 7208 write. */
#include "mailauth/mailauth.h"

const char *dkim_algorithm_name(enum dkim_algorithm alg)
{
	return alg == DKIM_ED25519_SHA256 ? "ed25519-sha256" : "rsa-sha256";
}

const char *dkim_result_name(enum dkim_result result)
{
	static const char *const names[] = {
		[DKIM_NONE] = "none", [DKIM_PASS] = "pass", [DKIM_FAIL] = "fail",
		[DKIM_NEUTRAL] = "neutral", [DKIM_POLICY] = "policy",
		[DKIM_TEMPERROR] = "temperror", [DKIM_PERMERROR] = "permerror",
	};
	return names[result];
}

const char *spf_result_name(enum spf_result result)
{
	static const char *const names[] = {
		[SPF_NONE] = "none", [SPF_NEUTRAL] = "neutral", [SPF_PASS] = "pass",
		[SPF_FAIL] = "fail", [SPF_SOFTFAIL] = "softfail",
		[SPF_TEMPERROR] = "temperror", [SPF_PERMERROR] = "permerror",
	};
	return names[result];
}

const char *dmarc_result_name(enum dmarc_result result)
{
	static const char *const names[] = {
		[DMARC_NONE] = "none", [DMARC_PASS] = "pass", [DMARC_FAIL] = "fail",
		[DMARC_TEMPERROR] = "temperror", [DMARC_PERMERROR] = "permerror",
	};
	return names[result];
}
