# SPDX-License-Identifier: MIT
# bench/e2e.gp: latency and bitrate over time, kyoyu against ffmpeg, for
# one run of one scene and codec of bench/e2e.
#   gnuplot -e "out='e2e-file-vp9-1.png'; name='file-vp9'; run='1'; dir='e2e-results'; \
#               link='1mbit'; link_kbps=1000" bench/e2e.gp
# Reads DIR/NAME-{kyoyu,ffmpeg}-RUN.lat ("seconds latency-ms", one a
# changed picture) and DIR/NAME-{kyoyu,ffmpeg}-RUN.rate ("seconds kbit/s"
# on the wire, 0.25 s steps), seconds counted from each tool's first
# captured picture.  LINK_KBPS > 0 draws the link's rate.

set terminal pngcairo size 1200,800 font "DejaVu Sans,11"
set output out
set multiplot layout 2,1 title sprintf("bench/e2e %s, run %s: kyoyu against ffmpeg, 1920x1080 over TLS, link: %s", name, run, link)
set grid
set key top right opaque
set xlabel "seconds since the first picture was captured"
k = "#1f77b4"
f = "#d62728"
kf = dir."/".name."-kyoyu-".run
ff = dir."/".name."-ffmpeg-".run

set ylabel "capture to decoded (ms)"
set logscale y
set yrange [1:*]
set xrange [-0.5:27]
plot kf.".lat" using 1:($2 < 1 ? 1 : $2) with points pt 7 ps 0.5 lc rgb k title "kyoyu", \
     ff.".lat" using 1:($2 < 1 ? 1 : $2) with points pt 6 ps 0.5 lc rgb f title "ffmpeg"

unset logscale y
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
set ylabel "on the wire (kbit/s, 0.25 s steps)"
if (link_kbps > 0) {
	plot kf.".rate" using 1:2 with steps lw 1.5 lc rgb k title "kyoyu", \
	     ff.".rate" using 1:2 with steps lw 1.5 lc rgb f title "ffmpeg", \
	     link_kbps with lines dt 2 lw 1.5 lc rgb "#555555" title "the link"
} else {
	plot kf.".rate" using 1:2 with steps lw 1.5 lc rgb k title "kyoyu", \
	     ff.".rate" using 1:2 with steps lw 1.5 lc rgb f title "ffmpeg"
}
unset multiplot
