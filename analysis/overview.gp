# The report's overview: per device region and host page size, the speed-up over trap of the policy
# the recommendation table names for the hot path (host lat-read), measured on this folder's device
# and projected onto a real device's BAR access time; 1x where every policy a VMM can use traps.
# Filled in by analysis/figures.c: @TERM@ @OUT@ @EXT@ @TITLE@ @DATA@ @N@ (rows; the figure is as tall as they need)
# @LMARGIN@ (characters: the longest label fits; the figure is as wide as the margin and the bars need)
# Nothing from a results folder is script text here: file names are barbench's own, @TITLE@ is ours,
# labels come from the data file.  Data: label, measured, measured as a lower bound, projected.
reset
set terminal @TERM@
set output '@OUT@.@EXT@'
# set linetype outlives reset: every template sets its own
set linetype 1 lc rgb "#1b5e9e" lw 1 dt 1
set linetype 2 lc rgb "#d95f02" lw 1 dt 1
set title @TITLE@ noenhanced
set style fill solid 0.85 border -1
set logscale x
set xrange [0.8:*]
set xlabel "speed-up over trap (x, log scale; 1 = no gain)"
# first row at the top
set yrange [@N@-0.5:-0.5]
set ytics noenhanced font ",9" scale 0
set lmargin @LMARGIN@
set rmargin 4
set grid xtics mxtics
# above the plot: below it the key ran into the x label
set key above vertical maxrows 3 font ",9"
set datafile missing "-"
plot '@DATA@' using (1):($0-0.19):(1):2:($0-0.38):($0):ytic(1) with boxxyerror lc rgb "#3b6ea8" \
       title "measured (emulated device)", \
     "" using (1):($0-0.19):(1):3:($0-0.38):($0) with boxxyerror fs pattern 4 border -1 lc rgb "#3b6ea8" \
       title "measured, a lower bound (the pick below the resolution)", \
     "" using (1):($0+0.19):(1):4:($0):($0+0.38) with boxxyerror lc rgb "#e0913a" \
       title "projected onto a device"
unset output
