# XOR (course labs 18/19): fraction of seeds that classify all four points,
# against the number of hidden layers; one line per activation x init.
#   gnuplot -e "term='pngcairo'; data='xor.dat'; out='x.png'; sweep='xor'; n=6" xor.gp
# data: one block per line, first line its name; columns: depth fraction solved runs
if (!exists("term")) term = "pngcairo"
# lcs / dts: each line's colour and dash pattern as word lists (deepsweep
# plot gives one colour per setting, one dash per activation)
if (!exists("lcs")) lcs = ""
if (!exists("dts")) dts = ""
colour(i) = i < words(lcs) ? word(lcs, i+1) + 0 : i % 8 + 1
dash(i) = i < words(dts) ? word(dts, i+1) + 0 : i / 8 + 1
# u: the size unit (1 = a pixel; pdfcairo counts inches, so deepsweep passes 1/72)
if (!exists("u")) u = 1
set terminal @term size (1100)*u,(650)*u font ",11" noenhanced
set output out
if (exists("style")) load style
set title sprintf("%s: fraction of seeds that solve XOR (all four points right)", sweep)
set xlabel "hidden layers (depth)"
set ylabel "seeds solved (fraction)"
set yrange [-0.03:1.03]
set xtics 1
set autoscale xfix
set offsets 0.3, 0.3, 0, 0
set grid
set key outside right top autotitle columnhead
plot for [i=0:n-1] data index i using 1:2 with linespoints pt (dash(i) == 1 ? 7 : 6) ps 1.4 lw 2 lc colour(i) dt dash(i) title columnhead(1)
