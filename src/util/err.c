/* err.c - error values and messages. */
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void rp_err_clear(rp_err *e)
{
	if (!e)
		return;
	e->code = 0;
	e->msg[0] = 0;
}

int rp_err_set(rp_err *e, int code, const char *fmt, ...)
{
	if (!e)
		return code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->code = code;
	return code;
}

static int code_from_errno(int errnum)
{
	switch (errnum) {
	case ENOMEM: return RP_ENOMEM;
	case ENOENT: return RP_ENOTFOUND;
	case EEXIST: return RP_EEXIST;
	case ENOSPC:
	case EDQUOT: return RP_ENOSPC;
	case EACCES:
	case EPERM: return RP_EPERM;
	case EINTR: return RP_EINTR;
	default: return RP_EIO;
	}
}

int rp_err_errno(rp_err *e, int errnum, const char *fmt, ...)
{
	int code = code_from_errno(errnum);
	if (!e)
		return code;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof e->msg)
		snprintf(e->msg + n, sizeof e->msg - (size_t)n, ": %s", strerror(errnum));
	e->code = code;
	return code;
}

void rp_err_prefix(rp_err *e, const char *fmt, ...)
{
	if (!e)
		return;
	char head[RP_ERR_MSG_BYTES];
	char old[RP_ERR_MSG_BYTES];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	size_t h = strlen(head);
	if (h > sizeof e->msg - 3)
		h = sizeof e->msg - 3;
	memcpy(e->msg, head, h);
	memcpy(e->msg + h, ": ", 2);
	size_t rest = sizeof e->msg - h - 3;
	size_t o = strnlen(old, rest);
	memcpy(e->msg + h + 2, old, o);
	e->msg[h + 2 + o] = 0;
}

const char *rp_err_name(int code)
{
	switch (code) {
	case RP_OK: return "success";
	case RP_EIO: return "I/O error";
	case RP_ENOMEM: return "out of memory";
	case RP_ECORRUPT: return "corrupt data";
	case RP_ECRYPTO: return "authentication failed";
	case RP_EINVAL: return "invalid argument";
	case RP_ENOTFOUND: return "not found";
	case RP_EEXIST: return "already exists";
	case RP_EVERSION: return "unsupported format version";
	case RP_EPASSWORD: return "wrong password";
	case RP_EPERM: return "permission denied";
	case RP_ENOSPC: return "no space left";
	case RP_ELOCKED: return "repository locked";
	case RP_ENET: return "network error";
	case RP_EINTR: return "interrupted";
	case RP_EPARTIAL: return "partially done";
	default: return "unknown error";
	}
}
