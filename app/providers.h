/**
 * @file providers.h
 * Finding and loading the mail provider profiles for --diagnose: the shipped
 * providers.json (beside the binary, in the source tree's data/, or installed under
 * share/proptrack), then the user's $XDG_CONFIG_HOME/proptrack/providers.json
 * (~/.config/proptrack/providers.json), whose profiles add to or replace the shipped ones.
 */
#ifndef PT_APP_PROVIDERS_H
#define PT_APP_PROVIDERS_H

#include <stdio.h>

#include "provider.h"

/**
 * Load the profiles into @p p (zeroed first) and check --provider @p name (NULL: none).
 * A missing file is no error; a file that cannot be read or is invalid, or an unknown
 * @p name, is (the message goes to @p err).
 * @return -1 to go on, else the exit status to end with (2). Release @p p with
 *         pt_providers_fini() either way.
 */
int pt_app_providers_load(struct pt_providers *p, const char *name, FILE *err);

#endif /* PT_APP_PROVIDERS_H */
