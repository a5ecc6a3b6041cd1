#!/bin/bash
# Issue 4 "Must show": a real Kamailio (Debian 5.6, rtpengine module pointed
# at rtcgated's ng port) completes a WebRTC<->SIP call with rtcgate as its
# media engine.  Headless Chromium runs JsSIP over SIP/WebSocket to Kamailio
# and calls sip:echo@127.0.0.1; Kamailio relays the INVITE over UDP to a sipp
# UAS with -rtp_echo, asking rtcgate (rtpengine_offer) for plain RTP/AVP
# toward sipp and (rtpengine_answer) for ICE + DTLS-SRTP + rtcp-mux toward the
# browser; BYE/CANCEL/failure delete the call.  The browser's 1 kHz tone must
# come back at 1 kHz, rtcgate must list the call while it runs and forget it
# after the hang-up.  Everything runs inside a private network namespace.
# Usage: kamailio_ng.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
in_netns "$@"
build=$(cd "${1:-build}" && pwd)

NG_PORT=22223
SIP_PORT=5062
WS_PORT=8090
SIPP_PORT=5070
SIPP_MEDIA=16000
DEAD_PORT=5099
RING_PORT=5072
KAM_MODULES=/usr/lib/x86_64-linux-gnu/kamailio/modules

for tool in kamailio sipp chromium node; do
  command -v $tool >/dev/null || { fail "kamailio-ng: $tool not installed (tools/deps.sh test)"; exit 1; }
done
[ -f "$KAM_MODULES/websocket.so" ] || { fail "kamailio-ng: kamailio-websocket-modules missing"; exit 1; }
[ -d "$PEERS/node_modules/jssip" ] || { fail "kamailio-ng: npm ci in tests/peers first"; exit 1; }

tmp=$(mktemp -d)
trap 'cleanup; [ -n "${RG_KEEP_TMP:-}" ] && echo "kept $tmp" >&2 || rm -rf "$tmp"' EXIT
mkdir -p "$tmp/run" "$tmp/sipp"

# --- Kamailio configuration, generated here (never /etc) -------------------
cat >"$tmp/kamailio.cfg" <<CFG
#!KAMAILIO
# rtcgate integration test: WebSocket browser <-> UDP sipp, media via rtcgate.
debug=2
log_stderror=yes
log_prefix="{\$mt \$ci} "
fork=yes
children=2
tcp_children=2
auto_aliases=no
listen=udp:127.0.0.1:$SIP_PORT
listen=tcp:127.0.0.1:$WS_PORT
tcp_accept_no_cl=yes
tcp_connection_lifetime=120
dns=no
rev_dns=no
use_dns_cache=off

mpath="$KAM_MODULES/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "sanity.so"
loadmodule "xlog.so"
loadmodule "xhttp.so"
loadmodule "websocket.so"
loadmodule "nathelper.so"
loadmodule "rtpengine.so"

modparam("rr", "enable_double_rr", 1)
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:$NG_PORT")
modparam("rtpengine", "rtpengine_tout_ms", 2000)
modparam("websocket", "keepalive_mechanism", 0)
modparam("nathelper", "received_avp", "\$avp(RECEIVED)")

request_route {
    xlog("L_NOTICE", "REQ \$rm \$ru from \$proto:\$si:\$sp\n");
    if (!mf_process_maxfwd_header("10")) {
        sl_send_reply("483", "Too Many Hops");
        exit;
    }
    if (!sanity_check("17895", "7")) {
        exit;
    }
    if (proto == WS || proto == WSS) {
        force_rport();
        if (is_method("INVITE")) add_contact_alias();
    }
    if (is_method("CANCEL")) {
        if (t_check_trans()) {
            rtpengine_delete();
            t_relay();
        }
        exit;
    }
    if (has_totag()) {
        route(WITHINDLG);
        exit;
    }
    t_check_trans();
    # echo: the sipp UAS; reject: a port where nobody answers, so tm's own
    # 408 (after a short fr timer) exercises failure_route's delete; ring: a
    # sipp UAS that only rings, for the browser's CANCEL.
    if (is_method("INVITE") && (\$rU == "echo" || \$rU == "reject" || \$rU == "ring")) {
        record_route();
        if (!has_body("application/sdp") ||
            !rtpengine_offer("replace-origin replace-session-connection RTP/AVP ICE=remove rtcp-mux-demux DTLS=off SDES-off")) {
            sl_send_reply("488", "rtpengine offer failed");
            exit;
        }
        if (\$rU == "echo") {
            \$ru = "sip:echo@127.0.0.1:$SIPP_PORT";
        } else if (\$rU == "ring") {
            \$ru = "sip:ring@127.0.0.1:$RING_PORT";
        } else {
            \$ru = "sip:reject@127.0.0.1:$DEAD_PORT";
            t_set_fr(1500, 1000);
        }
        t_on_reply("MEDIA_REPLY");
        t_on_failure("MEDIA_FAIL");
        if (!t_relay()) {
            rtpengine_delete();
            sl_reply_error();
        }
        exit;
    }
    sl_send_reply("404", "Not here");
}

