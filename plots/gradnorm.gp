# The vanishing gradient: per-layer weight-gradient L2 norm against the
# layer's position (0 = next to the input), log scale; left at the first
# logged epoch, right at the last; mean over seeds, one line per group.
#   gnuplot -e "term='pngcairo'; data='gradnorm.dat'; out='x.png'; sweep='xor'; n=7; sub='init xavier_uniform'" gradnorm.gp
# data: one block per group, first line its name; columns:
#   layer first_mean first_std last_mean last_std
if (!exists("term")) term = "pngcairo"
if (!exists("sub")) sub = ""
# lcs / dts: each line's colour and dash pattern as word lists (deepsweep
# plot gives one colour per setting, one dash per activation)
if (!exists("lcs")) lcs = ""
if (!exists("dts")) dts = ""
colour(i) = i < words(lcs) ? word(lcs, i+1) + 0 : i % 8 + 1
dash(i) = i < words(dts) ? word(dts, i+1) + 0 : i / 8 + 1
set terminal @term size (exists("single") && single ? 1100 : 1600),650 font ",11" noenhanced
set output out
if (exists("style")) load style
set grid
set logscale y
set format y "%.0e"
set xtics 1
set autoscale xfix
set offsets 0.2, 0.2, graph 0.03, graph 0.03
set key autotitle columnhead
# single=1: the runs logged their layers at one epoch only (XOR logs the
# last): one panel
if (!exists("single")) single = 0
set multiplot layout 1,(single ? 1 : 2) title sprintf("%s: L2 norm of each layer's weight gradient (mean over seeds)%s", sweep, sub eq "" ? "" : ", ".sub)

set xlabel "layer (0 = next to the input)"
set ylabel "gradient norm ||dW|| (log scale)"
# equal panels whatever the legend's width: it gets the right fifth
if (single) { set rmargin at screen 0.72 } else { set lmargin at screen 0.06; set rmargin at screen 0.40 }
if (!single) {
    set title "first logged epoch"
    set key off
    plot for [i=0:n-1] data index i using 1:2 with linespoints pt 7 ps 1 lw 2 lc colour(i) dt dash(i) title columnhead(1)
}

if (!single) { set lmargin at screen 0.48; set rmargin at screen 0.80 }
set title (single ? "end of training (the one logged epoch)" : "last logged epoch")
set key at screen (single ? 0.74 : 0.82), graph 1 left top Left reverse
plot for [i=0:n-1] data index i using 1:4 with linespoints pt 7 ps 1 lw 2 lc colour(i) dt dash(i) title columnhead(1)
unset multiplot
