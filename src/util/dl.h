/* dl.h - optional libraries, loaded when first needed.
 *
 * libcurl, libarchive and libmicrohttpd bring some thirty more shared
 * objects (Kerberos, LDAP, GnuTLS, libxml2, ICU...).  Linked into the
 * binary, they cost every command ~30 ms when they are not in the page
 * cache, a tenth of an unchanged re-backup, although only rest:
 * repositories, office documents and `serve` need them.  The modules that
 * use them resolve their functions here instead, into a table of their
 * own, declared with RP_DL_FIELD so the compiler checks every type against
 * the library's header.
 *
 * A library stays loaded once opened (RTLD_NODELETE): the handlers it
 * registers with atexit() must not outlive its code.
 */
#ifndef RP_DL_H
#define RP_DL_H

#include "util/err.h"

#include <stddef.h>
#include <string.h>

/* For X-macro lists of (field, symbol): a table field with the symbol's type. */
#define RP_DL_FIELD(field, sym) __typeof__(&sym) field;
/* The symbol's name, for the names array passed to rp_dl_load. */
#define RP_DL_NAME(field, sym) #sym,

/* Opens soname (package: the Debian package that ships it, for the
 * message) and resolves names[0..n) into out[0..n).  Fails with RP_EIO
 * naming the library and the first symbol it lacks. */
int rp_dl_load(const char *soname, const char *package, const char *const *names, void **out, size_t n,
	       rp_err *e);

/* Defines `static int name(type *f, rp_err *e)`, which loads soname and
 * fills the table f with the symbols of the X-macro LIST. */
#define RP_DL_DEFINE_LOADER(name, type, LIST, soname, package)                                  \
	static int name(type *f, rp_err *e)                                                      \
	{                                                                                         \
		static const char *const names_[] = {LIST(RP_DL_NAME)};                          \
		void *p_[sizeof names_ / sizeof *names_];                                        \
		int rc_ = rp_dl_load(soname, package, names_, p_, sizeof names_ / sizeof *names_, e); \
		size_t i_ = 0;                                                                    \
		if (rc_)                                                                          \
			return rc_;                                                               \
		LIST(RP_DL_COPY)                                                                  \
		return 0;                                                                         \
	}
#define RP_DL_COPY(field, sym) RP_DL_SET(&f->field, p_[i_++]);

/* Copies a resolved address into a function pointer of the table. */
#define RP_DL_SET(fieldp, addr)                                                                                   \
	do {                                                                                                      \
		_Static_assert(sizeof *(fieldp) == sizeof(void *), "function and data pointers differ in size"); \
		memcpy((fieldp), &(addr), sizeof(void *));                                                       \
	} while (0)

#endif
