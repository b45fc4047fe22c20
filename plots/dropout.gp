# Dropout: test accuracy (left) and train - test accuracy gap (right) against
# the drop probability, mean ± 1 std over seeds; one line per other setting.
#   gnuplot -e "term='pngcairo'; data='dropout.dat'; out='x.png'; sweep='dropout'; n=1" dropout.gp
# data: one block per line, first line its name; columns:
#   dropout acc_mean% acc_std% gap_mean% gap_std%
if (!exists("term")) term = "pngcairo"
# u: the size unit (1 = a pixel; pdfcairo counts inches, so deepsweep passes 1/72)
if (!exists("u")) u = 1
# the legend goes under both panels, one line a row across the whole width,
# so no name is cut however long: the canvas grows by a row per line
H = 600 + 24*n
set terminal @term size (1600)*u,(H)*u font ",11" noenhanced
set output out
if (exists("style")) load style
set grid
set offsets 0.02, 0.02, graph 0.05, graph 0.05
set key autotitle columnhead
set bars 2
set multiplot layout 1,2 title sprintf("%s: what dropout buys (mean ± 1 std over seeds)", sweep)

bot = (80.0 + 24*n) / H
set bmargin at screen bot
set lmargin at screen 0.06; set rmargin at screen 0.47
set title "test accuracy"
set xlabel "dropout (probability a hidden unit is dropped)"
set ylabel "test accuracy (%)"
set yrange [0<*:*<100]
set key off
plot for [i=0:n-1] data index i using 1:2:3 with yerrorlines pt 7 lw 2 lc i+1 title columnhead(1)

set lmargin at screen 0.56; set rmargin at screen 0.97
set title "overfitting: train accuracy - test accuracy"
set ylabel "train - test accuracy (percentage points)"
set yrange [*:*]
set key at screen 0.06, screen 0.01 left bottom Left reverse vertical maxrows n
plot for [i=0:n-1] data index i using 1:4:5 with yerrorlines pt 7 lw 2 lc i+1 title columnhead(1)
unset multiplot
