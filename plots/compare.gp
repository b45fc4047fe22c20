# deepsweep compare: per matched group, B - A of a metric with its 95%
# interval (Welch), and Welch's p beside it. Called by `deepsweep compare` as
#   gnuplot -e "term='pngcairo'; data='compare.dat'; out='x.png'; sweep='t'; a='results/t'; b='results/u'; metric='test_acc'; pct=1; n=2" compare.gp
# data columns: index diff lo hi p "group" (diff, lo, hi in % when pct)
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
# a pair without an interval (fewer than two seeds a side) is drawn as a point
plot data using 1:2:3:4:xtic(6) with yerrorbars pt 7 ps 1.6 lw 2 lc 1, \
     '' using 1:2 with points pt 7 ps 1.6 lc 1, \
     '' using 1:($4 == $4 ? $4 : $2):(($5 == $5) ? sprintf("p = %.2g", $5) : "no test") with labels offset 0,1 tc rgb "#444444"
