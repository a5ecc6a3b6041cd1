#!/bin/bash
# Issue 6 "Must show" through the B2BUA: headless Chromium + JsSIP restricted
# to Opus (setCodecPreferences: opus + telephone-event/48000) calls through
# rtcgated to a sipp UAS with -rtp_echo.  For each of PCMU, PCMA, G722 and
# G729 the SIP trunk group's packet service profile lists only that codec
# and sipp's answer names only it, so rtcgate transcodes:
#  - the 1 kHz tone comes back to the browser at 1 kHz (WebAudio);
#  - the INVITE sipp got offers only that codec and telephone-event/8000;
#  - callDetailStatus during the call: mediaType transcoded, the leg codecs;
#  - RTCDTMFSender's "159#" (200 ms, 100 ms gaps) reaches sipp's port as
#    telephone-event/8000 with those digits lasting 1600 ticks (pcap on lo);
#  - sipp's echo sends those events back (telephone-event/8000 from the SIP
#    side): the browser receives them as telephone-event/48000, "159#" with
#    9600-tick (200 ms) durations and end bits (encoded insertable streams
#    show each received frame's payload type and payload; ontonechange only
#    reports sent tones).
# Then the relay decision: the embedded default's PSP (G.711) toward sipp
# and an unrestricted browser: sipp answers PCMU, which the browser offered,
# so the stream is relayed (mediaType passthru, PCMU on both legs) and the
# tone still comes back.
# Usage: b2bua_xcode.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
in_netns "$@"
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)

for tool in sipp chromium node dumpcap; do
  command -v $tool >/dev/null || { fail "b2bua-xcode: $tool not installed (tools/deps.sh test)"; exit 1; }
done
[ -d "$PEERS/node_modules/jssip" ] || { fail "b2bua-xcode: npm ci in tests/peers first"; exit 1; }

tmp=$(mktemp -d)
trap 'cleanup; [ -n "${RG_KEEP_TMP:-}" ] && echo "kept $tmp" >&2 || rm -rf "$tmp"' EXIT
mkdir -p "$tmp/sipp"
py() { python3 - "$@"; }

start_gate() {
  spawn "$build/rtcgated" --state-dir "$tmp/state" >>"$tmp/rtcgated.log" 2>&1
  gate=${PIDS[-1]}
  for _ in $(seq 1 100); do [ -S "$tmp/state/cli.sock" ] && wait_udp 5060 &&
    ss -ltn | grep -q ":8080 " && return 0; sleep 0.05; done
  return 1
}
stop_gate() {
  kill "$gate"; wait "$gate"; local rc=$?
  check "b2bua-xcode/$1: rtcgated exits cleanly (status $rc, no sanitizer report)" \
    bash -c "[ $rc -eq 0 ] && ! grep -q Sanitizer '$tmp/rtcgated.log'"
}

# The first start writes the embedded default; the profiles are added to it.
start_gate || { fail "b2bua-xcode: rtcgated started"; tail "$tmp/rtcgated.log" >&2; exit 1; }
kill "$gate"; wait "$gate"
cat >>"$tmp/state/rtcgate.conf" <<'CONF'
set profiles media codecEntry XC-PCMU codec G711 law muLaw packetSize 20 preferredRtpPayloadType 0
set profiles media codecEntry XC-PCMA codec G711 law aLaw packetSize 20 preferredRtpPayloadType 8
set profiles media codecEntry XC-G722 codec G722 packetSize 20 preferredRtpPayloadType 9
set profiles media codecEntry XC-G729 codec G729 packetSize 20 preferredRtpPayloadType 18
set profiles media packetServiceProfile PSP_PCMU codec codecEntry1 XC-PCMU
set profiles media packetServiceProfile PSP_PCMA codec codecEntry1 XC-PCMA
set profiles media packetServiceProfile PSP_G722 codec codecEntry1 XC-G722
set profiles media packetServiceProfile PSP_G729 codec codecEntry1 XC-G729
CONF

