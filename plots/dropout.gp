# Dropout: test accuracy (left) and train - test accuracy gap (right) against
# the drop probability, mean ± 1 std over seeds; one line per other setting.
#   gnuplot -e "term='pngcairo'; data='dropout.dat'; out='x.png'; sweep='dropout'; n=1" dropout.gp
# data: one block per line, first line its name; columns:
#   dropout acc_mean% acc_std% gap_mean% gap_std%
if (!exists("term")) term = "pngcairo"
set terminal @term size 1600,600 font ",11" noenhanced
set output out
if (exists("style")) load style
set grid
set offsets 0.02, 0.02, graph 0.05, graph 0.05
set key autotitle columnhead
set bars 2
set multiplot layout 1,2 title sprintf("%s: what dropout buys (mean ± 1 std over seeds)", sweep)

# equal panels whatever the legend's width: it gets the right fifth
set lmargin at screen 0.06; set rmargin at screen 0.40
set title "test accuracy"
set xlabel "dropout (probability a hidden unit is dropped)"
set ylabel "test accuracy (%)"
set yrange [0<*:*<100]
set key off
plot for [i=0:n-1] data index i using 1:2:3 with yerrorlines pt 7 lw 2 lc i+1 title columnhead(1)

set lmargin at screen 0.48; set rmargin at screen 0.80
set title "overfitting: train accuracy - test accuracy"
set ylabel "train - test accuracy (percentage points)"
set yrange [*:*]
set key at screen 0.82, graph 1 left top Left reverse
plot for [i=0:n-1] data index i using 1:4:5 with yerrorlines pt 7 lw 2 lc i+1 title columnhead(1)
unset multiplot
