# bench/e2e.gp: latency and bitrate over time, kyoyu against ffmpeg, for
# one scene and codec of bench/e2e (its last run).
#   gnuplot -e "out='e2e-file-vp9.png'; name='file-vp9'; dir='e2e-results'" bench/e2e.gp
# Reads DIR/NAME-{kyoyu,ffmpeg}.lat ("seconds latency-ms", one a picture)
# and DIR/NAME-{kyoyu,ffmpeg}.rate ("seconds kbit/s" on the wire, 0.25 s
# steps), seconds counted from each tool's first captured picture.

set terminal pngcairo size 1200,800 font "DejaVu Sans,11"
set output out
set multiplot layout 2,1 title sprintf("bench/e2e %s: kyoyu against ffmpeg, 1920x1080 over TLS on loopback", name)
set grid
set key top right
set xlabel "seconds since the first picture was captured"
k = "#1f77b4"
f = "#d62728"

set ylabel "capture to decoded (ms)"
set logscale y
set yrange [1:*]
plot dir."/".name."-kyoyu.lat" using 1:($2 < 1 ? 1 : $2) with points pt 7 ps 0.5 lc rgb k title "kyoyu", \
     dir."/".name."-ffmpeg.lat" using 1:($2 < 1 ? 1 : $2) with points pt 6 ps 0.5 lc rgb f title "ffmpeg"

unset logscale y
set yrange [0:*]
set ylabel "on the wire (kbit/s, 0.25 s steps)"
plot dir."/".name."-kyoyu.rate" using 1:2 with steps lw 1.5 lc rgb k title "kyoyu", \
     dir."/".name."-ffmpeg.rate" using 1:2 with steps lw 1.5 lc rgb f title "ffmpeg"
unset multiplot
