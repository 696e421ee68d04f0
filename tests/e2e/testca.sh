#!/bin/bash
# A test certificate authority for the lab's TLS servers (HTTPS fixtures, DoT/DoH, STARTTLS):
#   testca.sh DIR NAME...
# makes DIR/ca.pem (trust it with --ca-file) and, per NAME, DIR/NAME.pem and DIR/NAME.key, a
# leaf certificate for NAME (a host name, or an IP address) signed by the CA. Everything stays in
# DIR; nothing is installed in the system's trust store.
set -euo pipefail
dir=$1
shift
mkdir -p "$dir"
if [ ! -f "$dir/ca.pem" ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=proptrack test CA" \
		-keyout "$dir/ca.key" -out "$dir/ca.pem" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi
for name in "$@"; do
	if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then
		san="IP:$name"
	else
		san="DNS:$name"
	fi
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$dir/$name.key" \
		-out "$dir/$name.csr" 2>/dev/null
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$san" \
		>"$dir/$name.ext"
	openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
		-CAcreateserial -days 2 -extfile "$dir/$name.ext" -out "$dir/$name.pem" 2>/dev/null
	rm -f "$dir/$name.csr" "$dir/$name.ext"
done