route[WITHINDLG] {
    if (loose_route()) {
        if (is_method("BYE")) rtpengine_delete();
        if (\$ru =~ "alias=") handle_ruri_alias();
        if (!t_relay()) sl_reply_error();
        exit;
    }
    if (is_method("ACK") && t_check_trans()) {
        t_relay();
        exit;
    }
    xlog("L_WARN", "in-dialog \$rm without our Route (\$hdr(Route)): 404\n");
    sl_send_reply("404", "Not here");
}

onreply_route[MEDIA_REPLY] {
    if (status =~ "(18[03])|(2[0-9][0-9])" && has_body("application/sdp")) {
        if (rtpengine_answer("replace-origin replace-session-connection UDP/TLS/RTP/SAVPF ICE=force rtcp-mux-require SDES-off")) {
            xlog("L_NOTICE", "rtpengine_answer done for \$rs\n");
        } else {
            xlog("L_ERR", "rtpengine_answer failed\n");
        }
    }
}

failure_route[MEDIA_FAIL] {
    # a CANCELed transaction was already deleted by the CANCEL itself
    if (t_is_canceled()) exit;
    rtpengine_delete();
}

event_route[xhttp:request] {
    if (\$hdr(Upgrade) =~ "websocket" && \$hdr(Connection) =~ "Upgrade" && \$rm =~ "GET") {
        if (ws_handle_handshake()) exit;
    }
    xhttp_reply("404", "Not Found", "", "");
}
CFG

if kamailio -c -f "$tmp/kamailio.cfg" >"$tmp/kamailio-check.log" 2>&1; then
  ok "kamailio-ng: generated kamailio.cfg passes kamailio -c"
else
  fail "kamailio-ng: generated kamailio.cfg is invalid"; tail -15 "$tmp/kamailio-check.log" >&2
  exit 1
fi

# --- rtcgated, sipp UAS, Kamailio -------------------------------------------
spawn "$build/rtcgated" --state-dir "$tmp/state" --ng 127.0.0.1:$NG_PORT --media-address 127.0.0.1 \
  --media-ports 30000-30999 >"$tmp/rtcgated.log" 2>&1
rtcgated_pid=${PIDS[-1]}
wait_udp $NG_PORT || { fail "kamailio-ng: rtcgated --ng started"; cat "$tmp/rtcgated.log" >&2; exit 1; }
# sipp's embedded "uas" scenario, with Record-Route copied into its
# responses as RFC 3261 §12.1.1 requires of a UAS (the embedded one omits it,
# so in-dialog ACK/BYE would not come back through Kamailio).
sipp -sd uas | sed 's/^\( *\)\[last_CSeq:\]$/&\n\1[last_Record-Route:]/' >"$tmp/sipp/uas_rr.xml"
grep -q 'last_Record-Route' "$tmp/sipp/uas_rr.xml" || { fail "kamailio-ng: sipp uas scenario"; exit 1; }
# A UAS that rings and waits for the CANCEL (then 200 to it, 487 to the INVITE).
cat >"$tmp/sipp/ring.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ring until cancelled">
  <recv request="INVITE" crlf="true"/>
  <send><![CDATA[

      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]ring[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      [last_Record-Route:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0

  ]]></send>
  <recv request="CANCEL"/>
  <send><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]ring[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

  ]]></send>
  <send><![CDATA[

      SIP/2.0 487 Request Terminated
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]ring[call_number]
      [last_Call-ID:]
      CSeq: [last_cseq_number] INVITE
      Content-Length: 0

  ]]></send>
  <recv request="ACK"/>
