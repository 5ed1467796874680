# Predicted against measured gain of each layout change (its best policy and page size).
# Filled in by analysis/report.c: @TERM@ @OUT@ @EXT@ @TITLE@ @DATA@
# Nothing from a results folder is script text here: file names are barbench's own, @TITLE@ arrives
# single-quoted from gp_quote() (gnuplot expands no backquote there), labels come from the data files.
reset
set terminal @TERM@
set output '@OUT@.@EXT@'
# set linetype outlives reset: every template sets its own
set linetype 1 lc rgb "#1b5e9e" lw 1 dt 1
set linetype 2 lc rgb "#d95f02" lw 1 dt 1
set title @TITLE@ noenhanced
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.85 border -1
set ylabel "time per access saved (%)"
set yrange [0:105]
set xtics rotate by -55 noenhanced font ",7"
set bmargin 13
set rmargin 4
set grid ytics
set key outside top center horizontal
set datafile missing "-"
plot '@DATA@' using 2:xtic(1) title "predicted (cost model)", "" using 3 title "measured (emulated device)"
unset output
