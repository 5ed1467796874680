# p50 and p99 per policy and page size for one layout region and workload.
# Filled in by analysis/report.c: @TERM@ @OUT@ @EXT@ @TITLE@ @DATA@
# Nothing from a results folder is script text here: file names are barbench's own, @TITLE@ arrives
# single-quoted from gp_quote() (gnuplot expands no backquote there), labels come from the data files.
reset
set terminal @TERM@
set output '@OUT@.@EXT@'
# set linetype outlives reset: every template sets its own
set linetype 1 lc rgb "#1b5e9e" lw 1 dt 1
set linetype 2 lc rgb "#d95f02" lw 1 dt 1
set linetype 3 lc rgb "#1b9e77" lw 1 dt 1
set linetype 4 lc rgb "#7570b3" lw 1 dt 1
set linetype 5 lc rgb "#444444" lw 1 dt 1
set linetype 6 lc rgb "#e7298a" lw 1 dt 1
set title @TITLE@ noenhanced
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set ylabel "latency per access (ns, log scale)"
set xlabel "policy, host page size"
set xtics rotate by -30 noenhanced
set grid ytics
set key top left
set datafile missing "-"
plot '@DATA@' using 2:xtic(1) title "p50 (median over repetitions)" lc rgb "#3b6ea8", \
     "" using 3 title "p99" lc rgb "#e0913a"
unset output
