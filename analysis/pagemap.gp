# Page map of one region at one host page size: which pages each policy maps
# (green), traps (orange), and the must-trap ranges (black); below, the
# Nothing from a results folder is script text here: file names are barbench's own, @TITLE@ arrives
# single-quoted from gp_quote() (gnuplot expands no backquote there), labels come from the data files.
# latency measured per page by the sweep workload.
# Filled in by analysis/report.c: @TERM@ @OUT@ @EXT@ @TITLE@ @WIN@ @SWEEP@ @YTICS@ @NPOL@ @XMAX@ @NSWEEP@
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
set multiplot layout 2,1 title @TITLE@ noenhanced
set xrange [0:@XMAX@]
set xlabel "offset in the region (KiB)"
set yrange [-1.6:@NPOL@-0.4]
set ytics (@YTICS@)
set ylabel ""
set style fill solid 0.9 border -1
set key outside right
plot '@WIN@' index 0 using (($2+$3)/2):1:(($3-$2)/2):(0.35) with boxxyerror lc rgb "#4c9a4c" title "mapped", \
     "" index 1 using (($2+$3)/2):1:(($3-$2)/2):(0.35) with boxxyerror lc rgb "#e08a2e" title "trapped", \
     "" index 2 using (($2+$3)/2):1:(($3-$2)/2):(0.35) with boxxyerror lc rgb "#202020" title "must-trap"
set yrange [*:*]
set autoscale y
set logscale y
set ytics auto
set ylabel "sweep latency (ns, log)"
set key outside right noenhanced
plot for [i=0:@NSWEEP@-1] '@SWEEP@' index i using 1:2 with linespoints pt 7 ps 0.6 title columnheader(1)
unset multiplot
unset output
