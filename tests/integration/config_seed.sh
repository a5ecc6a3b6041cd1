#!/bin/bash
# Issue 3, "must show": every set/commit line of the seed page, fed in order
# through the CLI (stdin, scripted mode) against a fresh rtcgated, answers
# [ok] / Commit complete.; show gives the values back; the seed's dtlsProfile
# and pki certificate listings come out in the seed's layout.
# Usage: tests/integration/config_seed.sh BUILD_DIR
set -u
cd "$(dirname "$0")/../.." || exit 1
# Its own network namespace: the embedded default listens on 8080/5060.
if [ -z "${RG_IN_NETNS:-}" ]; then
    RG_IN_NETNS=1 exec unshare -n "$BASH" "$0" "$@"
fi
ip link set lo up
. tests/integration/lib_rtcgated.sh
seed=../shared/mission/seed-wrtc-config.txt
if [ ! -f "$seed" ]; then
    echo "FAIL - config_seed: seed page $seed not found (expected next to the project root)"
    exit 1
fi
tmp=$(mktemp -d)
st=$tmp/state
trap 'stop_daemon; rm -rf "$tmp"' EXIT
mkdir -p "$st/certs"

# The seed's certificate file, made here (never a key in the repository).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=seed \
    -keyout "$tmp/k.pem" -out "$tmp/c.pem" 2>/dev/null &&
openssl pkcs12 -export -inkey "$tmp/k.pem" -in "$tmp/c.pem" -passout pass:gsx9000 \
    -out "$st/certs/defaultDtlsCert.p12" 2>/dev/null &&
openssl pkcs12 -export -inkey "$tmp/k.pem" -in "$tmp/c.pem" -passout pass:gsx9000 \
    -out "$st/certs/sonuscert.p12" 2>/dev/null || { echo "FAIL - config_seed: openssl"; exit 1; }

start_daemon "$st" || { echo "FAIL - config_seed: rtcgated did not start"; cat "$st.log"; exit 1; }

# Concrete command lines from the seed, in order.  Syntax templates
# ("… <a | b>") are expanded to each alternative ("<lo..hi>" to both
# bounds); a template naming only sub-elements that later templates spell
# out ("ice <offerPreference | answerPreference>") is a summary, skipped.
python3 - "$seed" >"$tmp/lines" <<'PY'
import re, sys
raw = [l.strip() for l in open(sys.argv[1], encoding="utf-8")]
cmds = [re.sub(r"\s+", " ", l) for l in raw if re.match(r"^(set|commit|Commit)\b", l)]
out = []
for i, l in enumerate(cmds):
    m = re.search(r"<([^>]*)>", l)
    if not m:
        out.append(l)
        continue
    alts = [a.strip() for a in m.group(1).split("|")]
    r = re.fullmatch(r"(\d+)\.\.(\d+)", m.group(1).strip())
    if r:
        alts = [r.group(1), r.group(2)]
    head = l[: m.start()]
    if all(any(o.startswith(head + a + " ") for o in cmds) for a in alts):
        print("# summary: " + l)
        continue
    for a in alts:
        out.append(head + a + l[m.end():])
for l in out:
    print(l)
PY
grep -v '^#' "$tmp/lines" >"$tmp/cmds"
n=$(wc -l <"$tmp/cmds")
[ "$n" -gt 100 ] && ok "config_seed: $n command lines extracted from the seed" ||
    fail "config_seed: only $n command lines extracted"

# Feed them one by one in one configuration session; the seed leaves its
# last block ("Other Configuration") uncommitted, so one commit follows.
{ echo configure; cat "$tmp/cmds"; echo commit; } >"$tmp/input"
"$RTCGATE" --state-dir "$st" <"$tmp/input" >"$tmp/transcript"
rc=$?
[ $rc -eq 0 ] && ok "config_seed: transcript ends every command with [ok]" ||
    { fail "config_seed: rtcgate exit $rc"; grep -B4 '^\[error\]' "$tmp/transcript" | head -40; }
errors=$(grep -c '^\[error\]' "$tmp/transcript")
oks=$(grep -c '^\[ok\]' "$tmp/transcript")
commits=$(grep -ciE '% commit$' "$tmp/transcript")
completes=$(grep -c '^Commit complete\.$' "$tmp/transcript")
[ "$errors" -eq 0 ] && ok "config_seed: no [error] in $oks answers" || fail "config_seed: $errors errors"
[ "$oks" -eq $((n + 2)) ] && ok "config_seed: one [ok] per command" ||
    fail "config_seed: $oks [ok] for $((n + 2)) commands"
