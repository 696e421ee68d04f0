#!/bin/bash
# tools/lint.sh — `make lint`: cppcheck and clang-tidy (Debian's) over src/, app/ and ui/.
# Every finding must be fixed or explained in tools/lint-explained.txt ("FILE [CHECK] why");
# a finding not explained there fails the run, and so does an explanation that no longer
# matches any finding (so the list stays true).
set -u
cd "$(dirname "$0")/.." || exit 1
root=$(pwd -P)
defs=(-D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DPT_VERSION='"lint"' -DPT_DATADIR='"/x"')
incs=(-Isrc -Iui -Iapp $(pkg-config --cflags ldns jansson ncursesw libidn2 2>/dev/null))
out=$(mktemp -d)
trap '[ -n "${LINT_KEEP:-}" ] || rm -rf "$out"' EXIT

cppcheck --quiet --std=c11 --enable=warning,portability,performance --inline-suppr \
	--template='{file} [cppcheck-{id}] {line}: {message}' "${defs[@]}" -Isrc -Iui -Iapp \
	${LINT_FILES:-src app ui} 2>"$out/cppcheck.txt"

# checks: the analyzer, bugprone and CERT, less those that are noise for C of this style
# (each reason is in .clang-tidy)
# shellcheck disable=SC2086
ls ${LINT_FILES:-src/*.c app/*.c ui/*.c} | xargs -P "$(nproc)" -I{} clang-tidy --quiet {} -- -std=c11 \
	"${defs[@]}" -D_XOPEN_SOURCE=600 "${incs[@]}" >"$out/tidy.txt" 2>/dev/null

{
	grep -E '^[a-z]+/.*\[cppcheck-' "$out/cppcheck.txt" | sed -E 's/^([^ ]+) (\[[^]]+\]) ([0-9]+): (.*)/\1:\3 \2 \4/'
	grep -E 'warning: .*\[[A-Za-z0-9.,-]+\]$' "$out/tidy.txt" | sed -E "s|^$root/||" |
		sed -E 's/^([^:]+):([0-9]+):[0-9]+: warning: (.*) (\[[^]]+\])$/\1:\2 \4 \3/'
} | sort -u >"$out/all.txt"

fail=0
while read -r loc check msg; do
	file=${loc%%:*}
	if ! grep -qF "$file $check" tools/lint-explained.txt; then
		echo "lint: $loc $check $msg"
		fail=1
	fi
done <"$out/all.txt"
while read -r file check _; do
	case $file in '#'* | '') continue ;; esac
	if ! grep -qF "$file:" "$out/all.txt" || ! grep -F "$file:" "$out/all.txt" | grep -qF " $check "; then
		echo "lint: tools/lint-explained.txt: '$file $check' matches no finding any more"
		fail=1
	fi
done <tools/lint-explained.txt
n=$(grep -c '' "$out/all.txt")
echo "lint: $n finding(s), each fixed or explained in tools/lint-explained.txt"
[ "$fail" = 0 ]
