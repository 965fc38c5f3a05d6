#include "libversions.h"

#include <archive.h>
#include <curl/curl.h>
#include <git2.h>
#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <xgboost/c_api.h>
#include <yaml.h>

void mlops_library_versions(struct lib_version out[MLOPS_NLIBS])
{
	int a = 0, b = 0, c = 0;
	const char *s;
	int i = 0;

	s = archive_version_string(); /* "libarchive 3.6.2" */
	out[i].name = "libarchive";
	snprintf(out[i++].version, sizeof(out[0].version), "%s",
		 strchr(s, ' ') ? strchr(s, ' ') + 1 : s);
	out[i].name = "libcurl";
	snprintf(out[i++].version, sizeof(out[0].version), "%s",
		 curl_version_info(CURLVERSION_NOW)->version);
	git_libgit2_version(&a, &b, &c);
	out[i].name = "libgit2";
	snprintf(out[i++].version, sizeof(out[0].version), "%d.%d.%d", a, b, c);
	out[i].name = "jansson";
	snprintf(out[i++].version, sizeof(out[0].version), "%s",
		 jansson_version_str());
	out[i].name = "libyaml";
	snprintf(out[i++].version, sizeof(out[0].version), "%s",
		 yaml_get_version_string());
	out[i].name = "libmicrohttpd";
	snprintf(out[i++].version, sizeof(out[0].version), "%s",
		 MHD_get_version());
	XGBoostVersion(&a, &b, &c);
	out[i].name = "libxgboost";
	snprintf(out[i++].version, sizeof(out[0].version), "%d.%d.%d", a, b, c);
	out[i].name = "OpenSSL";
	snprintf(out[i++].version, sizeof(out[0].version), "%s",
		 OpenSSL_version(OPENSSL_VERSION_STRING));
}
