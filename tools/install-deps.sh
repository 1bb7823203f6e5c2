#!/usr/bin/env bash
# Installs what softnetd needs to build, test and benchmark on Debian 12 (as root).
# Quick when everything is already there.
set -euo pipefail

pkgs=(
  build-essential meson ninja-build pkg-config clang llvm
  libcmocka-dev libck-dev liburcu-dev
  libbpf-dev libxdp-dev xdp-tools libelf-dev bpftool
  libyaml-dev libjansson-dev libsystemd-dev systemtap-sdt-dev libcap-dev
  libclang-rt-14-dev gnuplot-nox rt-tests iproute2 util-linux
  strace  # tests/integration/test_privilege.sh: where the daemon writes
  python3 dpdk libdpdk-dev  # integration tests (pkt.py), the DPDK port backend and demo
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
