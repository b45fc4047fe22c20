# The vanishing gradient: per-layer weight-gradient L2 norm against the
# layer's position (0 = next to the input), log scale; mean over seeds, one
# line per group. Without panels: left at the first logged epoch, right at
# the last (single=1: the last only). With np panels (small multiples, one
# per value of a setting): the last logged epoch, panel p drawing the
# counts[p] blocks from starts[p], titled by word p of pt.
#   gnuplot -e "term='pngcairo'; data='gradnorm.dat'; out='x.png'; sweep='xor'; n=7; np=0; single=1" gradnorm.gp
# zeros: the lines a log axis cannot show (a zero gradient), as a note.
# data: one block per group, first line its name; columns:
#   layer first_mean first_std last_mean last_std
if (!exists("term")) term = "pngcairo"
if (!exists("np")) np = 0
if (!exists("single")) single = 0
if (!exists("zeros")) zeros = ""
# lcs / dts: each line's colour and dash pattern as word lists (deepsweep
# plot gives one colour per setting, one dash per activation)
if (!exists("lcs")) lcs = ""
if (!exists("dts")) dts = ""
colour(i) = i < words(lcs) ? word(lcs, i+1) + 0 : i % 8 + 1
dash(i) = i < words(dts) ? word(dts, i+1) + 0 : i / 8 + 1
cols = np > 4 ? 4 : (np > 0 ? np : 1)
rows = np > 0 ? (np + cols - 1) / cols : 1
# the legend gets the right 30% of the canvas, the note a strip at the bottom
W = np > 0 ? 430*cols + 560 : (single ? 1100 : 1600)
H = np > 0 ? 380*rows + 140 : 650
# u: the size unit (1 = a pixel; pdfcairo counts inches, so deepsweep passes 1/72)
if (!exists("u")) u = 1
set terminal @term size (W)*u,(H)*u font ",11" noenhanced
set output out
if (exists("style")) load style
set grid
set logscale y
set format y "%.0e"
set xtics 1
set autoscale xfix
set offsets 0.2, 0.2, 0, 0
# every panel on one y range (deepsweep passes the data's, with a margin)
if (exists("ylo")) set yrange [ylo:yhi]
set key autotitle columnhead
set xlabel "layer (0 = next to the input)"
set ylabel "||dW|| (log scale)"
bottom = zeros eq "" ? 0.08 : 0.14
if (zeros ne "") set label 99 sprintf("not drawn (zero gradient, no place on a log axis): %s", zeros) at screen 0.01, 0.03 left font ",10" tc rgb "#d62728"
head = sprintf("%s: L2 norm of each layer's weight gradient (mean over seeds)", sweep)

if (np > 0) {
    set multiplot layout rows,cols title head.", last logged epoch" margins 0.06, 0.68, bottom, 0.84 spacing 0.07, 0.14
    do for [p=0:np-1] {
        s = word(starts, p+1) + 0
        c = word(counts, p+1) + 0
        set title word(pt, p+1)
        if (p == np-1) { set key at screen 0.70, screen 0.84 left top Left reverse } else { set key off }
        plot for [i=s:s+c-1] data index i using 1:4 with linespoints pt 7 ps 0.8 lw 2 lc colour(i) dt dash(i) title columnhead(1)
    }
    unset multiplot
    exit
}

set multiplot layout 1,(single ? 1 : 2) title head
set bmargin at screen bottom
# equal panels whatever the legend's width: it gets the right part
if (single) { set rmargin at screen 0.66 } else { set lmargin at screen 0.06; set rmargin at screen 0.38 }
if (!single) {
    set title "first logged epoch"
    set key off
    plot for [i=0:n-1] data index i using 1:2 with linespoints pt 7 ps 1 lw 2 lc colour(i) dt dash(i) title columnhead(1)
}

if (!single) { set lmargin at screen 0.45; set rmargin at screen 0.77 }
set title (single ? "end of training (the one logged epoch)" : "last logged epoch")
set key at screen (single ? 0.68 : 0.79), graph 1 left top Left reverse
plot for [i=0:n-1] data index i using 1:4 with linespoints pt 7 ps 1 lw 2 lc colour(i) dt dash(i) title columnhead(1)
unset multiplot