[ "$commits" -ge 7 ] && [ "$commits" -eq "$completes" ] &&
    ok "config_seed: all $commits commits (incl. 'Commit') say Commit complete." ||
    fail "config_seed: $commits commits, $completes Commit complete."

# Every seed line is already in effect: applying them all again changes nothing.
{ echo configure; cat "$tmp/cmds" | grep -vi '^commit'; echo commit; echo exit; } >"$tmp/again"
"$RTCGATE" --state-dir "$st" <"$tmp/again" >"$tmp/again.out"
grep -q '^No modifications to commit\.$' "$tmp/again.out" &&
    ok "config_seed: re-applying every seed line is no modification (all values stored)" ||
    { fail "config_seed: values differ after re-applying"; grep -B3 'Commit complete' "$tmp/again.out" | head; }

show() { "$RTCGATE" --state-dir "$st" "$@" | sed '1d'; }
check_show() { # check_show PATH... -- EXPECTED-SUBSTRING
    local args=() exp
    while [ "$1" != "--" ]; do args+=("$1"); shift; done
    exp=$2
    if show "${args[@]}" | grep -qF -- "$exp"; then ok "config_seed: show ${args[*]: -1} has '$exp'"
    else fail "config_seed: show ${args[*]} lacks '$exp'"; fi
}
tg="addressContext default zone ZONE_WRTC sipTrunkGroup TG_SIPART_WRTC"
check_show show configuration $tg services natTraversal iceSupport -- "iceSupport iceFull;"
check_show show configuration $tg services natTraversal mediaNat -- "mediaNat disabled;"
check_show show configuration $tg services natTraversal iceSourceAddressFilterPriority -- "serverReflexivePrefixLength 32;"
check_show show configuration $tg media -- "sdpAttributesSelectiveRelay enabled;"
check_show show configuration $tg media -- "dtlsProfileName             d1;"
check_show show configuration $tg media ice -- "answerPreference matchSigAddrType;"
check_show show configuration $tg policy -- "packetServiceProfile PSP_WRTC;"
check_show show configuration $tg signaling -- "inputAdapterProfile  IN_SMM_RULE;"
check_show show configuration $tg signaling -- "outputAdapterProfile OUT_SMM_RULE;"
check_show show configuration profiles security dtlsProfile d1 -- "handshakeTimer     5;"
check_show show configuration profiles security cryptoSuiteProfile cp1 -- "cryptoSuite AES-CM-128-HMAC-SHA1-80;"
check_show show configuration profiles media packetServiceProfile PSP_WRTC -- "codecEntry12 OPUS-Default;"
check_show show configuration profiles media packetServiceProfile PSP_WRTC -- "dtlsCryptoSuiteProfile cp1;"
check_show show configuration profiles media packetServiceProfile PSP_WRTC -- "dtlsSctpRelay     enable;"
check_show show configuration profiles media packetServiceProfile PSP_WRTC -- "rtcpMux enable;"
check_show show configuration profiles media codecEntry OPUS-Default -- "preferredRtpPayloadType 111;"
check_show show configuration profiles security dtlsProfile defaultDtlsProfile -- "cipherSuite2       tls_ecdhe_rsa_with_aes_128_cbc_sha;"
check_show show configuration profiles signaling sipAdaptorProfile OUT_SMM_RULE -- 'string        "a=setup:active\r\n";'
check_show show configuration profiles signaling sipAdaptorProfile OUT_SMM_RULE -- 'value "a=setup:actpass\r\n";'
check_show show configuration profiles signaling sipAdaptorProfile OUT_SMM_RULE -- "messageTypes [ request all ];"
check_show show configuration profiles signaling sipAdaptorProfile IN_SMM_RULE -- 'string        "a=msid-semantic:.*?\r\n";'
check_show show configuration profiles signaling sipAdaptorProfile IN_SMM_RULE -- "state enabled;"
check_show show configuration system security pki certificate defaultDtlsSBCCert -- "fileName   defaultDtlsCert.p12;"

