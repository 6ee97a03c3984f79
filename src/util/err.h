/* err.h - error values and the message that goes with them.
 *
 * Every function that can fail returns an int: 0 on success or a negative
 * RP_E* code.  The message is written once, where the failure is detected,
 * into an rp_err the caller passes down; callers forward the code without
 * rewording (they may prefix context such as a file name).
 */
#ifndef RP_ERR_H
#define RP_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum {
	RP_OK = 0,
	RP_EIO = -1,       /* an operating-system or network I/O call failed */
	RP_ENOMEM = -2,    /* allocation failed */
	RP_ECORRUPT = -3,  /* repository data is damaged or malformed */
	RP_ECRYPTO = -4,   /* authentication failed (tampering or wrong key) */
	RP_EINVAL = -5,    /* bad argument from the user */
	RP_ENOTFOUND = -6, /* object or file does not exist */
	RP_EEXIST = -7,    /* object already exists */
	RP_EVERSION = -8,  /* written by a newer format version */
	RP_EPASSWORD = -9, /* no key file opens with this password */
	RP_EPERM = -10,    /* the key or token does not allow this */
	RP_ENOSPC = -11,   /* no space left on the destination */
	RP_ELOCKED = -12,  /* repository is locked by another process */
	RP_ENET = -13,     /* network failure that retries did not cure */
	RP_EINTR = -14,    /* interrupted by the user */
	RP_EPARTIAL = -15, /* done, but some items could not be processed */
};

#define RP_ERR_MSG_BYTES 1024

typedef struct rp_err {
	int code;
	char msg[RP_ERR_MSG_BYTES];
} rp_err;

/* Clears e (code 0, empty message). */
void rp_err_clear(rp_err *e);

/* Records code and a printf-style message in e (if e is not NULL) and
 * returns code, so callers can write `return rp_err_set(e, ...)`. */
int rp_err_set(rp_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like rp_err_set, with the code derived from errnum (ENOSPC -> RP_ENOSPC,
 * ENOENT -> RP_ENOTFOUND, ...) and ": strerror(errnum)" appended. */
int rp_err_errno(rp_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Puts "context: " in front of the message already in e. */
void rp_err_prefix(rp_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A short name for a code ("I/O error", "corrupt data", ...). */
const char *rp_err_name(int code);

#endif
