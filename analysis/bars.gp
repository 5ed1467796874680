# p50 and p99 per policy and page size for one layout region and workload.
# Filled in by analysis/figures.c: @TERM@ @OUT@ @EXT@ @TITLE@ @DATA@ @YMIN@ @YMAX@ @N@
# Nothing from a results folder is script text here: file names are barbench's own, @TITLE@ arrives
# single-quoted from gp_quote() (gnuplot expands no backquote there), labels come from the data files.
# Data: label, p50, p50 below the resolution (drawn at it), p99, p99 below it, the run's resolution.
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
set logscale y
# every bar and every resolution mark inside the axis: the range comes from the data, never autoscaled past it
set yrange [@YMIN@:@YMAX@]
set xrange [-0.6:@N@-0.4]
set ylabel "latency per access (ns, log scale)"
set xlabel "policy, host page size"
set xtics rotate by -30 noenhanced
set grid ytics
set key below maxcols 2 font ",9"
set boxwidth 0.36
set datafile missing "-"
plot '@DATA@' using ($0-0.19):2:xtic(1) with boxes fs solid 0.85 border -1 lc rgb "#3b6ea8" \
       title "p50 (median over repetitions)", \
     "" using ($0-0.19):3 with boxes fs pattern 4 border -1 lc rgb "#3b6ea8" \
       title "p50 below the timer resolution: bar drawn at the resolution (< R)", \
     "" using ($0+0.19):4 with boxes fs solid 0.85 border -1 lc rgb "#e0913a" title "p99", \
     "" using ($0+0.19):5 with boxes fs pattern 4 border -1 lc rgb "#e0913a" \
       title "p99 below the timer resolution: drawn at it", \
     "" using ($0-0.42):6:(0.84):(0) with vectors nohead lw 2 dt 2 lc rgb "#111111" \
       title "timer resolution per access of the run (R)"
unset output