</scenario>
XML
cd "$tmp/sipp"
spawn sipp -sf "$tmp/sipp/ring.xml" -i 127.0.0.1 -p $RING_PORT -nostdin -m 1 -timeout 60s \
  -trace_msg -message_file "$tmp/sipp/ring.log" >"$tmp/sipp-ring.log" 2>&1
spawn sipp -sf "$tmp/sipp/uas_rr.xml" -i 127.0.0.1 -p $SIPP_PORT -mp $SIPP_MEDIA -rtp_echo -nostdin -m 1 \
  -timeout 60s -trace_msg -message_file "$tmp/sipp/messages.log" >"$tmp/sipp.log" 2>&1
cd - >/dev/null
wait_udp $RING_PORT || { fail "kamailio-ng: ringing sipp started"; cat "$tmp/sipp-ring.log" >&2; exit 1; }
wait_udp $SIPP_PORT || { fail "kamailio-ng: sipp started"; cat "$tmp/sipp.log" >&2; exit 1; }
spawn kamailio -DD -E -f "$tmp/kamailio.cfg" -Y "$tmp/run" -m 64 -M 8 >"$tmp/kamailio.log" 2>&1
wait_udp $SIP_PORT || { fail "kamailio-ng: kamailio started"; tail -20 "$tmp/kamailio.log" >&2; exit 1; }
for _ in $(seq 1 50); do ss -ltn | grep -q ":$WS_PORT " && break; sleep 0.1; done

# --- the call ---------------------------------------------------------------
out=$(cd "$PEERS" && timeout 50 node kamailio_call.js --ws ws://127.0.0.1:$WS_PORT \
  --ng 127.0.0.1:$NG_PORT --target sip:echo@127.0.0.1 --fail-target sip:reject@127.0.0.1 \
  --cancel-target sip:ring@127.0.0.1)
rc=$?
printf '%s\n' "$out" >"$tmp/result.json"
py() { python3 - "$tmp/result.json" "$@"; }

check "kamailio-ng: JsSIP call confirmed through Kamailio" py <<'PY'
import json,sys; d=json.load(open(sys.argv[1]))
sys.exit(0 if d.get("callState")=="confirmed" else (print("  state=%s cause=%s err=%s"%(d.get("callState"),d.get("cause"),d.get("error")),file=sys.stderr) or 1))
PY
check "kamailio-ng: browser got UDP/TLS/RTP/SAVPF with fingerprint, ICE, rtcp-mux" py <<'PY'
import json,re,sys; s=json.load(open(sys.argv[1])).get("remoteSdp") or ""
need=[r"^m=audio \d+ UDP/TLS/RTP/SAVPF ", r"^a=fingerprint:sha-256 ", r"^a=ice-ufrag:", r"^a=ice-pwd:",
      r"^a=candidate:.* typ host", r"^a=rtcp-mux\r?$", r"^a=setup:(passive|active|actpass)"]
miss=[n for n in need if not re.search(n, s, re.M)]
if re.search(r"^a=crypto:", s, re.M): miss.append("no a=crypto (DTLS-SRTP only)")
if miss: print("  missing %s in:\n%s"%(miss, s[:1500]), file=sys.stderr)
sys.exit(1 if miss else 0)
PY
check "kamailio-ng: DTLS and ICE connected in the browser" py <<'PY'
import json,sys; d=json.load(open(sys.argv[1]))
sys.exit(0 if d.get("connectionState")=="connected" and d.get("dtlsState")=="connected" else 1)
PY
check "kamailio-ng: sipp saw a plain RTP/AVP offer (no ICE, no DTLS, no crypto)" \
  python3 - "$tmp/sipp/messages.log" <<'PY'
import re,sys
t=open(sys.argv[1],errors="replace").read()
m=re.search(r"INVITE sip:.*?(?=\n-{5,}|\Z)", t, re.S)
inv=m.group(0) if m else ""
ok=(re.search(r"^m=audio \d+ RTP/AVP ", inv, re.M) and re.search(r"^c=IN IP4 127\.0\.0\.1", inv, re.M)
    and not re.search(r"^a=(fingerprint|ice-ufrag|candidate|crypto|rtcp-mux)", inv, re.M))
