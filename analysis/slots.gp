# Memslots and host mappings per policy for every layout region at one page size.
# Filled in by analysis/report.c: @TERM@ @OUT@ @EXT@ @TITLE@ @DATA@ @MAPS@ @N@
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
set multiplot layout 2,1 title @TITLE@ noenhanced
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.85 border -1
set datafile missing "-"
set xtics rotate by -25 noenhanced font ",8"
set grid ytics
set key outside right noenhanced
set ylabel "memslots (count)"
set yrange [0:*]
plot for [i=2:@N@+1] '@DATA@' using i:xtic(1) title columnheader(i)
set ylabel "host mappings (count)"
plot for [i=2:@N@+1] '@MAPS@' using i:xtic(1) title columnheader(i)
unset multiplot
unset output
