# Test accuracy per group, mean ± std over seeds; with ref=1, the reference
# accuracy the experiment file gives beside it. Called by `deepsweep plot` as
#   gnuplot -e "term='pngcairo'; data='accuracy.dat'; out='x.png'; sweep='lab-mnist'; n=5; ref=1; rot=0" accuracy.gp
# data columns: index mean% std% reference% ok_runs "name"
if (!exists("term")) term = "pngcairo"
if (!exists("ref")) ref = 0
if (!exists("rot")) rot = 0
# wider with many groups: about 45 pixels a group; values printed up to 12
# u: the size unit (1 = a pixel; pdfcairo counts inches, so deepsweep passes 1/72)
if (!exists("u")) u = 1
set terminal @term size ((n > 18 ? 45*n + 300 : 1100))*u,((rot ? 750 : 650))*u font ",11" noenhanced
set output out

set title sprintf("%s: final test accuracy per group (mean ± 1 std over seeds)", sweep)
set ylabel "test accuracy (%)"
set grid ytics
set key outside bottom center horizontal
set xrange [-0.6:n-0.4]
set offsets 0, 0, graph 0.08, graph 0.05
set yrange [0<*:*<100]   # autoscaled, but never past 0-100 %
if (rot) { set xtics rotate by 45 right; set lmargin 20 } else { set xtics norotate }
vals = n <= 12
set xtics nomirror
set bars 2
blue = "#1f77b4"; red = "#d62728"

# ours left of the tic with its value on the left, the reference right of it
if (ref) {
    plot data using ($1-0.1):2:3:xtic(6) with yerrorbars pt 7 ps 1.6 lw 2 lc rgb blue title "deepsweep (mean ± std)", \
         '' using ($1-0.1):2:(vals ? sprintf("%.2f", $2) : "") with labels right offset -1.5,0 tc rgb blue notitle, \
         '' using ($1+0.1):4 with points pt 12 ps 2 lw 2 lc rgb red title "reference (from the experiment file)", \
         '' using ($1+0.1):4:(sprintf("%.2f", $4)) with labels left offset 1.5,0 tc rgb red notitle
} else {
    plot data using 1:2:3:xtic(6) with yerrorbars pt 7 ps 1.6 lw 2 lc rgb blue title "mean ± std over seeds", \
         '' using 1:2:(vals ? sprintf("%.2f", $2) : "") with labels left offset 1.5,0 tc rgb blue notitle
}
