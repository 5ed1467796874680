# Predicted against measured gain of each layout change (its best policy and page size), one row per
# change with its label across, so a long layout and change name stays readable.
# Filled in by analysis/figures.c: @TERM@ @OUT@ @EXT@ @TITLE@ @DATA@ @N@ (rows; the figure is as tall as they need)
# Nothing from a results folder is script text here: file names are barbench's own, @TITLE@ arrives
# single-quoted from gp_quote() (gnuplot expands no backquote there), labels come from the data files.
reset
set terminal @TERM@
set output '@OUT@.@EXT@'
# set linetype outlives reset: every template sets its own
set linetype 1 lc rgb "#1b5e9e" lw 1 dt 1
set linetype 2 lc rgb "#d95f02" lw 1 dt 1
set title @TITLE@ noenhanced
set style fill solid 0.85 border -1
set xlabel "time per access saved (%)"
set xrange [0:105]
# first row at the top
set yrange [@N@-0.5:-0.5]
set ytics noenhanced font ",9" scale 0
set lmargin 58
set rmargin 3
set grid xtics
set key outside top center horizontal
set datafile missing "-"
plot '@DATA@' using (0):($0-0.19):(0):2:($0-0.38):($0):ytic(1) with boxxyerror lc rgb "#3b6ea8" \
       title "predicted (cost model)", \
     "" using (0):($0+0.19):(0):3:($0):($0+0.38) with boxxyerror lc rgb "#e0913a" title "measured (emulated device)"
unset output