# Layouts.  The seed's dtlsProfile listing lost its column alignment in the
# web copy (first two lines single-spaced), so runs of spaces compare equal.
{ echo configure
  echo "set system security pki certificate defaultSBCCert state enabled fileName sonuscert.p12 passPhrase gsx9000 type local"
  echo "set profiles security dtlsProfile defaultDtlsProfile handshakeTimer 60 sessionResumpTimer 300 cipherSuite1 rsa-with-aes-128-cbc-sha dtlsRole server hashType sha1 CertName defaultDtlsSBCCert cookieExchange enabled v1_0 enabled v1_1 disabled v1_2 disabled"
  echo "delete profiles security dtlsProfile defaultDtlsProfile cipherSuite2"
  echo "delete profiles security dtlsProfile defaultDtlsProfile cipherSuite3"
  echo commit; echo exit; } | "$RTCGATE" --state-dir "$st" >"$tmp/layout.out" ||
    { fail "config_seed: layout set-up"; cat "$tmp/layout.out"; }
sed -n '/^show profiles security dtlsProfile defaultDtlsProfile/,/^\[ok\]/p' "$seed" | sed '1d' |
    grep -v '^\s*$' | tr -s ' ' >"$tmp/want_dtls"
show show profiles security dtlsProfile defaultDtlsProfile | grep -v '^\s*$' | tr -s ' ' |
    sed 's/^\[ok\].*/[ok]/' >"$tmp/got_dtls"
diff "$tmp/want_dtls" "$tmp/got_dtls" >"$tmp/d1" && ok "config_seed: dtlsProfile listing in the seed's layout" ||
    { fail "config_seed: dtlsProfile listing differs"; cat "$tmp/d1"; }
norm() { sed -E 's/\$7\$[A-Za-z0-9+\/=]+/$7$X/; s/^\[ok\].*/[ok]/'; }
sed -n '/^show configuration system security pki certificate/,/^\[ok\]/p' "$seed" | sed '1d' |
    norm >"$tmp/want_pki"
show show configuration system security pki certificate | norm >"$tmp/got_pki"
# Entries are in creation order (the seed's system was born with defaultSBCCert).
for name in defaultSBCCert defaultDtlsSBCCert; do
    sed -n "/^certificate $name {/,/^}/p" "$tmp/want_pki" >"$tmp/w_$name"
    sed -n "/^certificate $name {/,/^}/p" "$tmp/got_pki" >"$tmp/g_$name"
    [ -s "$tmp/w_$name" ] && diff "$tmp/w_$name" "$tmp/g_$name" >"$tmp/d2" &&
        ok "config_seed: certificate $name block in the seed's layout" ||
        { fail "config_seed: certificate $name block differs"; cat "$tmp/d2"; }
done
grep -q 'gsx9000' "$st/rtcgate.conf" && fail "config_seed: passphrase saved in clear" ||
    ok "config_seed: passphrase never saved in clear"
show show configuration | grep -q gsx9000 && fail "config_seed: passphrase shown in clear" ||
    ok "config_seed: passphrase never shown in clear"
show show status global callDetailStatus | grep -qx 'No entries found.' &&
    ok "config_seed: callDetailStatus answers No entries found." || fail "config_seed: callDetailStatus"
show show table addressContext default ipAccessControlList getAggrPolicers | sed 's/ *$//' |
    sed 's/^\[ok\].*/[ok]/' >"$tmp/got_pol"
sed -n '/^show table addressContext default ipAccessControlList getAggrPolicers/,/^$/p' "$seed" |
    sed '1,2d' | sed 's/ *$//' | grep -v '^$' >"$tmp/want_pol"
echo '[ok]' >>"$tmp/want_pol"
diff "$tmp/want_pol" "$tmp/got_pol" >"$tmp/d3" && ok "config_seed: getAggrPolicers in the seed's layout" ||
    { fail "config_seed: getAggrPolicers differs"; cat "$tmp/d3"; }

# Survives a restart: the saved configuration is what was committed.
show show configuration >"$tmp/before"
stop_daemon
start_daemon "$st" || fail "config_seed: restart"
show show configuration >"$tmp/after"
diff <(sed '$d' "$tmp/before") <(sed '$d' "$tmp/after") >/dev/null &&
    ok "config_seed: configuration identical after restart" || fail "config_seed: configuration changed by restart"
stop_daemon
[ $fails -eq 0 ]
