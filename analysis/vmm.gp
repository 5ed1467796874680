# Page map of one region as a VMM treats it (barbench vmm), measured, above
# barbench's own plans for the same layout and page size; below, the read
# time of every page swept, by class.
# Nothing from a sweep file or a trap log is script text here: names are
# barbench's own, @TITLE@ arrives single-quoted with only harmless characters.
# Filled in by analysis/vmm_infer.c: @OUT@ @TITLE@ @DAT@ @YTICS@ @NROWS@ @XMAX@
reset
set terminal pngcairo size 960,640 enhanced font "sans,10" background rgb "white"
# barbench draws into a private folder and renames the picture into place
# (gnuplot -e "png='.vmm-draw-XXXXXX/NAME.png'"); run by hand, NAME.png here
if (!exists("png")) png = '@OUT@.png'
set output png
set multiplot layout 2,1 title @TITLE@ noenhanced
set xrange [0:@XMAX@]
set xlabel "offset in the region (KiB)"
set yrange [-1.6:@NROWS@-0.4]
set ytics (@YTICS@) noenhanced
set ylabel ""
set style fill solid 0.9 border -1
set key outside right noenhanced
plot '@DAT@' index 0 using (($2+$3)/2):1:(($3-$2)/2):(0.35) with boxxyerror lc rgb "#4c9a4c" title "mapped", \
     "" index 1 using (($2+$3)/2):1:(($3-$2)/2):(0.35) with boxxyerror lc rgb "#e08a2e" title "trapped", \
     "" index 2 using (($2+$3)/2):1:(($3-$2)/2):(0.35) with boxxyerror lc rgb "#7570b3" title "trapped, answered by the VMM itself", \
     "" index 3 using (($2+$3)/2):1:(($3-$2)/2):(0.35) with boxxyerror lc rgb "#202020" title "must-trap (MSI-X)", \
     "" index 4 using (($2+$3)/2):1:(($3-$2)/2):(0.35) with boxxyerror lc rgb "#bbbbbb" title "not probed"
set yrange [*:*]
set autoscale y
set logscale y
set ytics auto
set ylabel "read time per page (ns, log)"
set key outside right
plot '@DAT@' index 5 using 1:($3 == 0 ? $2 : 1/0) with points pt 7 ps 1 lc rgb "#4c9a4c" title "mapped", \
     "" index 5 using 1:($3 == 1 ? $2 : 1/0) with points pt 7 ps 1 lc rgb "#e08a2e" title "trapped", \
     "" index 5 using 1:($3 == 2 ? $2 : 1/0) with points pt 7 ps 1 lc rgb "#7570b3" title "emulated", \
     "" index 5 using 1:($3 == 4 ? $2 : 1/0) with points pt 7 ps 1 lc rgb "#888888" title "alike"
unset multiplot
unset output
