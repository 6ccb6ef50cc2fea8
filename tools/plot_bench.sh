#!/usr/bin/env bash
# Plots the simulator's scale figures from sim_scale's output (its
# "csv,<section>,<series>,<x>,<value>" lines) with gnuplot (Debian's
# gnuplot-nox):
#
#   build/default/bench/sim_scale > /tmp/sim_scale.txt
#   bash tools/plot_bench.sh /tmp/sim_scale.txt docs/performance.png
#
# Three panels: ping-pong round trips per second against the number of
# connections (with the target, half the rate at 10), the connection
# lifecycle's cost per connection (with the real loopback's), and the
# bytes per idle established connection (heap in use, and RSS all told,
# with the 2 KiB target).
set -euo pipefail
in=${1:?usage: plot_bench.sh SIM_SCALE_OUTPUT OUT.png}
out=${2:?usage: plot_bench.sh SIM_SCALE_OUTPUT OUT.png}
command -v gnuplot >/dev/null || { echo "plot_bench: install gnuplot-nox" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One data file per section and series: "x value".
grep '^csv,' "$in" | while IFS=, read -r _ section series x value; do
  echo "$x $value" >> "$tmp/$section.$series.dat"
done
for f in pingpong.sim pingpong.real lifecycle.sim lifecycle.real memory.per_connection; do
  [[ -s $tmp/$f.dat ]] || { echo "plot_bench: no $f figures in $in" >&2; exit 1; }
done
at10=$(awk '$1 == 10 { print $2 }' "$tmp/pingpong.sim.dat")
real_rt=$(awk 'NR == 1 { print $2 }' "$tmp/pingpong.real.dat")
real_lc=$(awk 'NR == 1 { print $2 }' "$tmp/lifecycle.real.dat")
# RSS all told per connection (the world and setup's freed memory
# included), printed by sim_scale since it reports the heap in use; older
# outputs have only the RSS figure, as per_connection.
rss_plot=
if [[ -s $tmp/memory.rss_per_connection.dat ]]; then
  rss_plot="\"$tmp/memory.rss_per_connection.dat\" with linespoints lw 1 dt 4 title \"RSS all told\","
fi

gnuplot <<EOF
set terminal pngcairo size 1200,380 font ",9"
set output "$out"
set multiplot layout 1,3
set logscale x
set grid
set key top right

set title "64 B ping-pong, two hosts, 500 us"
set xlabel "connections"
set ylabel "round trips / s"
set format y "%.1s%c"
set yrange [0:*]
plot "$tmp/pingpong.sim.dat" with linespoints lw 2 title "simulator", \
     ${at10:-0} * 0.5 with lines dt 2 title "target: 50% of the rate at 10", \
     ${real_rt:-0} with lines dt 3 title "real loopback, 1 connection"

set title "connection lifecycle (to TIME\\\\_WAIT's end)"
set ylabel "us per connection"
set format y "%g"
set logscale y
set yrange [*:*]
set xrange [500:200000]
set key top left
plot "$tmp/lifecycle.sim.dat" with linespoints lw 2 title "simulator", \
     ${real_lc:-0} with lines dt 3 title "real loopback", \
     ${real_lc:-0} / 30.0 with lines dt 2 title "target: real / 30"

unset logscale y
set xrange [*:*]
set title "memory per idle established connection"
set ylabel "bytes per connection, both ends"
set yrange [0:*]
plot "$tmp/memory.per_connection.dat" with linespoints lw 2 title "heap in use", \
     $rss_plot \
     2048 with lines dt 2 title "target: 2 KiB"
unset multiplot
EOF
echo "plot_bench: wrote $out"
