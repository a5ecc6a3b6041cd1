#!/bin/bash
# Issue 5 "Must show", the first call through the B2BUA: rtcgated on its
# embedded default (SIP over WebSocket on ws://127.0.0.1:8080, SIP/UDP on
# 5060, every call routed to sip:127.0.0.1:5080) and a sipp UAS with
# -rtp_echo on 5080.  Headless Chromium + JsSIP calls over the WebSocket:
# the call is confirmed, the 1 kHz tone comes back at 1 kHz, the browser's
# remote SDP is UDP/TLS/RTP/SAVPF with fingerprint, ICE and rtcp-mux, the
# INVITE sipp sees carries plain RTP/AVP, the browser's hang-up reaches sipp
# as BYE; a second call is ended by sipp's BYE, which ends the browser's
# call.  Everything runs inside a private network namespace.
# Usage: b2bua_call.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
in_netns "$@"
build=$(cd "${1:-build}" && pwd)

[ -x "$build/rtcgate" ] || { fail "b2bua-call: $build/rtcgate missing"; exit 1; }
for tool in sipp chromium node; do
  command -v $tool >/dev/null || { fail "b2bua-call: $tool not installed (tools/deps.sh test)"; exit 1; }
done
[ -d "$PEERS/node_modules/jssip" ] || { fail "b2bua-call: npm ci in tests/peers first"; exit 1; }

tmp=$(mktemp -d)
trap 'cleanup; [ -n "${RG_KEEP_TMP:-}" ] && echo "kept $tmp" >&2 || rm -rf "$tmp"' EXIT
mkdir -p "$tmp/sipp"

