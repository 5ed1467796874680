# Latency CDF per policy: one line per policy, samples of every repetition pooled.
# Filled in by analysis/figures.c: @TERM@ @OUT@ @EXT@ @TITLE@ @DATA@ @N@, and the marks of
# the measured clock (MARKS, where the plot's note was: barbench's own commands, the range below the
# resolution shaded, a labelled line at each resolution, the note)
# Nothing from a results folder is script text here: file names are barbench's own, @TITLE@ arrives
# single-quoted from gp_quote() (gnuplot expands no backquote there), labels come from the data files.
reset
set terminal @TERM@
set output '@OUT@.@EXT@'
set title @TITLE@ noenhanced
set xlabel "latency per access (ns, log scale)"
set ylabel "fraction of accesses at or below"
set logscale x
set yrange [0:1]
set grid xtics ytics mxtics
set key bottom right noenhanced
set border lw 1
# colours that stay apart on a white page and in greyscale print
set linetype 1 lc rgb "#1b5e9e" lw 2
set linetype 2 lc rgb "#d95f02" lw 2 dt 2
set linetype 3 lc rgb "#1b9e77" lw 2
set linetype 4 lc rgb "#7570b3" lw 2 dt 4
set linetype 5 lc rgb "#222222" lw 2
set linetype 6 lc rgb "#e7298a" lw 2 dt 3
@MARKS@
plot for [i=0:@N@-1] '@DATA@' index i using 1:2 with lines title columnheader(1)
unset output
