#!/bin/bash
# make smoke-atlas: one real RIPE Atlas measurement (needs internet access and an API key in
# RIPE_ATLAS_KEY or SMOKE_ATLAS_KEY_FILE; costs about 10 credits per probe). Never part of
# make test. Prints the table; fails only when the measurement could not be made or judged.
set -u
PROG=${1:-./proptrack}
domain=${SMOKE_DOMAIN:-gmail.com}
probes=${SMOKE_ATLAS_PROBES:-5}
key=()
[ -n "${SMOKE_ATLAS_KEY_FILE:-}" ] && key=(--atlas-key-file "$SMOKE_ATLAS_KEY_FILE")
if [ -z "${RIPE_ATLAS_KEY:-}" ] && [ ${#key[@]} -eq 0 ]; then
	echo "smoke-atlas: set RIPE_ATLAS_KEY (or SMOKE_ATLAS_KEY_FILE) to a key that may create measurements" >&2
	exit 1
fi
echo "smoke-atlas: $PROG --atlas --atlas-probes $probes --once $domain MX"
"$PROG" --atlas --atlas-probes "$probes" --atlas-wait 3m "${key[@]}" --once "$domain" MX
rc=$?
case $rc in
0 | 1) echo "smoke-atlas: ok (exit $rc)"; exit 0 ;;
*) echo "smoke-atlas: FAILED (exit $rc)"; exit 1 ;;
esac
