#!/bin/bash
# Issue 5 "Must show", the reverse direction: a registered browser receives
# a call that sipp sends to rtcgate over UDP, answers, and media flows both
# ways; the same with SIP.js instead of JsSIP; a registration dies with its
# WebSocket (a call after the page closed gets 404 or 480); with digest
# authentication configured (global registrar, committed while rtcgated
# runs) a wrong password is refused and the right one registers.
#
# rtcgated runs on its embedded default (SIP over WebSocket on
# ws://127.0.0.1:8080, SIP/UDP on 127.0.0.1:5060) in a private network
# namespace.  tests/peers/b2bua_register.js drives headless Chromium (JsSIP
# or SIP.js, the fake microphone playing 1 kHz) and runs sipp as a UAC with
# -rtp_echo: the browser hears 1 kHz only if its RTP reached sipp through
# rtcgate and came back.
# Usage: b2bua_register.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
in_netns "$@"
build=$(cd "${1:-build}" && pwd)

for tool in sipp chromium node; do
  command -v $tool >/dev/null || { fail "b2bua-register: $tool not installed (tools/deps.sh test)"; exit 1; }
done
for m in jssip sip.js esbuild; do
  [ -d "$PEERS/node_modules/$m" ] || { fail "b2bua-register: npm ci in tests/peers first ($m)"; exit 1; }
done

tmp=$(mktemp -d)
trap 'cleanup; [ -n "${RG_KEEP_TMP:-}" ] && echo "kept $tmp" >&2 || rm -rf "$tmp"' EXIT
mkdir -p "$tmp/sipp"

