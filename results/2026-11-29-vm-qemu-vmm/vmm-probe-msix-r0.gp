# Page map of one region as a VMM treats it (barbench vmm), measured, above
# barbench's own plans for the same layout and page size; below, the read
# time of every page swept, by class.
# Nothing from a sweep file or a trap log is script text here: names are
# barbench's own, 'QEMU 11.1 on probe-msix region 0, 4 KiB pages: what it maps, measured, beside the plans of barbench' arrives single-quoted with only harmless characters.
# Filled in by analysis/vmm_infer.c: vmm-probe-msix-r0 'QEMU 11.1 on probe-msix region 0, 4 KiB pages: what it maps, measured, beside the plans of barbench' vmm-probe-msix-r0.dat 'must-trap' -1, 'VMM (measured)' 0, 'full' 1, 'holes' 2, 'sparse' 3, 'merged' 4, 'trap' 5, 'budget' 6 7 16.000
reset
set terminal pngcairo size 960,640 enhanced font "sans,10" background rgb "white"
set output 'vmm-probe-msix-r0.png.tmp'
set multiplot layout 2,1 title 'QEMU 11.1 on probe-msix region 0, 4 KiB pages: what it maps, measured, beside the plans of barbench' noenhanced
set xrange [0:16.000]
set xlabel "offset in the region (KiB)"
set yrange [-1.6:7-0.4]
set ytics ('must-trap' -1, 'VMM (measured)' 0, 'full' 1, 'holes' 2, 'sparse' 3, 'merged' 4, 'trap' 5, 'budget' 6) noenhanced
set ylabel ""
set style fill solid 0.9 border -1
set key outside right noenhanced
plot 'vmm-probe-msix-r0.dat' index 0 using (($2+$3)/2):1:(($3-$2)/2):(0.35) with boxxyerror lc rgb "#4c9a4c" title "mapped", \
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
plot 'vmm-probe-msix-r0.dat' index 5 using 1:($3 == 0 ? $2 : 1/0) with points pt 7 ps 1 lc rgb "#4c9a4c" title "mapped", \
     "" index 5 using 1:($3 == 1 ? $2 : 1/0) with points pt 7 ps 1 lc rgb "#e08a2e" title "trapped", \
     "" index 5 using 1:($3 == 2 ? $2 : 1/0) with points pt 7 ps 1 lc rgb "#7570b3" title "emulated", \
     "" index 5 using 1:($3 == 4 ? $2 : 1/0) with points pt 7 ps 1 lc rgb "#888888" title "alike"
unset multiplot
unset output
