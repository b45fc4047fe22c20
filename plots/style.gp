# Shared by the figure scripts (deepsweep plot passes its path as `style`):
# eight line colours that stay readable on white (no yellow), colour-blind
# safer than gnuplot's defaults (matplotlib's tab10 without grey and olive).
set linetype 1 lc rgb "#1f77b4" lw 2 pt 7
set linetype 2 lc rgb "#ff7f0e" lw 2 pt 7
set linetype 3 lc rgb "#2ca02c" lw 2 pt 7
set linetype 4 lc rgb "#d62728" lw 2 pt 7
set linetype 5 lc rgb "#9467bd" lw 2 pt 7
set linetype 6 lc rgb "#8c564b" lw 2 pt 7
set linetype 7 lc rgb "#e377c2" lw 2 pt 7
set linetype 8 lc rgb "#17becf" lw 2 pt 7
set linetype cycle 8