# sipp UAC: INVITE sip:<user>@127.0.0.1:5060 with a PCMU offer, ACK the 200,
# echo RTP for 6 s (-rtp_echo), then BYE.
cat >"$tmp/sipp/uac_call.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="call a registered browser, echo its media, BYE">
  <send retrans="500"><![CDATA[

      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 8
      a=rtpmap:0 PCMU/8000
      a=rtpmap:8 PCMA/8000

  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true" rrs="true"/>
  <send><![CDATA[

      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      [routes]
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <pause milliseconds="7000"/>
  <send retrans="500"><![CDATA[

      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      [routes]
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <recv response="200" crlf="true"/>
</scenario>
XML

# sipp UAC: the same INVITE must fail with 404 or 480 (nobody registered).
cat >"$tmp/sipp/uac_fail.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="call a user whose browser went away">
  <send retrans="500"><![CDATA[

      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="404" optional="true" next="ack"/>
  <recv response="480"/>
  <label id="ack"/>
  <send><![CDATA[

      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
</scenario>
XML

start_rtcgated() { # start_rtcgated NAME: rtcgated on a fresh state dir
  mkdir -p "$tmp/$1"
  spawn "$build/rtcgated" --state-dir "$tmp/$1" >"$tmp/$1.log" 2>&1
  rtcgated_pid=${PIDS[-1]}
  wait_udp 5060 || { fail "b2bua-register: rtcgated listens on 5060"; cat "$tmp/$1.log" >&2; exit 1; }
  for _ in $(seq 1 50); do ss -ltn | grep -q ":8080 " && break; sleep 0.1; done
}
stop_rtcgated() { # stop_rtcgated NAME
  kill "$rtcgated_pid"; wait "$rtcgated_pid"; local rc=$?
  check "b2bua-register: rtcgated ($1) exits cleanly on SIGTERM (status $rc, no sanitizer report)" \
    bash -c "[ $rc -eq 0 ] && ! grep -q Sanitizer '$tmp/$1.log'"
  for _ in $(seq 1 50); do ss -lun | grep -q ":5060 " || break; sleep 0.1; done
}

run_driver() { # run_driver TAG ARGS...: the driver's JSON into $tmp/TAG.json
  local tag=$1; shift
  (cd "$PEERS" && timeout 80 node b2bua_register.js --ws ws://127.0.0.1:8080 \
    --sipp-dir "$tmp/sipp" "$@") >"$tmp/$tag.json" 2>"$tmp/$tag.err"
}

verdicts() { # verdicts TAG LABEL: one ok/FAIL line per check of the driver
  python3 - "$tmp/$1.json" "$2" <<'PY'
import json, sys
try: d = json.load(open(sys.argv[1]))
except Exception as e: d = {"error": "no JSON from the driver: %s" % e, "checks": {}}
label = sys.argv[2]
names = {"wrongRefused": "a wrong password is refused (401/403)",
         "registered": "the browser registers over WebSocket",
         "answered": "the browser answers sipp's call (confirmed)",
         "offerIsWebrtc": "the offer the browser got is UDP/TLS/RTP/SAVPF with fingerprint, ICE, rtcp-mux",
         "toneBack": "the browser hears its 1 kHz tone back through sipp's echo (media both ways)",
         "sippCallOk": "sipp's call completes (200, ACK, BYE, 200)",
         "endedBySipp": "sipp's BYE ends the browser's call",
         "goneWithSocket": "after the page closed, a call gets 404/480"}
checks = d.get("checks") or {}
for k, text in names.items():
    if k not in checks: continue
    print(("ok" if checks[k] else "FAIL") + " - b2bua-register: %s: %s" % (label, text))
if not checks:
    print("FAIL - b2bua-register: %s: driver ran (%s)" % (label, d.get("error")))
c = d.get("call") or {}
print("  %s: reg=%s tone=%sHz level=%s packets=%s sipp=%s after=%s" % (label, (d.get("reg") or {}).get("status"),
      c.get("toneHz"), c.get("toneDb"), c.get("packetsReceived"), (d.get("sippCall") or {}).get("code"),
      (d.get("sippAfterClose") or {}).get("code")), file=sys.stderr)
PY
}

tally() { # counts FAIL lines of the last verdicts
  local out; out=$(verdicts "$@"); printf '%s\n' "$out"
  FAILS=$((FAILS + $(printf '%s\n' "$out" | grep -c '^FAIL')))
}

configure() { # configure NAME: commits stdin's CLI lines, then restarts rtcgated
  # (the B2BUA builds its registrar from the configuration it starts with)
  "$build/rtcgate" --state-dir "$tmp/$1" >"$tmp/$1-cli.log" 2>&1
  check "b2bua-register: configuration ($1) committed" grep -q "Commit complete." "$tmp/$1-cli.log"
  stop_rtcgated "$1"
  start_rtcgated "$1"
}

# The embedded default routes every call to sip:127.0.0.1:5080, so a call for
# a user whose browser went away would go there; without the default route
# the only way to reach "alice" is her registration, and a call after it
# died must be refused (404).
# --- JsSIP and SIP.js, no authentication -----------------------------------
start_rtcgated open
configure open <<'CLI'
configure
delete global staticRoute default
commit
CLI
run_driver jssip --lib jssip --user alice
tally jssip JsSIP
run_driver sipjs --lib sipjs --user bob
tally sipjs SIP.js
stop_rtcgated open

# --- digest authentication from the configuration -------------------------
start_rtcgated auth
configure auth <<'CLI'
configure
delete global staticRoute default
commit
CLI
# Registrar settings apply at commit, without a restart.
"$build/rtcgate" --state-dir "$tmp/auth" >"$tmp/auth-cli2.log" 2>&1 <<'CLI'
configure
set global registrar authentication enabled user carol password "Car0l pw"
commit
CLI
check "b2bua-register: digest users committed live (global registrar)" \
  grep -q "Commit complete." "$tmp/auth-cli2.log"
run_driver auth --lib jssip --user carol --password "Car0l pw" --wrong-password "nope"
tally auth "JsSIP with digest"
run_driver auth2 --lib sipjs --user carol --password "Car0l pw" --wrong-password "Car0l PW" \
  --register-only
tally auth2 "SIP.js with digest"
stop_rtcgated auth

if [ $FAILS -ne 0 ]; then
  for t in jssip sipjs auth auth2; do
    echo "--- driver $t"; cut -c1-3000 "$tmp/$t.json" 2>/dev/null; tail -5 "$tmp/$t.err" 2>/dev/null
  done >&2
  { echo "--- rtcgated log (open)"; tail -30 "$tmp/open.log"; echo "--- rtcgated log (auth)"; tail -30 "$tmp/auth.log"
    for f in "$tmp"/sipp/*.msg; do echo "--- $f"; tail -40 "$f"; done; } >&2
fi
exit $((FAILS > 0))
