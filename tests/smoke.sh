#!/bin/bash
# make smoke: one real check against the public resolvers in resolvers.txt. Needs internet
# access; never part of make test. Prints the table and fails only if nothing answered.
set -u
PROG=${1:-./proptrack}
domain=${SMOKE_DOMAIN:-gmail.com}
echo "smoke: $PROG --once $domain MX against resolvers.txt (public resolvers)"
"$PROG" --once --timeout 3000 --retries 1 -r resolvers.txt "$domain" MX
rc=$?
case $rc in
0 | 1) echo "smoke: ok (exit $rc)"; exit 0 ;;
*) echo "smoke: FAILED (exit $rc)"; exit 1 ;;
esac
