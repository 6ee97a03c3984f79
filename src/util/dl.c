/* dl.c - optional libraries, loaded when first needed (see dl.h). */
#include "dl.h"

#include <dlfcn.h>

int rp_dl_load(const char *soname, const char *package, const char *const *names, void **out, size_t n,
	       rp_err *e)
{
	/* dlopen() counts references: loading again for a later object costs
	 * a lookup, not a second copy */
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!h) {
		const char *why = dlerror();
		return rp_err_set(e, RP_EIO, "cannot load %s (Debian package %s): %s", soname, package,
				  why ? why : "unknown error");
	}
	for (size_t i = 0; i < n; i++) {
		dlerror();
		out[i] = dlsym(h, names[i]);
		if (!out[i]) {
			/* dlclose() frees dlerror()'s text: the message is made first */
			const char *why = dlerror();
			int rc = rp_err_set(e, RP_EIO, "%s lacks %s: %s", soname, names[i], why ? why : "no such symbol");
			dlclose(h);
			return rc;
		}
	}
	/* the handle is dropped, the library stays (RTLD_NODELETE) */
	dlclose(h);
	return 0;
}
