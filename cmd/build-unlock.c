/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg build's unlock agent options: their combinations, and where the agent is. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build-unlock.h"

/* $CVMIMG_UNLOCK_AGENT, the build tree's closure when run from it, else the installed one. */
static const char *agent_dir(void)
{
	const char *env = getenv("CVMIMG_UNLOCK_AGENT");

	if (env && *env)
		return env;
	return cli_in_build_tree() ? CVMIMG_BUILD_AGENT_DIR : CVMIMG_AGENT_DIR;
}

/* REPO/TYPE/TAG: three non-empty parts. */
static bool resource_ok(const char *s)
{
	const char *a = strchr(s, '/'), *b = a ? strchr(a + 1, '/') : NULL;

	return a && b && a > s && b > a + 1 && b[1] && !strchr(b + 1, '/');
}

static const char *const evidence_names[] = {"auto", "tsm", "sev-guest", "efi-secret", NULL};

static bool evidence_ok(const char *s)
{
	for (size_t i = 0; evidence_names[i]; i++)
		if (!strcmp(s, evidence_names[i]))
			return true;
	return false;
}

int build_unlock_check(struct cvm_build_options *o)
{
	bool https, transport = o->broker_ca || o->broker_pin || o->broker_allow_http;

	if (o->broker_evidence && !evidence_ok(o->broker_evidence))
		return cli_usage("build", "--broker-evidence is auto, tsm, sev-guest or efi-secret, "
					  "not '%s'", o->broker_evidence);
	if (o->broker_evidence && !strcmp(o->broker_evidence, "efi-secret")) {
		/* SEV/SEV-ES: the guest owner injects the key at launch; no broker to trust */
		if (transport || o->broker_timeout)
			return cli_usage("build", "--broker-evidence efi-secret reads the key the guest "
						  "owner injected: it takes no --broker-ca, --broker-pin, "
						  "--broker-allow-http or --broker-timeout");
		o->unlock_agent_dir = agent_dir();
		return 0;
	}
	if (!transport) {
		if (o->broker_timeout || o->broker_evidence)
			return cli_usage("build", "--broker-%s needs the unlock agent: "
						  "--broker-ca, --broker-pin or --broker-allow-http",
					 o->broker_timeout ? "timeout" : "evidence");
		return 0;
	}
	if (!o->kbs_url || !o->kbs_resource)
		return cli_usage("build", "the unlock agent needs --broker-url and "
					  "--broker-resource");
	if (!resource_ok(o->kbs_resource))
		return cli_usage("build", "--broker-resource is REPO/TYPE/TAG, not '%s'",
				 o->kbs_resource);
	https = !strncmp(o->kbs_url, "https://", 8);
	if (!https && strncmp(o->kbs_url, "http://", 7))
		return cli_usage("build", "--broker-url must be https:// (or http:// with "
					  "--broker-allow-http), not '%s'", o->kbs_url);
	if (!https && !o->broker_allow_http)
		return cli_usage("build", "--broker-url '%s' is plain http: add "
					  "--broker-allow-http, or use https", o->kbs_url);
	if (https && !o->broker_ca && !o->broker_pin)
		return cli_usage("build", "an https broker needs --broker-ca or --broker-pin");
	if (o->broker_pin && strncmp(o->broker_pin, "sha256//", 8))
		return cli_usage("build", "--broker-pin is sha256//<base64 of the SPKI's SHA-256>");
	if (o->broker_ca && access(o->broker_ca, R_OK) < 0)
		return cli_usage("build", "cannot read --broker-ca '%s'", o->broker_ca);
	o->unlock_agent_dir = agent_dir();
	return 0;
}