# A UAS that answers like sipp's embedded one, then hangs up itself after 10 s
# (it knows no re-INVITE: the browser's ICE restart must not reach it).
cat >"$tmp/sipp/bye.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="answer, echo, then BYE">
  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="remote_from"/>
      <ereg regexp=".*" search_in="hdr" header="To:" assign_to="local_to"/>
      <ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" assign_to="contact_uri"/>
    </action>
  </recv>
  <send><![CDATA[

      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0

  ]]></send>
  <send retrans="500"><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
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
  <recv request="ACK" crlf="true"/>
  <pause milliseconds="10000"/>
  <send retrans="500"><![CDATA[

      BYE [$contact_uri] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From:[$local_to];tag=[pid]SIPpTag01[call_number]
      To:[$remote_from]
      [last_Call-ID:]
      CSeq: 2 BYE
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <recv response="200" crlf="true"/>
</scenario>
XML

spawn "$build/rtcgated" --state-dir "$tmp/state" >"$tmp/rtcgated.log" 2>&1
rtcgated_pid=${PIDS[-1]}
wait_udp 5060 || { fail "b2bua-call: rtcgated listens on 5060"; cat "$tmp/rtcgated.log" >&2; exit 1; }
for _ in $(seq 1 50); do ss -ltn | grep -q ":8080 " && break; sleep 0.1; done

# --- call 1: the browser hangs up ------------------------------------------
cd "$tmp/sipp"
spawn sipp -sn uas -i 127.0.0.1 -p 5080 -mp 16000 -rtp_echo -nostdin -m 1 -timeout 60s \
  -trace_msg -message_file "$tmp/sipp/call1.log" >"$tmp/sipp1.log" 2>&1
sipp1=${PIDS[-1]}
cd - >/dev/null
wait_udp 5080 || { fail "b2bua-call: sipp started"; cat "$tmp/sipp1.log" >&2; exit 1; }
out1=$(cd "$PEERS" && timeout 40 node b2bua_call.js --ws ws://127.0.0.1:8080 \
  --target sip:echo@127.0.0.1 --mode hangup)
rc1=$?
printf '%s\n' "$out1" >"$tmp/call1.json"
for _ in $(seq 1 30); do kill -0 "$sipp1" 2>/dev/null || break; sleep 0.1; done
py() { python3 - "$@"; }

check "b2bua-call: JsSIP call through the B2BUA confirmed" py "$tmp/call1.json" <<'PY'
import json,sys; d=json.load(open(sys.argv[1]))
sys.exit(0 if d.get("callState")=="confirmed" else (print("  state=%s cause=%s status=%s err=%s"%(d.get("callState"),d.get("cause"),d.get("status"),d.get("error")),file=sys.stderr) or 1))
PY
check "b2bua-call: browser got UDP/TLS/RTP/SAVPF with fingerprint, ICE, rtcp-mux" py "$tmp/call1.json" <<'PY'
import json,re,sys; s=json.load(open(sys.argv[1])).get("remoteSdp") or ""
need=[r"^m=audio \d+ UDP/TLS/RTP/SAVPF ", r"^a=fingerprint:sha-256 ", r"^a=ice-ufrag:", r"^a=ice-pwd:",
      r"^a=candidate:.* typ host", r"^a=rtcp-mux\r?$", r"^a=setup:(passive|active)"]
miss=[n for n in need if not re.search(n, s, re.M)]
if re.search(r"^a=crypto:", s, re.M): miss.append("no a=crypto (DTLS-SRTP only)")
if miss: print("  missing %s in:\n%s"%(miss, s[:1500]), file=sys.stderr)
sys.exit(1 if miss else 0)
PY
check "b2bua-call: DTLS and ICE connected in the browser" py "$tmp/call1.json" <<'PY'
import json,sys; d=json.load(open(sys.argv[1]))
sys.exit(0 if d.get("connectionState")=="connected" and d.get("dtlsState")=="connected" else 1)
PY
check "b2bua-call: sipp got a plain RTP/AVP offer (no ICE, DTLS, crypto) from rtcgate" \
  py "$tmp/sipp/call1.log" <<'PY'
import re,sys
t=open(sys.argv[1],errors="replace").read()
m=re.search(r"INVITE sip:.*?(?=\n-{5,}|\Z)", t, re.S)
inv=m.group(0) if m else ""
ok=(re.search(r"^m=audio \d+ RTP/AVP ", inv, re.M) and re.search(r"^c=IN IP4 127\.0\.0\.1", inv, re.M)
    and re.search(r"^Via: SIP/2\.0/UDP 127\.0\.0\.1:5060;branch=z9hG4bK", inv, re.M)
    and not re.search(r"^a=(fingerprint|ice-ufrag|candidate|crypto|rtcp-mux)", inv, re.M))
sys.exit(0 if ok else (print("  INVITE sipp received:\n"+inv[:1500],file=sys.stderr) or 1))
PY
check "b2bua-call: 1 kHz tone returns through rtcgate and sipp's echo" py "$tmp/call1.json" <<'PY'
import json,sys; d=json.load(open(sys.argv[1]))
hz=d.get("toneHz") or 0; db=d.get("toneDb") or -999; n=d.get("packetsReceived") or 0
print("  tone=%sHz level=%.1fdB packets=%s"%(hz,db,n),file=sys.stderr)
sys.exit(0 if abs(hz-1000)<=10 and db>-80 and n>50 else 1)
PY
check "b2bua-call: the browser's hang-up reached sipp as BYE (and ACK before it)" \
  bash -c "grep -qE '^ACK sip:' '$tmp/sipp/call1.log' && grep -qE '^BYE sip:' '$tmp/sipp/call1.log' &&
           grep -qE '^SIP/2.0 200 OK' '$tmp/sipp/call1.log'"
check "b2bua-call: driver verdict (call 1)" test $rc1 -eq 0

# --- call 2: sipp hangs up ---------------------------------------------------
cd "$tmp/sipp"
spawn sipp -sf "$tmp/sipp/bye.xml" -i 127.0.0.1 -p 5080 -mp 16000 -rtp_echo -nostdin -m 1 \
  -timeout 60s -trace_msg -message_file "$tmp/sipp/call2.log" >"$tmp/sipp2.log" 2>&1
cd - >/dev/null
wait_udp 5080 || { fail "b2bua-call: second sipp started"; cat "$tmp/sipp2.log" >&2; exit 1; }
(cd "$PEERS" && timeout 40 node b2bua_call.js --ws ws://127.0.0.1:8080 \
  --target sip:echo@127.0.0.1 --mode remote >"$tmp/call2.json") &
node2=$!
# While sipp keeps the call up: the operator's view of it.
for _ in $(seq 1 60); do
  "$build/rtcgate" --state-dir "$tmp/state" show status global callDetailStatus >"$tmp/cds.txt" 2>&1
  grep -q ST_ICE_COMPLETE "$tmp/cds.txt" && grep -q 'ingressDtlsStream1 *TERMINATED' "$tmp/cds.txt" && break
  sleep 0.25
done
wait $node2; rc2=$?
out2=$(cat "$tmp/call2.json")
check "b2bua-call: callDetailStatus shows the live call (ICE complete, DTLS terminated, SRTP, trunks, addresses)" \
  py "$tmp/cds.txt" <<'PY'
import re,sys
t=open(sys.argv[1]).read()
need=[r"state +Stable;", r"callingNumber +1001;", r"calledNumber +echo;", r"scenarioType +WEBRTC_TO_SIP;",
      r"ingressMediaStream1IceState +ST_ICE_COMPLETE;", r"egressMediaStream1IceState +NONE;",
      r"ingressDtlsStream1 +TERMINATED;", r"egressDtlsStream1 +DISABLED;",
      r"ingressMediaStream1Security +rtp-Encrypted,rtp-auth,srtp-terminated,",
      r"egressMediaStream1Security +rtp-disabled,rtcp-disabled;",
      r"ingressTrunkName +TG_WRTC;", r"egressTrunkName +TG_SIP;", r"ingressZoneName +ZONE_WRTC;",
      r"egressZoneName +ZONE_SIP;", r"egressRemoteIpSockAddr +127\.0\.0\.1;", r"egressRemotePort +5080;",
      r'egressMediaStream1RemoteIpSockAddr +"127\.0\.0\.1/ 16000', r'ingressMediaStream1LocalIpSockAddr +"127\.0\.0\.1/ \d+',
      r"iceCallTypes +ing-lcl-(FULL|LITE)-ICE,ing-rmt-FULL-ICE,eg-lcl-NONE,eg-rmt-NONE;"]
miss=[n for n in need if not re.search(n, t)]
if miss: print("  missing %s in:\n%s"%(miss, t[:3000]), file=sys.stderr)
sys.exit(1 if miss else 0)
PY
check "b2bua-call: sipp's BYE ended the browser's call" py "$tmp/call2.json" <<'PY'
import json,sys; d=json.load(open(sys.argv[1]))
print("  state=%s end=%s originator=%s tone=%s"%(d.get("callState"),d.get("endEvent"),d.get("endOriginator"),d.get("toneHz")),file=sys.stderr)
sys.exit(0 if d.get("callState")=="confirmed" and d.get("endEvent")=="ended" and d.get("endOriginator")=="remote" else 1)
PY
check "b2bua-call: restartIce() in the browser: new ICE credentials, tone still 1 kHz, sipp saw no re-INVITE" \
  py "$tmp/call2.json" "$tmp/sipp/call2.log" <<'PY'
import json,re,sys; d=json.load(open(sys.argv[1])); t=open(sys.argv[2],errors="replace").read()
invites=len(re.findall(r"^INVITE sip:", t, re.M))
print("  restart=%s new-ufrag=%s tone=%s state=%s invites-at-sipp=%s"%(d.get("restart"),d.get("restartNewUfrag"),
      d.get("toneHzAfterRestart"),d.get("connectionStateAfterRestart"),invites),file=sys.stderr)
sys.exit(0 if d.get("restart")=="done" and d.get("restartNewUfrag") and abs((d.get("toneHzAfterRestart") or 0)-1000)<=10
         and d.get("connectionStateAfterRestart")=="connected" and invites==1 else 1)
PY
check "b2bua-call: sipp's BYE was answered 200 by rtcgate" \
  bash -c "grep -qE '^BYE sip:' '$tmp/sipp/call2.log' && grep -qE '^SIP/2.0 200 OK' '$tmp/sipp/call2.log'"
check "b2bua-call: driver verdict (call 2)" test $rc2 -eq 0

# --- call 3: sipp calls a browser registered as alice ------------------------
out3=$(cd "$PEERS" && timeout 40 node b2bua_call.js --ws ws://127.0.0.1:8080 --mode answer \
  --sipp "-sn uac -s alice 127.0.0.1:5060 -i 127.0.0.1 -p 5070 -mp 16100 -rtp_echo -nostdin -m 1 -d 5000 -timeout 30s -trace_msg -message_file $tmp/sipp/call3.log")
rc3=$?
printf '%s\n' "$out3" >"$tmp/call3.json"
check "b2bua-call: sipp's INVITE over UDP reached the browser registered over WebSocket, answered, tone back" \
  py "$tmp/call3.json" <<'PY'
import json,re,sys; d=json.load(open(sys.argv[1]))
s=d.get("remoteSdp") or ""
print("  registered=%s state=%s tone=%s pkts=%s end=%s/%s sipp=%s"%(d.get("registered"),d.get("callState"),
      d.get("toneHz"),d.get("packetsReceived"),d.get("endEvent"),d.get("endOriginator"),d.get("sippStatus")),file=sys.stderr)
ok=(d.get("registered") and d.get("callState")=="confirmed" and abs((d.get("toneHz") or 0)-1000)<=10
    and re.search(r"^m=audio \d+ UDP/TLS/RTP/SAVPF ", s, re.M) and re.search(r"^a=setup:actpass", s, re.M)
    and re.search(r"^a=rtcp-mux", s, re.M) and re.search(r"^a=ice-ufrag:", s, re.M)
    and d.get("endEvent")=="ended" and d.get("endOriginator")=="remote")
sys.exit(0 if ok else 1)
PY
check "b2bua-call: sipp's call to the browser completed (200 with RTP/AVP, BYE answered)" \
  bash -c "grep -qE '^m=audio [0-9]+ RTP/AVP ' '$tmp/sipp/call3.log' && [ $rc3 -eq 0 ]"

kill "$rtcgated_pid"; wait "$rtcgated_pid"; rtcgated_rc=$?
check "b2bua-call: rtcgated exits cleanly on SIGTERM (status $rtcgated_rc, no sanitizer report)" \
  bash -c "[ $rtcgated_rc -eq 0 ] && ! grep -q Sanitizer '$tmp/rtcgated.log'"

if [ $FAILS -ne 0 ]; then
  { echo "--- driver 1"; printf '%s\n' "$out1" | cut -c1-3000; echo "--- driver 2"; printf '%s\n' "$out2" | cut -c1-2000
    echo "--- rtcgated log"; tail -30 "$tmp/rtcgated.log"; echo "--- sipp 1"; tail -60 "$tmp/sipp/call1.log"
    echo "--- sipp 2"; tail -40 "$tmp/sipp/call2.log"; echo "--- driver 3"; printf '%s\n' "$out3" | cut -c1-2000
    echo "--- sipp 3"; tail -60 "$tmp/sipp/call3.log"; } >&2
fi
exit $((FAILS > 0))
