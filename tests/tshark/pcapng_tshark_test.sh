#!/usr/bin/env bash
# The pcapng a lossy, crashing run leaves behind, read by tshark (issue 9
# §6; docs/faults.md, "In the pcap"). Installs tshark first
# (tools/install_tshark.sh: Debian's package, once). Checks that:
#   - every packet decodes: tshark reads one frame per packet the
#     simulator sent, each IPv4 with TCP, UDP or ICMP, none _ws.malformed;
#   - `tshark -z expert` reports nothing malformed and nothing at error
#     level;
#   - the TCP conversations tshark counts (-z conv,tcp) are the
#     simulator's (the connections in its JSON trace);
#   - every segment the simulator sent again (its JSON trace: sequence
#     space already sent on that connection) shows as a retransmission
#     (tcp.analysis.retransmission, fast_retransmission or
#     spurious_retransmission), and nothing else does;
#   - the frames whose comment says "dropped" are the drops the simulator
#     injected (its trace's "drop (...)" events), one for one.
#
#   tests/tshark/pcapng_tshark_test.sh ECHO_SIM
set -euo pipefail
cd "$(dirname "$0")/../.."
echo_sim=${1:?usage: pcapng_tshark_test.sh ECHO_SIM}

bash tools/install_tshark.sh
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
pcap=$scratch/run.pcapng
json=$scratch/run.jsonl
fail=0
check() {  # check WHAT GOT WANT
  if [ "$2" = "$3" ]; then
    echo "ok: $1: $2"
  else
    echo "FAIL: $1: tshark/got $2, simulator/want $3"
    fail=1
  fi
}

"$echo_sim" --clients 5 --seed 3 --faults \
  'from 0s loss 0.1 clients <-> server; at 45s crash server; at 55s restart server' \
  --pcap "$pcap" --json "$json" >"$scratch/run.out"

# tshark warns when run as root; that is all it says on stderr then.
ts() { tshark -n -r "$pcap" "$@" 2>"$scratch/tshark.err"; }

# --- What the simulator says (its JSON trace) ------------------------------
# One line per packet, in the order the pcapng has them:
#   <frame> <proto> <src:sport> <dst:dport> <flags> <seq> <len>
awk '
  function str(k,   m) { return match($0, "\"" k "\":\"[^\"]*\"") ? substr($0, RSTART + length(k) + 4, RLENGTH - length(k) - 5) : "" }
  function num(k,   m) { return match($0, "\"" k "\":[0-9]+") ? substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 3) : "" }
  /"packet":\{/ {
    n++
    print n, str("proto"), str("src") ":" num("sport"), str("dst") ":" num("dport"), (str("flags") == "" ? "-" : str("flags")), (num("seq") == "" ? 0 : num("seq")), (num("len") == "" ? 0 : num("len"))
  }' "$json" >"$scratch/packets.txt"
sim_packets=$(wc -l <"$scratch/packets.txt")
sim_drops=$(grep -c '"event":"drop (' "$json" || true)
# Connections: each unordered pair of endpoints that carried TCP.
sim_convs=$(awk '$2 == "tcp" { a = $3; b = $4; if (a > b) { t = a; a = b; b = t }; seen[a " " b] = 1 }
                 END { n = 0; for (k in seen) n++; print n }' "$scratch/packets.txt")
# Retransmissions: a segment whose sequence space (payload, SYN and FIN
# count) reaches below the highest already sent that way. Sequence numbers
# are compared modulo 2^32 from the connection's first segment.
awk '$2 == "tcp" {
    key = $3 ">" $4; flags = $5; seq = $6 + 0; len = $7 + 0
    space = len + (index(flags, "S") ? 1 : 0) + (index(flags, "F") ? 1 : 0)
    if (space == 0) next
    if (!(key in base)) base[key] = seq
    rel = (seq - base[key] + 4294967296) % 4294967296
    if ((key in high) && rel < high[key]) print $1
    if (!(key in high) || rel + space > high[key]) high[key] = rel + space
  }' "$scratch/packets.txt" >"$scratch/sim_retrans.txt"
sim_retrans=$(wc -l <"$scratch/sim_retrans.txt")

# --- What tshark reads -----------------------------------------------------
frames=$(ts -T fields -e frame.number | wc -l)
check "frames read" "$frames" "$sim_packets"
decoded=$(ts -Y 'ip && (tcp || udp || icmp) && !_ws.malformed' -T fields -e frame.number | wc -l)
check "frames decoded as IPv4 with TCP, UDP or ICMP" "$decoded" "$sim_packets"
malformed=$(ts -Y '_ws.malformed || _ws.expert.severity == error' -T fields -e frame.number | wc -l)
check "malformed or error-level frames" "$malformed" 0

ts -q -z expert >"$scratch/expert.txt"
if grep -qi 'malformed' "$scratch/expert.txt" ||
   grep -qE '^Errors \(' "$scratch/expert.txt"; then
  echo "FAIL: tshark -z expert reports malformed packets or errors:"
  cat "$scratch/expert.txt"
  fail=1
else
  echo "ok: tshark -z expert: nothing malformed, no errors ($(grep -cE '^(Warns|Notes|Chats) \(' "$scratch/expert.txt") groups of warnings, notes, chats)"
fi

convs=$(ts -q -z conv,tcp | grep -c '<->' || true)
check "TCP conversations" "$convs" "$sim_convs"

ts -Y 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission || tcp.analysis.spurious_retransmission' \
  -T fields -e frame.number >"$scratch/ts_retrans.txt"
check "retransmissions" "$(wc -l <"$scratch/ts_retrans.txt")" "$sim_retrans"
if ! diff "$scratch/ts_retrans.txt" "$scratch/sim_retrans.txt" >"$scratch/retrans.diff"; then
  echo "FAIL: frames tshark calls retransmissions (<) differ from the simulator's (>):"
  head -20 "$scratch/retrans.diff"
  fail=1
fi

drops=$(ts -Y 'frame.comment contains "dropped"' -T fields -e frame.number | wc -l)
check "frames commented \"dropped\"" "$drops" "$sim_drops"
commented=$(ts -Y 'frame.comment' -T fields -e frame.number | wc -l)
check "frames with a comment" "$commented" "$sim_packets"

if [ "$sim_drops" -eq 0 ] || [ "$sim_retrans" -eq 0 ] || [ "$sim_convs" -lt 5 ]; then
  echo "FAIL: the run should lose packets, retransmit and hold 5+ connections" \
       "(drops $sim_drops, retransmissions $sim_retrans, connections $sim_convs)"
  fail=1
fi
echo "checked $sim_packets packets, $sim_drops drops, $sim_convs conversations, $sim_retrans retransmissions"
exit "$fail"