# codec PT rtpmap fmtp
for spec in "PCMU 0 PCMU/8000" "PCMA 8 PCMA/8000" "G722 9 G722/8000" "G729 18 G729/8000 annexb=no" \
    "RELAY 0 PCMU/8000"; do
  set -- $spec
  codec=$1 pt=$2 map=$3 fmtp=${4:-} psp=PSP_$1 browser="--opus-only --insertable --dtmf 159#"
  [ $codec = RELAY ] && psp=DEFAULT browser=
  sed -i '/sipTrunkGroup TG_SIP policy media packetServiceProfile/d' "$tmp/state/rtcgate.conf"
  echo "set addressContext default zone ZONE_SIP sipTrunkGroup TG_SIP policy media packetServiceProfile $psp" \
    >>"$tmp/state/rtcgate.conf"
  fmtp_line="a=ptime:20"; [ -n "$fmtp" ] && fmtp_line="a=fmtp:$pt $fmtp" # no empty line in the SDP
  cat >"$tmp/sipp/$codec.xml" <<XML
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="answer with $codec only, echo">
  <recv request="INVITE" crlf="true"/>
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
      m=audio [media_port] RTP/AVP $pt 101
      a=rtpmap:$pt $map
      $fmtp_line
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-16

  ]]></send>
  <recv request="ACK" crlf="true"/>
  <recv request="BYE"/>
  <send><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

  ]]></send>
</scenario>
XML
  start_gate || { fail "b2bua-xcode/$codec: rtcgated started"; tail "$tmp/rtcgated.log" >&2; continue; }
  spawn dumpcap -q -P -i lo -f "udp port 16000" -w "$tmp/$codec.pcap"
  cap=${PIDS[-1]}
  cd "$tmp/sipp"
  spawn sipp -sf "$tmp/sipp/$codec.xml" -i 127.0.0.1 -p 5080 -mp 16000 -rtp_echo -nostdin -m 1 \
    -timeout 40s -trace_msg -message_file "$tmp/sipp/$codec.log" >"$tmp/sipp-$codec.out" 2>&1
  sipp_pid=${PIDS[-1]}
  cd - >/dev/null
  wait_udp 5080 || { fail "b2bua-xcode/$codec: sipp started"; cat "$tmp/sipp-$codec.out" >&2; }
  for _ in $(seq 1 40); do [ -s "$tmp/$codec.pcap" ] && break; sleep 0.05; done
  (cd "$PEERS" && timeout 45 node b2bua_call.js --ws ws://127.0.0.1:8080 --target sip:echo@127.0.0.1 \
    --mode hangup $browser >"$tmp/$codec.json") &
  node_pid=$!
  : >"$tmp/cds-$codec.txt"
  for _ in $(seq 1 80); do
    "$build/rtcgate" --state-dir "$tmp/state" show status global callDetailStatus >"$tmp/cds-$codec.txt" 2>&1
    grep -q 'egressMediaStream1Codec' "$tmp/cds-$codec.txt" && break
    kill -0 $node_pid 2>/dev/null || break
    sleep 0.25
  done
  wait $node_pid; rc=$?
  for _ in $(seq 1 30); do kill -0 "$sipp_pid" 2>/dev/null || break; sleep 0.1; done
  sleep 0.3; kill "$cap" 2>/dev/null; wait "$cap" 2>/dev/null
  stop_gate "$codec"
  if [ $codec = RELAY ]; then
    check "b2bua-xcode/relay: a browser offering PCMU, sipp answering PCMU: tone back, callDetailStatus passthru, PCMU on both legs" \
      py "$tmp/$codec.json" "$tmp/cds-$codec.txt" <<'PY'
import json,re,sys; d=json.load(open(sys.argv[1])); t=open(sys.argv[2]).read()
need=[r"mediaType +passthru;", r"ingressMediaStream1Codec +\"?PCMU/8000", r"egressMediaStream1Codec +\"?PCMU/8000"]
miss=[n for n in need if not re.search(n,t)]
print("  state=%s tone=%sHz missing=%s"%(d.get("callState"),d.get("toneHz"),miss),file=sys.stderr)
if miss: print(t[:2500],file=sys.stderr)
sys.exit(0 if d.get("callState")=="confirmed" and abs((d.get("toneHz") or 0)-1000)<=10 and not miss else 1)
PY
    check "b2bua-xcode/relay: driver verdict" test $rc -eq 0
    continue
  fi

  check "b2bua-xcode/$codec: Opus-only browser call confirmed, 1 kHz tone back through $codec" \
    py "$tmp/$codec.json" <<'PY'
import json,re,sys; d=json.load(open(sys.argv[1]))
offer=re.findall(r"^a=rtpmap:\d+ (\S+)", d.get("localSdp") or "", re.M)
hz=d.get("toneHz") or 0; db=d.get("toneDb") or -999
print("  state=%s offered=%s tone=%sHz level=%.1fdB pkts=%s err=%s"%(d.get("callState"),offer,hz,db,
      d.get("packetsReceived"),d.get("error")),file=sys.stderr)
