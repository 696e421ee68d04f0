/**
 * @file status.h
 * Error codes shared by every module, and their messages.
 * Thread-safe: the string table is constant.
 */
#ifndef PT_STATUS_H
#define PT_STATUS_H

/** Result of a function that can fail. Values are zero or negative. */
enum pt_status {
	PT_OK = 0,	     /**< success */
	PT_ERR_NOMEM = -1,   /**< out of memory */
	PT_ERR_IO = -2,	     /**< an I/O or system call failed */
	PT_ERR_PARSE = -3,   /**< input text or wire data could not be read */
	PT_ERR_DNS = -4,     /**< a DNS message was unusable (mismatch, bad rcode, ...) */
	PT_ERR_TIMEOUT = -5, /**< no reply in time */
};

/**
 * Message for @p status.
 * @return a static string; never NULL, "unknown error" for values outside the enum.
 */
const char *pt_strerror(enum pt_status status);

#endif /* PT_STATUS_H */
