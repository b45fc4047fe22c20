# Training curves: test accuracy (left) and train loss (right) per epoch,
# mean over seeds with a ± 1 std band, one colour per group. With np
# panels (small multiples, one per value of a setting, as gradnorm.gp):
# panel p is a pair of plots (accuracy, loss) of the counts[p] blocks from
# starts[p], titled by word p of pt; two pairs a row.
#   gnuplot -e "term='pngcairo'; data='curves.dat'; out='x.png'; sweep='lab-mnist'; n=5" curves.gp
# data: one block per group (blank-line separated), its first line the
# group's name; columns: epoch acc_mean% acc_std% loss_mean loss_std
if (!exists("term")) term = "pngcairo"
# lcs / dts: each group's colour and dash pattern as word lists
if (!exists("lcs")) lcs = ""
if (!exists("dts")) dts = ""
colour(i) = i < words(lcs) ? word(lcs, i+1) + 0 : i % 8 + 1
dash(i) = i < words(dts) ? word(dts, i+1) + 0 : i / 8 + 1
if (!exists("np")) np = 0
pc = np > 1 ? 2 : 1
rows = np > 0 ? (np + pc - 1) / pc : 1
# u: the size unit (1 = a pixel; pdfcairo counts inches, so deepsweep passes 1/72)
if (!exists("u")) u = 1
W = np > 0 ? 760*pc + 480 : 1600
H = np > 0 ? 340*rows + 120 : 600
set terminal @term size (W)*u,(H)*u font ",11" noenhanced
set output out
if (exists("style")) load style
set style fill transparent solid 0.2 noborder
set grid
# whole epochs on the axis when there are few
if (exists("maxep") && maxep <= 20) set xtics 1
set key autotitle columnhead
head = sprintf("%s: training curves (line: mean over seeds, band: ± 1 std)", sweep)

if (np > 0) {
    set multiplot layout rows,2*pc title head margins 0.05, 0.72, 0.07, 0.90 spacing 0.07, 0.12
    set xlabel "epoch"
    do for [p=0:np-1] {
        s = word(starts, p+1) + 0
        c = word(counts, p+1) + 0
        set title word(pt, p+1).": test accuracy"
        set ylabel "test accuracy (%)"
        unset logscale y
        # every panel on one scale a side (deepsweep passes the data's)
        if (exists("alo")) { set yrange [alo:ahi] } else { set yrange [0<*:*<100] }
        set key off
        plot for [i=s:s+c-1] data index i using 1:($2-$3):($2+$3) with filledcurves lc colour(i) notitle, \
             for [i=s:s+c-1] data index i using 1:2 with linespoints pt 7 ps 0.8 lw 2 lc colour(i) dt dash(i) title columnhead(1)
        set title word(pt, p+1).": training loss"
        set ylabel "mean training loss (log scale)"
        set logscale y
        if (exists("llo")) { set yrange [llo:lhi] } else { set yrange [*:*] }
        if (p == np-1) { set key at screen 0.74, screen 0.90 left top Left reverse } else { set key off }
        plot for [i=s:s+c-1] data index i using 1:($4-$5 > 0 ? $4-$5 : $4):($4+$5) with filledcurves lc colour(i) notitle, \
             for [i=s:s+c-1] data index i using 1:4 with linespoints pt 7 ps 0.8 lw 2 lc colour(i) dt dash(i) title columnhead(1)
    }
    unset multiplot
    exit
}

set multiplot layout 1,2 title head

# equal panels whatever the legend's width: it gets the right fifth
set lmargin at screen 0.06; set rmargin at screen 0.40
set title "test accuracy"
set xlabel "epoch"
set ylabel "test accuracy (%)"
set yrange [0<*:*<100]
set key off
plot for [i=0:n-1] data index i using 1:($2-$3):($2+$3) with filledcurves lc colour(i) notitle, \
     for [i=0:n-1] data index i using 1:2 with linespoints pt 7 ps 0.8 lw 2 lc colour(i) dt dash(i) title columnhead(1)

set lmargin at screen 0.48; set rmargin at screen 0.80
set title "training loss"
set ylabel "mean training loss (log scale)"
set logscale y
set yrange [*:*]
set key at screen 0.82, graph 1 left top Left reverse
plot for [i=0:n-1] data index i using 1:($4-$5 > 0 ? $4-$5 : $4):($4+$5) with filledcurves lc colour(i) notitle, \
     for [i=0:n-1] data index i using 1:4 with linespoints pt 7 ps 0.8 lw 2 lc colour(i) dt dash(i) title columnhead(1)
unset multiplot
