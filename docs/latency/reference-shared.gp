set terminal pngcairo size 1000,600
set output 'reference-shared.png'
set title "softnet-lat reference-shared: interrupt to end of BLOCK softirq, FIFO 60 on CPU 1 (24 s per profile)"
set xlabel 'latency (µs), 40 µs bins'
set ylabel 'samples per bin'
set logscale y
set yrange [0.8:*]
set grid
set key top right
plot 'reference-shared.dat' using 1:2 with steps lw 2 title 'cyclictest', 'reference-shared.dat' using 1:3 with steps lw 2 title 'vanilla', 'reference-shared.dat' using 1:4 with steps lw 2 title 'rt-bhlock', 'reference-shared.dat' using 1:5 with steps lw 2 title 'rt-nested'
set terminal svg size 1000,600
set output 'reference-shared.svg'
set title "softnet-lat reference-shared: interrupt to end of BLOCK softirq, FIFO 60 on CPU 1 (24 s per profile)"
set xlabel 'latency (µs), 40 µs bins'
set ylabel 'samples per bin'
set logscale y
set yrange [0.8:*]
set grid
set key top right
plot 'reference-shared.dat' using 1:2 with steps lw 2 title 'cyclictest', 'reference-shared.dat' using 1:3 with steps lw 2 title 'vanilla', 'reference-shared.dat' using 1:4 with steps lw 2 title 'rt-bhlock', 'reference-shared.dat' using 1:5 with steps lw 2 title 'rt-nested'
