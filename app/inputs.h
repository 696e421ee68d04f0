/**
 * @file inputs.h
 * What every mode starts from, read and checked once: the normalised domain, the --expect
 * values, the resolver list (files, -s, stdin, else the default list) and the --auth servers.
 * Problems are reported on the FILE * given as "SOURCE:LINE: reason"; a list with no usable
 * entry, an unreadable file, an invalid domain or --expect value is an input error (exit 2).
 * Controlling thread only.
 */
#ifndef PT_INPUTS_H
#define PT_INPUTS_H

#include <stddef.h>
#include <stdio.h>

#include "options.h"
#include "resolvers.h"

/** The checked inputs. Embedded; release with pt_inputs_fini(). */
struct pt_inputs {
	/** DOMAIN, lower-case absolute */
	char domain[256];
	/** the resolvers; owned */
	struct pt_resolvers *list;
	/** --auth servers; owned (NULL when none) */
	struct pt_resolver *auth;
	/** number of @ref auth */
	size_t nauth;
};

/**
 * Read and check the inputs @p o names.
 * @return -1 to go on, else the exit status (2) after a message on @p err. @p in is filled
 *         either way; release it with pt_inputs_fini().
 */
int pt_inputs_load(struct pt_inputs *in, const struct pt_options *o, FILE *err);

/** Release what @p in holds. */
void pt_inputs_fini(struct pt_inputs *in);

/**
 * Free the resolver list once a session holds its own copies of the entries (the state's):
 * ~830 bytes a resolver not kept twice. Nothing may read @p in's list after (it is NULL).
 */
void pt_inputs_release_list(struct pt_inputs *in);

/** The list's entries as an array. @param[out] out caller owns; free(). @return the count. */
size_t pt_inputs_resolvers(const struct pt_inputs *in, struct pt_resolver **out);

/**
 * A data file found relative to the running binary: the first of @p rel (paths relative to
 * the binary's directory) that can be read, written into @p buf.
 * @return @p buf, or @p fallback when none can be read
 */
const char *pt_inputs_data_file(char *buf, size_t size, const char *const *rel, size_t nrel,
				const char *fallback);

#endif /* PT_INPUTS_H */
