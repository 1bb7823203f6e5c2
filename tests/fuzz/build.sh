#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build.sh - build the libFuzzer targets of tests/fuzz/ with clang, without meson.
#
#   tests/fuzz/build.sh [BUILD_DIR]        (default: build-fuzz at the top of the tree)
#
# The repository's sources are compiled directly (one object each, in parallel) with
# -fsanitize=fuzzer-no-link,address,undefined into one static archive; each target links that
# archive with -fsanitize=fuzzer, so the linker takes only the objects it needs. The source list
# is the module folders themselves (bhlock/ net/ maps/ stack/ config/, plus the few ports/,
# daemon/ and xdp/ files the targets use), so a file added to a module is picked up without an
# edit here.
# Like the default meson build: BHLOCK_DEBUG=1 (lock validator, allocation checker, with its
# --wrap link flags), gnu11, -Wall -Wextra. -Werror applies to the fuzz targets only: a clang-only
# warning in a module must not hide the fuzzers (it is printed; the meson build is where it fails).
#
# Environment: CC (default clang), JOBS (default nproc), CFLAGS_EXTRA, FUZZ_TARGETS (the targets
# to link, space-separated; default all).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build-fuzz}
cc=${CC:-clang}
jobs=${JOBS:-$(nproc)}
mkdir -p "$out/obj"
out=$(cd "$out" && pwd)

if ! "$cc" --version 2>/dev/null | grep -q clang; then
	echo "build.sh: $cc is not clang (libFuzzer needs clang; tools/install-deps.sh installs it)" >&2
	exit 1
fi

san=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
common=(-std=gnu11 -g -O1 -D_GNU_SOURCE -DBHLOCK_DEBUG=1 -fno-strict-aliasing -Wall -Wextra
	-Wno-unused-command-line-argument -I"$top" -I"$top/config" -I"$top/daemon"
	$(pkg-config --cflags yaml-0.1 jansson libbpf libelf) ${CFLAGS_EXTRA:-})
libs=($(pkg-config --libs yaml-0.1 jansson libbpf libelf) -lpthread -ldl -lm)
wrap=(-Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc -Wl,--wrap=free)

srcs=()
for d in bhlock net maps stack config; do
	for f in "$top/$d"/*.c; do
		srcs+=("$f")
	done
done
# xdp/: the loader (libbpf + libelf), the checked interpreter and its helpers, and what the
# helpers reach (redirect, cpumap, attach). Not bpf_jit.c (librte_bpf) nor xdp_kernel.c (libxdp):
# the fuzzers run the interpreter only, and xdp_attach.c reaches the JIT through weak symbols.
for f in ports/port_test.c ports/port_vlan.c ports/port_loop.c daemon/ctl_proto.c \
	xdp/bpf_loader.c xdp/bpf_reloc.c xdp/bpf_rewrite.c xdp/bpf_interp.c xdp/bpf_helpers.c \
	xdp/xdp_attach.c xdp/xdp_redirect.c xdp/xdp_cpumap.c xdp/xdp_map_prog.c; do
	[ -f "$top/$f" ] && srcs+=("$top/$f")
done

# Compile what changed (objects newer than their source and every header are kept).
newest_hdr=$(find "$top/bhlock" "$top/net" "$top/maps" "$top/stack" "$top/config" "$top/ports" \
	"$top/daemon" "$top/xdp" -name '*.h' -printf '%T@\n' | sort -n | tail -1)
export cc out
compile_one() {
	local src=$1 obj
	obj="$out/obj/$(echo "${src#$top/}" | tr '/' '_').o"
	if [ -f "$obj" ] && [ "$obj" -nt "$src" ] &&
	   [ "$(stat -c %Y "$obj")" -gt "${newest_hdr%.*}" ]; then
		return 0
	fi
	"$cc" "${common[@]}" "${san[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj" \
		2>"$obj.log" || { cat "$obj.log" >&2; return 1; }
}
fail=0
pids=()
for src in "${srcs[@]}"; do
	compile_one "$src" &
	pids+=($!)
	if [ ${#pids[@]} -ge "$jobs" ]; then
		wait "${pids[0]}" || fail=1
		pids=("${pids[@]:1}")
	fi
done
for p in "${pids[@]}"; do
	wait "$p" || fail=1
done
if [ $fail -ne 0 ]; then
	echo "build.sh: compiling the modules failed" >&2
	exit 1
fi
rm -f "$out/libsoftnetd_fuzz.a"
objs=()
for src in "${srcs[@]}"; do
	objs+=("$out/obj/$(echo "${src#$top/}" | tr '/' '_').o")
done
ar rcs "$out/libsoftnetd_fuzz.a" "${objs[@]}"
nwarn=$(cat "$out"/obj/*.log 2>/dev/null | grep -c 'warning:' || true)
if [ "$nwarn" -gt 0 ]; then
	echo "build.sh: $nwarn clang warning(s) in the modules (not fatal here): $out/obj/*.o.log"
fi

targets=(fuzz_frame fuzz_config fuzz_ctl_proto fuzz_maps fuzz_xdp_loader fuzz_xdp_interp)
[ -z "${FUZZ_TARGETS:-}" ] || read -ra targets <<<"$FUZZ_TARGETS"
for t in "${targets[@]}"; do
	extra=()
	# fuzz_xdp_loader caps the memory of the maps an object asks for (see the target).
	[ "$t" != fuzz_xdp_loader ] || extra=(-Wl,--wrap=sn_map__create)
	"$cc" "${common[@]}" "${san[@]}" -Werror -fsanitize=fuzzer \
		"$top/tests/fuzz/$t.c" "$out/libsoftnetd_fuzz.a" "${wrap[@]}" "${extra[@]}" \
		"${libs[@]}" -o "$out/$t"
	echo "build.sh: $out/$t"
done
