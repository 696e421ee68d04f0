#include "status.h"

static const char *const messages[] = {
	"success",		/* PT_OK */
	"out of memory",	/* PT_ERR_NOMEM */
	"I/O error",		/* PT_ERR_IO */
	"parse error",		/* PT_ERR_PARSE */
	"unusable DNS message", /* PT_ERR_DNS */
	"timed out",		/* PT_ERR_TIMEOUT */
};

const char *pt_strerror(enum pt_status status)
{
	int i = -(int)status;

	if (i < 0 || i >= (int)(sizeof(messages) / sizeof(messages[0]))) {
		return "unknown error";
	}
	return messages[i];
}