sys.exit(0 if ok else (print("  INVITE sipp received:\n"+inv[:1500],file=sys.stderr) or 1))
PY
check "kamailio-ng: 1 kHz tone returns through rtcgate and sipp's echo" py <<'PY'
import json,sys; d=json.load(open(sys.argv[1]))
hz=d.get("toneHz") or 0; db=d.get("toneDb") or -999; n=d.get("packetsReceived") or 0
print("  tone=%sHz level=%.1fdB packets=%s"%(hz,db,n),file=sys.stderr)
sys.exit(0 if abs(hz-1000)<=10 and db>-80 and n>50 else 1)
PY
check "kamailio-ng: rtcgate listed and relayed the call during it" py <<'PY'
import json,sys; d=json.load(open(sys.argv[1])).get("during") or {}
calls=d.get("calls") or []; q=d.get("queries") or []
pk=0
for a in q:
    for st in a.get("streams") or []:
        for side in ("from","to"):
            pk=min(pk or 1<<60, int((st.get(side) or {}).get("packets-in",0) or 0))
print("  calls=%s min-packets-in=%s"%(calls,pk),file=sys.stderr)
sys.exit(0 if len(calls)==1 and len(q)==1 and q[0].get("result")=="ok" and pk>20 else 1)
PY
check "kamailio-ng: BYE through Kamailio deleted the call in rtcgate" py <<'PY'
import json,sys; d=json.load(open(sys.argv[1]))
sys.exit(0 if d.get("endEvent")=="ended" and d.get("callsAfter")==[] else 1)
PY
check "kamailio-ng: sipp got ACK and BYE through Kamailio's Record-Route" \
  bash -c "grep -qE '^ACK sip:127\.0\.0\.1:$SIPP_PORT' '$tmp/sipp/messages.log' &&
           grep -qE '^BYE sip:127\.0\.0\.1:$SIPP_PORT' '$tmp/sipp/messages.log'"
check "kamailio-ng: failed call (408 from tm) reached the browser and was deleted in rtcgate" py <<'PY'
import json,sys; f=json.load(open(sys.argv[1])).get("failCall") or {}
print("  state=%s status=%s cause=%s sessions %s->%s after=%s"%(f.get("callState"),f.get("status"),f.get("cause"),
      f.get("sessionsBefore"),f.get("sessionsAfter"),f.get("callsAfter")),file=sys.stderr)
sys.exit(0 if f.get("pass") and f.get("status")==408 else 1)
PY
check "kamailio-ng: CANCEL while ringing reached sipp and deleted the call in rtcgate" py <<'PY'
import json,sys; f=json.load(open(sys.argv[1])).get("cancelCall") or {}
print("  state=%s progress=%s originator=%s cause=%s sessions %s->%s after=%s"%(f.get("callState"),
      f.get("progress"),f.get("originator"),f.get("cause"),f.get("sessionsBefore"),f.get("sessionsAfter"),
      f.get("callsAfter")),file=sys.stderr)
sys.exit(0 if f.get("pass") and f.get("progress")==180 and f.get("cause")=="Canceled" else 1)
PY
check "kamailio-ng: the ringing sipp got the CANCEL and the ACK for its 487" \
  bash -c "grep -qE '^CANCEL sip:ring@' '$tmp/sipp/ring.log' && grep -qE '^ACK sip:ring@' '$tmp/sipp/ring.log'"
check "kamailio-ng: driver verdict" test $rc -eq 0
check "kamailio-ng: Kamailio's rtpengine module logged no error" \
  bash -c "! grep -E '(ERROR|CRITICAL): rtpengine' '$tmp/kamailio.log'"
kill "$rtcgated_pid"; wait "$rtcgated_pid"; rtcgated_rc=$?
check "kamailio-ng: rtcgated exits cleanly on SIGTERM (status $rtcgated_rc, no sanitizer report)" \
  bash -c "[ $rtcgated_rc -eq 0 ] && ! grep -q Sanitizer '$tmp/rtcgated.log'"

if [ $FAILS -ne 0 ]; then
  { echo "--- driver"; printf '%s\n' "$out" | cut -c1-2000; echo "--- kamailio log"; tail -40 "$tmp/kamailio.log"
    echo "--- rtcgated log"; tail -20 "$tmp/rtcgated.log"; echo "--- sipp"; tail -20 "$tmp/sipp.log"; } >&2
fi
exit $((FAILS > 0))