sys.exit(0 if d.get("callState")=="confirmed" and abs(hz-1000)<=10 and db>-80 and
         all(re.match(r"(?i)(opus|telephone-event)/48000", c) for c in offer) and offer else 1)
PY
  check "b2bua-xcode/$codec: sipp's INVITE offered only $codec and telephone-event/8000" \
    py "$tmp/sipp/$codec.log" "$codec" <<'PY'
import re,sys
t=open(sys.argv[1],errors="replace").read(); want=sys.argv[2]
m=re.search(r"INVITE sip:.*?(?=\n-{5,}|\Z)", t, re.S); inv=m.group(0) if m else ""
names=re.findall(r"^a=rtpmap:\d+ ([^\s/]+)/(\d+)", inv, re.M)
ml=re.search(r"^m=audio \d+ RTP/AVP ([\d ]+)", inv, re.M)
print("  offered %s (m= %s)"%(names, ml.group(1).strip() if ml else None), file=sys.stderr)
ok=ml and sorted(set(n for n,_ in names))==sorted({want,"telephone-event"}) and \
   all(c=="8000" for n,c in names) and len(ml.group(1).split())==2
sys.exit(0 if ok else 1)
PY
  check "b2bua-xcode/$codec: callDetailStatus during the call: mediaType transcoded, opus / $codec" \
    py "$tmp/cds-$codec.txt" "$codec" <<'PY'
import re,sys; t=open(sys.argv[1]).read(); c=sys.argv[2]
need=[r"mediaType +transcoded;", r"ingressMediaStream1Codec +\"?opus/48000", r"egressMediaStream1Codec +\"?%s/8000"%c,
      r"scenarioType +WEBRTC_TO_SIP;", r"egressTrunkName +TG_SIP;"]
miss=[n for n in need if not re.search(n,t)]
if miss: print("  missing %s in:\n%s"%(miss,t[:2500]),file=sys.stderr)
sys.exit(1 if miss else 0)
PY
  # sipp receives telephone-event with the PT of its answer (RFC 3264 §5.1).
  python3 "$here/pcap_dtmf.py" "$tmp/$codec.pcap" 16000 101 >"$tmp/dtmf-$codec.json" 2>"$tmp/dtmf-$codec.err"
  check "b2bua-xcode/$codec: RTCDTMFSender's 159# reached sipp as telephone-event/8000, 1600 ticks each" \
    py "$tmp/dtmf-$codec.json" "$tmp/$codec.json" <<'PY'
import json,sys; d=json.load(open(sys.argv[1])); c=json.load(open(sys.argv[2]))
ev=d["events"]
print("  sent=%s at-sipp=%s durations=%s ends=%s pkts=%s"%(c.get("dtmfSent"),"".join(e["digit"] for e in ev),
      [e["duration"] for e in ev],[e["ends"] for e in ev],d["packets"]),file=sys.stderr)
sys.exit(0 if "".join(e["digit"] for e in ev)=="159#" and
         all(abs(e["duration"]-1600)<=160 and e["ends"]>=1 for e in ev) else 1)
PY
  check "b2bua-xcode/$codec: the echoed events (SIP side) reached the browser as telephone-event/48000, 159#, 9600 ticks" \
    py "$tmp/$codec.json" <<'PY'
import json,re,sys; d=json.load(open(sys.argv[1]))
m=re.search(r"^a=rtpmap:(\d+) telephone-event/48000", d.get("localSdp") or "", re.M)
got=d.get("rxFramesDuringDtmf") or {}
ev=[e for e in d.get("rxEvents") or [] if m and str(e.get("pt"))==m.group(1)]
print("  frames per PT during DTMF: %s (telephone-event/48000 = %s); events %s durations %s ends %s"%(got,
      m and m.group(1),"".join(e["digit"] for e in ev),[e["duration"] for e in ev],[e["ends"] for e in ev]),file=sys.stderr)
sys.exit(0 if m and got.get(m.group(1),0)>=4 and "".join(e["digit"] for e in ev)=="159#" and
         all(abs(e["duration"]-9600)<=960 and e["ends"]>=1 for e in ev) else 1)
PY
  check "b2bua-xcode/$codec: driver verdict" test $rc -eq 0
done

if [ $FAILS -ne 0 ]; then
  { echo "--- rtcgated log"; tail -30 "$tmp/rtcgated.log"; for f in "$tmp"/*.json; do echo "--- $f"; cut -c1-1500 "$f"; done; } >&2
fi
exit $((FAILS > 0))
