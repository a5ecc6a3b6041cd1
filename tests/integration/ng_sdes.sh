#!/bin/bash
# SDES-SRTP through rtcgated end to end over the ng protocol (RFC 4568): 20
# calls are offered from an RTP/SAVP leg with a=crypto and
# transport-protocol RTP/AVP toward the answerer, answered from a plain
# leg; build/relay_load sends SRTP-protected 20 ms audio on every SDES leg
# for 2 s, and every packet must arrive decrypted (plain RTP, payload with
# the send timestamp intact) on the plain legs.  Loopback in a private
# network namespace.  Usage: ng_sdes.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
in_netns "$@"
build=$(cd "${1:-build}" && pwd)
tmp=$(mktemp -d)
spawn "$build/rtcgated" --state-dir "$tmp/state" --ng 127.0.0.1:22223 --media-address 127.0.0.1 \
  --media-ports 30000-30999 >"$tmp/rtcgated.log" 2>&1
pid=${PIDS[-1]}
if wait_udp 22223; then
  out=$("$build/relay_load" --ng 127.0.0.1:22223 --pid "$pid" --name rtcgate --streams 20 \
        --seconds 2 --warmup 0.5 --delete yes 2>&1)
  res=$(printf '%s\n' "$out" | grep '^RESULT')
  sent=$(printf '%s' "$res" | sed -n 's/.* sent=\([0-9]*\).*/\1/p')
  recv=$(printf '%s' "$res" | sed -n 's/.* recv=\([0-9]*\).*/\1/p')
  # 20 streams x 50 packets/s x 2 s; a heavily loaded machine may lose a few.
  if [ -n "$sent" ] && [ "$sent" -ge 1500 ] && [ "$recv" -ge $((sent * 99 / 100)) ]; then
    ok "ng-sdes: SRTP from 20 SDES legs arrives decrypted on the plain legs ($recv/$sent)"
  else
    fail "ng-sdes: SRTP from 20 SDES legs arrives decrypted on the plain legs (${recv:-?}/${sent:-?})"
    printf '%s\n' "$out" >&2
  fi
else
  fail "ng-sdes: rtcgated --ng started"
fi
[ $FAILS -eq 0 ] || tail -20 "$tmp/rtcgated.log" >&2
rm -rf "$tmp"
exit $((FAILS > 0))
