# Mean test accuracy over a grid of two swept columns (depth x width, or
# init x activation; axis titles xl, yl), one panel per setting of the other
# swept columns (at most 4), all on one colour scale. Cells are indices into
# the xt / yt value lists.
#   gnuplot -e "term='pngcairo'; data='heatmap.dat'; out='x.png'; sweep='depth-width'; n=2;
#               xt='32 64 128'; yt='1 2 4'; pt='\"relu\" \"sigmoid\"'" heatmap.gp
# (pt: the panels' titles, each in double quotes)
# data: one block per panel; columns: x_index y_index acc_mean%
if (!exists("term")) term = "pngcairo"
# u: the size unit (1 = a pixel; pdfcairo counts inches, so deepsweep passes 1/72)
if (!exists("u")) u = 1
set terminal @term size ((n > 1 ? 700*n : 900))*u,(650)*u font ",11" noenhanced
set output out
# One colour scale for every panel (side by side, a colour must mean one
# accuracy): the range of all cells. Cell text dark on the light (high) half
# of the palette, white on the dark half. (stats before the ranges below,
# which it would apply.)
# deepsweep passes the range (cblo, cbhi); alone, the script finds it
if (exists("cblo")) { lo = cblo; hi = cbhi } else { stats data using 3 nooutput; lo = STATS_min; hi = STATS_max }
if (hi - lo < 0.1) { lo = lo - 0.05; hi = hi + 0.05 }
mid = (lo + hi) / 2
set cbrange [lo:hi]
set xrange [-0.5:words(xt)-0.5]
set yrange [-0.5:words(yt)-0.5]
set xtics () ; set ytics ()
do for [i=1:words(xt)] { set xtics add (word(xt,i) i-1) }
do for [i=1:words(yt)] { set ytics add (word(yt,i) i-1) }
if (!exists("xl")) xl = "width (units per hidden layer)"
if (!exists("yl")) yl = "depth (hidden layers)"
set xlabel xl
set ylabel yl
set cblabel "test accuracy (%)"
set palette defined (0 "#440154", 1 "#31688e", 2 "#35b779", 3 "#fde725")
set style fill solid 1.0 noborder
set key off
set tics out nomirror
set multiplot layout 1,n title sprintf("%s: mean test accuracy (%%) over seeds", sweep)
do for [p=0:n-1] {
    set title word(pt, p+1)
    plot data index p using 1:2:(0.5):(0.5):3 with boxxyerror fc palette, \
         '' index p using 1:2:(sprintf("%.1f", $3)):($3 > mid ? 0x000000 : 0xffffff) with labels tc rgb variable font ",10"
}
unset multiplot
