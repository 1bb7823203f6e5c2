set terminal pngcairo size 1000,600
set output 'lat-reference-netrx.png'
set title "softnet-lat reference-netrx: interrupt to end of BLOCK softirq, FIFO 60 on CPU 1 (24 s per profile)"
set xlabel 'latency (µs), 27 µs bins'
set ylabel 'samples per bin'
set logscale y
set yrange [0.8:*]
set grid
set key top right
plot 'lat-reference-netrx.dat' using 1:2 with steps lw 2 title 'cyclictest', 'lat-reference-netrx.dat' using 1:3 with steps lw 2 title 'vanilla', 'lat-reference-netrx.dat' using 1:4 with steps lw 2 title 'rt-bhlock', 'lat-reference-netrx.dat' using 1:5 with steps lw 2 title 'rt-nested'
set terminal svg size 1000,600
set output 'lat-reference-netrx.svg'
set title "softnet-lat reference-netrx: interrupt to end of BLOCK softirq, FIFO 60 on CPU 1 (24 s per profile)"
set xlabel 'latency (µs), 27 µs bins'
set ylabel 'samples per bin'
set logscale y
set yrange [0.8:*]
set grid
set key top right
plot 'lat-reference-netrx.dat' using 1:2 with steps lw 2 title 'cyclictest', 'lat-reference-netrx.dat' using 1:3 with steps lw 2 title 'vanilla', 'lat-reference-netrx.dat' using 1:4 with steps lw 2 title 'rt-bhlock', 'lat-reference-netrx.dat' using 1:5 with steps lw 2 title 'rt-nested'
