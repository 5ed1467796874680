# Page map of one region at one host page size: which pages each policy maps
# (green), traps (orange), and the must-trap ranges (black); below, the
# latency measured per page by the sweep workload.  Where the whole region
# hides the must-trap ranges (ZOOM 1), a right-hand column shows the same
# two panels from ZLO to ZHI KiB around them.
# Nothing from a results folder is script text here: file names are barbench's own, @TITLE@ arrives
# single-quoted from gp_quote() (gnuplot expands no backquote there), labels come from the data files.
# Filled in by analysis/figures.c: @TERM@ @OUT@ @EXT@ @TITLE@ @WIN@ @SWEEP@ @YTICS@ @NPOL@ @XMAX@ @NSWEEP@
# @ZOOM@ @ZLO@ @ZHI@ @YMIN@ @YMAX@ @ZSWEEP@
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
zoom = @ZOOM@
# fixed margins: the panels of a column share their x axis, to the pixel
left0 = 0.10; right0 = zoom ? 0.47 : 0.80; left1 = 0.58; right1 = 0.97
set multiplot title @TITLE@ noenhanced
set style fill solid 0.9 border -1
# the windows of each policy over [x0, x1] KiB, in the panel [l, r] x [b, t] of the page
set ytics (@YTICS@)
set yrange [-1.6:@NPOL@-0.4]
set xlabel "offset in the region (KiB)"
set ylabel ""
set key font ",9"
set tmargin at screen 0.89; set bmargin at screen 0.60
set lmargin at screen left0; set rmargin at screen right0
set xrange [0:@XMAX@]
if (zoom) { set key at screen right1, 0.955 horizontal right } else { set key outside right }
plot '@WIN@' index 0 using (($2+$3)/2):1:(($3-$2)/2):(0.35) with boxxyerror lc rgb "#4c9a4c" title "mapped", \
     "" index 1 using (($2+$3)/2):1:(($3-$2)/2):(0.35) with boxxyerror lc rgb "#e08a2e" title "trapped", \
     "" index 2 using (($2+$3)/2):1:(($3-$2)/2):(0.35) with boxxyerror lc rgb "#202020" title "must-trap"
if (zoom) {
	set lmargin at screen left1; set rmargin at screen right1
	set xrange [@ZLO@:@ZHI@]
	set xlabel "offset (KiB), zoomed on the must-trap ranges"
	unset key
	replot
}
set tmargin at screen 0.40; set bmargin at screen 0.08
set lmargin at screen left0; set rmargin at screen right0
set xrange [0:@XMAX@]
set xlabel "offset in the region (KiB)"
# the y range from the data: a panel with no point in its x range is empty, not an error
set yrange [@YMIN@:@YMAX@]
set logscale y
set ytics auto
set ylabel "sweep latency (ns, log)"
if (zoom) { set key at screen right1, 0.485 horizontal right noenhanced } else { set key outside right noenhanced }
plot for [i=0:@NSWEEP@-1] '@SWEEP@' index i using 1:2 with linespoints pt 7 ps 0.6 title columnheader(1)
if (zoom) {
	set lmargin at screen left1; set rmargin at screen right1
	set xrange [@ZLO@:@ZHI@]
	set xlabel "offset (KiB), zoomed on the must-trap ranges"
	unset key
	set ylabel ""
	if (!@ZSWEEP@) { set label 1 "the sweep timed no page in this window" at graph 0.5, graph 0.5 center }
	replot
	unset label 1
}
unset multiplot
unset output
