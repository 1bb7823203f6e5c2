#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# gen_xdp_loader_corpus.sh - rewrite tests/fuzz/corpus/fuzz_xdp_loader/ from real objects.
#
#   tests/fuzz/gen_xdp_loader_corpus.sh
#
# Seeds (input format: tests/fuzz/fuzz_xdp_loader.c):
#   raw-<obj>     mode 0 + the object: every tests/unit/xdp/progs/*.bpf.c built as meson builds
#                 it (clang -O2 -g -target bpf -mcpu=v3) and a few xdp-tools objects of Debian's
#                 xdp-tools package (/usr/lib/x86_64-linux-gnu/bpf, if installed); DWARF is
#                 stripped (llvm-strip -g), .BTF and .BTF.ext are kept;
#   patch-<obj>   mode 3 (structure-aware, XOR) + length + the object + one zero patch: the
#                 fuzzer's mutations of the patch bytes then change one instruction at a time;
#   trunc-*, corrupt-*, empty, not-elf: truncated and damaged headers.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$here/corpus/fuzz_xdp_loader
xt=/usr/lib/x86_64-linux-gnu/bpf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for src in "$top"/tests/unit/xdp/progs/*.bpf.c; do
	n=$(basename "$src" .bpf.c)
	clang -O2 -g -target bpf -mcpu=v3 -I /usr/include/x86_64-linux-gnu -c "$src" \
		-o "$tmp/$n.full.o"
	llvm-strip -g "$tmp/$n.full.o" -o "$tmp/$n.o"
done
for n in xdp-dispatcher xdpdump_xdp xdpfilt_alw_eth xdpfilt_dny_ip xsk_def_xdp_prog; do
	[ -f "$xt/$n.o" ] && llvm-strip -g "$xt/$n.o" -o "$tmp/xt_$n.o"
done
rm -rf "$out"
mkdir -p "$out"
python3 - "$tmp" "$out" <<'EOF'
import os, struct, sys
tmp, out = sys.argv[1], sys.argv[2]
objs = sorted(f for f in os.listdir(tmp) if f.endswith('.o') and not f.endswith('.full.o'))
for i, f in enumerate(objs):
    d = open(os.path.join(tmp, f), 'rb').read()
    name = f[:-2]
    open(os.path.join(out, 'raw-' + name), 'wb').write(b'\x00' + d)
    if not name.startswith('xt_') or name in ('xt_xdp-dispatcher', 'xt_xdpfilt_alw_eth'):
        open(os.path.join(out, 'patch-' + name), 'wb').write(
            b'\x03' + struct.pack('<H', len(d)) + d + struct.pack('<H', i) + bytes(8))
d = open(os.path.join(tmp, 'pass.o'), 'rb').read()
def put(name, b):
    open(os.path.join(out, name), 'wb').write(b'\x00' + bytes(b))
put('trunc-pass-header', d[:64])
put('trunc-pass-half', d[:len(d) // 2])
b = bytearray(d); b[5] = 2; put('corrupt-pass-bigendian', b)        # EI_DATA: big-endian
b = bytearray(d); b[0x3c:0x3e] = b'\xff\xff'; put('corrupt-pass-shnum', b)  # e_shnum
put('empty', b'')
put('not-elf', b'hello, not an object\n')
EOF
echo "gen_xdp_loader_corpus.sh: $(ls "$out" | wc -l) files, $(du -sb "$out" | cut -f1) bytes in $out"
