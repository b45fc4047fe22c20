# deepsweep compare: per matched group, B - A of a metric with its 95%
# interval (Welch), and Welch's p beside it. Called by `deepsweep compare` as
#   gnuplot -e "term='pngcairo'; data='compare.dat'; out='x.png'; sweep='t'; a='results/t'; b='results/u'; metric='test_acc'; pct=1; n=2" compare.gp
# data columns: index diff lo hi p label_y "label" "group" (diff, lo, hi,
# label_y in % when pct); label is "p = 0.0036" or "no test: <why>"
if (!exists("term")) term = "pngcairo"
if (!exists("pct")) pct = 1
if (exists("style")) load style
set terminal @term size (n > 18 ? 45*n + 300 : 1100),700 font ",11" noenhanced
set output out
set title sprintf("B − A in %s%s, mean with its 95%% CI (Welch)\nA = %s, B = %s; a bar that crosses 0: no difference beyond seed noise", \
                  metric, pct ? " (percentage points)" : "", a, b)
set ylabel sprintf("B − A, %s%s", metric, pct ? " (points)" : "")
set grid ytics
set key off
set xrange [-0.6:n-0.4]
set offsets 0, 0, graph 0.1, graph 0.1
set xtics nomirror rotate by 30 right
set bmargin 7
set bars 2
set xzeroaxis lt -1 lw 1
set yrange [*<0:0<*]  # 0 always shown: a bar is read against it
# a pair without an interval (fewer than two seeds a side) is drawn as a
# point; every pair gets its name and its label from the label columns,
# which are never NaN
plot data using 1:2:3:4 with yerrorbars pt 7 ps 1.6 lw 2 lc 1, \
     '' using 1:2 with points pt 7 ps 1.6 lc 1, \
     '' using 1:6:7:xtic(8) with labels offset 0,1 tc rgb "#444444"
