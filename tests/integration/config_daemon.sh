#!/bin/bash
# rtcgated start-up: state directory layout and permissions, the factory
# certificate, command-line overrides shown in the running configuration,
# a clean SIGTERM that removes the socket, and an unreadable saved file
# refused rather than replaced.
# Usage: tests/integration/config_daemon.sh BUILD_DIR
set -u
cd "$(dirname "$0")/../.." || exit 1
# Its own network namespace: the embedded default listens on 8080/5060.
if [ -z "${RG_IN_NETNS:-}" ]; then
    RG_IN_NETNS=1 exec unshare -n "$BASH" "$0" "$@"
fi
ip link set lo up
. tests/integration/lib_rtcgated.sh
tmp=$(mktemp -d)
st=$tmp/state
trap 'stop_daemon; rm -rf "$tmp"' EXIT
"$RTCGATED" --state-dir "$st" --ng 127.0.0.1:2299 --media-address 127.0.0.2 --media-ports 30000-30100 \
    >>"$st.log" 2>&1 &
daemon_pid=$! daemon_log=$st.log
for _ in $(seq 1 200); do [ -S "$st/cli.sock" ] && break; sleep 0.05; done
[ "$(stat -c %a "$st/cli.sock")" = 600 ] && ok "config_daemon: CLI socket is mode 0600" ||
    fail "config_daemon: CLI socket mode $(stat -c %a "$st/cli.sock")"
[ "$(stat -c %a "$st")" = 700 ] && [ "$(stat -c %a "$st/secret.key")" = 600 ] &&
    [ "$(stat -c %s "$st/secret.key")" = 32 ] && ok "config_daemon: state dir 0700, secret.key 0600 (32 bytes)" ||
    fail "config_daemon: state directory permissions"
openssl pkcs12 -in "$st/certs/defaultDtlsSBCCert.p12" -nokeys -passin pass:wrong >/dev/null 2>&1 &&
    fail "config_daemon: factory PKCS#12 opens without its passphrase" ||
    ok "config_daemon: factory PKCS#12 is protected by a passphrase"
grep -q '^set system security pki certificate defaultDtlsSBCCert passPhrase \$7\$' "$st/rtcgate.conf" &&
    ok "config_daemon: factory passphrase saved only as \$7\$" || fail "config_daemon: factory passphrase"
out=$("$RTCGATE" --state-dir "$st" show configuration system)
echo "$out" | grep -q '^    port    2299;$' && echo "$out" | grep -q '^    mediaAddress 127.0.0.2;$' &&
    echo "$out" | grep -q '^        max 30100;$' && ok "config_daemon: --ng/--media-* overrides shown" ||
    { fail "config_daemon: overrides not in running"; echo "$out"; }
"$RTCGATE" --state-dir "$st" show nosuch >/dev/null; [ $? -eq 1 ] &&
    ok "config_daemon: rtcgate exits 1 on [error]" || fail "config_daemon: exit status on error"
# The socket protocol fed one byte at a time (the server reassembles lines),
# and two requests in one write (answered in order).
python3 - "$st/cli.sock" >"$tmp/proto.out" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
def resp():
    hdr = b""
    while not hdr.endswith(b"\n"):
        hdr += s.recv(1)
    _, st, n, pn = hdr.split()
    body = b""
    while len(body) < int(n) + int(pn):
        body += s.recv(int(n) + int(pn) - len(body))
    return int(st), body[: int(n)].decode(), body[int(n):].decode()
print(resp())
for b in b"x show table system licenseInfo\n":
    s.send(bytes([b])); time.sleep(0.001)
print(resp())
s.send(b"x configure\nh set system ngControl \n")
print(resp()); print(resp())
PY
grep -q "^(0, '', 'admin@rtcgate> ')$" "$tmp/proto.out" && grep -q "No licences are needed" "$tmp/proto.out" &&
    grep -q "Entering configuration mode private" "$tmp/proto.out" &&
    grep -q "Possible completions:.*address.*port.*state" "$tmp/proto.out" &&
    grep -q "'admin@rtcgate% ')$" "$tmp/proto.out" &&
    ok "config_daemon: socket protocol byte by byte and pipelined" ||
    { fail "config_daemon: socket protocol"; cat "$tmp/proto.out"; }
stop_daemon
[ ! -e "$st/cli.sock" ] && ok "config_daemon: SIGTERM stops cleanly and removes the socket" ||
    fail "config_daemon: socket left behind"
"$RTCGATE" --state-dir "$st" show table system licenseInfo >/dev/null 2>&1; [ $? -eq 2 ] &&
    ok "config_daemon: rtcgate exits 2 without a daemon" || fail "config_daemon: exit status without daemon"
cp "$st/rtcgate.conf" "$tmp/saved"
echo "set profiles security dtlsProfile x handshakeTimer 99" >>"$st/rtcgate.conf"
"$RTCGATED" --state-dir "$st" >"$tmp/bad.log" 2>&1; rc=$?
[ $rc -ne 0 ] && grep -q '"99" is out of range' "$tmp/bad.log" && tail -n 1 "$st/rtcgate.conf" | grep -q 'handshakeTimer 99' &&
    ok "config_daemon: a bad saved file is refused with its line, not overwritten" ||
    { fail "config_daemon: bad saved file (exit $rc)"; cat "$tmp/bad.log"; }
[ $fails -eq 0 ]
