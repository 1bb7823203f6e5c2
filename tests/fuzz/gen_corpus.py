#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""gen_corpus.py - (re)write the seed corpora of tests/fuzz/corpus/ that are built, not copied.

    tests/fuzz/gen_corpus.py          (from anywhere; writes next to this file)

fuzz_frame: real frames of every protocol the stack parses, each prefixed by the harness's
selector byte (bits 0-1 ingress port p0..p3, bits 2-3 configuration; see fuzz_frame.c), with
correct checksums, addressed to the fixture's ports and hosts.
fuzz_config: every example of config/examples and every malformed file of tests/unit/config/bad.
fuzz_ctl_proto: valid requests of every command and operation, and refused ones.
fuzz_maps: a few operation sequences for each map kind.
The files are committed; run this again after changing the fixture.
"""
import ipaddress
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")

# ---- frames ---------------------------------------------------------------------------------

def port_mac(index):  # ports/port_test.c: 02:74:65:73:74:<index>; p0..p3 get indices 1..4
    return bytes([0x02, 0x74, 0x65, 0x73, 0x74, index])

P = [port_mac(i + 1) for i in range(4)]
H1 = bytes([0x02, 0x11, 0, 0, 0, 0x02])
NH = bytes([0x02, 0x22, 0, 0, 0, 0xFE])
H3 = bytes([0x02, 0x33, 0, 0, 0, 0x05])
B3 = bytes([0x02, 0x44, 0, 0, 0, 0x03])
X9 = bytes([0x02, 0x55, 0, 0, 0, 0x09])  # unknown to every table
BCAST = b"\xff" * 6


def a4(s):
    return ipaddress.IPv4Address(s).packed


def a6(s):
    return ipaddress.IPv6Address(s).packed


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def eth(dst, src, etype):
    return dst + src + struct.pack("!H", etype)


def ip4(src, dst, proto, payload, ttl=64, opts=b"", frag=0):
    hl = 20 + len(opts)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | (hl // 4), 0, hl + len(payload), 0x1234, frag, ttl,
                    proto, 0, a4(src), a4(dst)) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def udp(sport, dport, data):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def icmp4_echo(ident=1, seq=1, data=b"ping-data"):
    h = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return h[:2] + struct.pack("!H", csum(h)) + h[4:]


def ip6(src, dst, nh, payload, hop=64):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, hop, a6(src), a6(dst)) + payload


def l4csum6(src, dst, proto, l4):
    ph = a6(src) + a6(dst) + struct.pack("!IxxxB", len(l4), proto)
    return csum(ph + l4)


def icmp6(src, dst, typ, code, body):
    m = struct.pack("!BBH", typ, code, 0) + body
    c = l4csum6(src, dst, 58, m)
    return m[:2] + struct.pack("!H", c) + m[4:]


def ns(src, dst, target, lla):
    body = struct.pack("!I", 0) + a6(target) + (struct.pack("!BB", 1, 1) + lla if lla else b"")
    return ip6(src, dst, 58, icmp6(src, dst, 135, 0, body), hop=255)


def na(src, dst, target, lla, flags=0x60000000):
    body = struct.pack("!I", flags) + a6(target) + struct.pack("!BB", 2, 1) + lla
    return ip6(src, dst, 58, icmp6(src, dst, 136, 0, body), hop=255)


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + a4(spa) + tha + a4(tpa)


def ext(nh, body_len8, first=b""):
    """A generic 8n-byte extension header (HBH/DST/RH) with next header @nh."""
    n = 8 * (body_len8 + 1)
    b = bytes([nh, body_len8]) + first
    if len(b) < n:
        pad = n - len(b)
        b += bytes([1, pad - 2]) + b"\0" * (pad - 2) if pad >= 2 else b"\0" * pad
    return b[:n]


def sel(port, cfg=0):
    return bytes([(port & 3) | ((cfg & 3) << 2)])


def frames():
    f = {}
    u = udp(1234, 5678, b"payload-" * 4)
    # IPv4 routed p1 -> p2 (static neighbour), and into the connected route without neighbour.
    f["ipv4-udp-routed"] = sel(1) + eth(P[1], H1, 0x0800) + ip4("10.0.1.2", "10.0.3.9", 17, u)
    f["ipv4-default-route"] = sel(1) + eth(P[1], H1, 0x0800) + ip4("10.0.1.2", "192.0.2.7", 17, u)
    f["ipv4-neigh-miss-arp"] = sel(1) + eth(P[1], H1, 0x0800) + ip4("10.0.1.2", "10.0.4.9", 17, u)
    f["ipv4-neigh-miss-cfg3"] = sel(1, 3) + eth(P[1], H1, 0x0800) + ip4("10.0.1.2", "10.0.3.9", 17, u)
    f["ipv4-options-echo-local"] = (sel(1) + eth(P[1], H1, 0x0800) +
                                    ip4("10.0.1.2", "10.0.1.1", 1, icmp4_echo(),
                                        opts=bytes([1, 7, 7, 4, 0, 0, 0, 0])))
    f["ipv4-echo-local"] = sel(1) + eth(P[1], H1, 0x0800) + ip4("10.0.1.2", "10.0.1.1", 1, icmp4_echo())
    f["ipv4-ttl1-time-exceeded"] = sel(1) + eth(P[1], H1, 0x0800) + ip4("10.0.1.2", "10.0.3.9", 17, u, ttl=1)
    f["ipv4-fragment"] = sel(1) + eth(P[1], H1, 0x0800) + ip4("10.0.1.2", "10.0.3.9", 17, u, frag=0x2000)
    f["ipv4-bad-csum"] = f["ipv4-udp-routed"][:25] + b"\xde\xad" + f["ipv4-udp-routed"][27:]
    f["ipv4-martian-src"] = sel(1) + eth(P[1], H1, 0x0800) + ip4("127.0.0.1", "10.0.3.9", 17, u)
    f["ipv4-padded"] = f["ipv4-udp-routed"] + b"\0" * 20
    # ARP.
    f["arp-request-router"] = sel(1) + eth(BCAST, H1, 0x0806) + arp(1, H1, "10.0.1.2", b"\0" * 6, "10.0.1.1")
    f["arp-reply"] = sel(1) + eth(P[1], H1, 0x0806) + arp(2, H1, "10.0.1.2", P[1], "10.0.1.1")
    f["arp-request-bridge-router-port"] = (sel(2) + eth(BCAST, NH, 0x0806) +
                                           arp(1, NH, "10.0.2.254", b"\0" * 6, "10.0.2.1"))
    f["arp-request-not-ours"] = sel(1) + eth(BCAST, H1, 0x0806) + arp(1, H1, "10.0.1.2", b"\0" * 6, "10.0.1.77")
    # IPv6.
    u6 = udp(1234, 5678, b"payload6" * 4)
    f["ipv6-udp-routed"] = sel(1) + eth(P[1], H1, 0x86DD) + ip6("fd00:1::2", "fd00:3::9", 17, u6)
    f["ipv6-hop1-time-exceeded"] = sel(1) + eth(P[1], H1, 0x86DD) + ip6("fd00:1::2", "fd00:3::9", 17, u6, hop=1)
    f["ipv6-neigh-miss-ns"] = sel(1, 3) + eth(P[1], H1, 0x86DD) + ip6("fd00:1::2", "fd00:3::9", 17, u6)
    echo6 = icmp6("fd00:1::2", "fd00:1::1", 128, 0, struct.pack("!HH", 1, 1) + b"ping6")
    f["ipv6-echo-local"] = sel(1) + eth(P[1], H1, 0x86DD) + ip6("fd00:1::2", "fd00:1::1", 58, echo6)
    # Extension headers: HBH, DST, routing (segments left 0), fragment (first), AH, DST, UDP.
    chain = (ext(60, 0) + ext(43, 0) + ext(44, 0, bytes([0, 0])) +
             struct.pack("!BBHI", 51, 0, 0x0001, 0xABCD) +  # fragment: offset 0, M
             struct.pack("!BBHII", 60, 1, 0, 0x100, 1) + b"\0" * 0 +  # AH, (1+2)*4 = 12 bytes
             ext(17, 0) + u6)
    f["ipv6-exthdr-chain"] = sel(1) + eth(P[1], H1, 0x86DD) + ip6("fd00:1::2", "fd00:3::9", 0, chain)
    later = struct.pack("!BBHI", 17, 0, 0x0100, 0xABCD) + u6  # offset 32, no M
    f["ipv6-frag-later"] = sel(1) + eth(P[1], H1, 0x86DD) + ip6("fd00:1::2", "fd00:3::9", 44, later)
    rh = ext(17, 2, bytes([0, 1]))  # routing type 0, segments left 1
    f["ipv6-routing-segleft"] = sel(1) + eth(P[1], H1, 0x86DD) + ip6("fd00:1::2", "fd00:1::1", 43, rh + u6)
    f["ipv6-no-next-header"] = sel(1) + eth(P[1], H1, 0x86DD) + ip6("fd00:1::2", "fd00:3::9", 59, b"")
    # Neighbour discovery.
    f["nd-ns-solicited"] = (sel(1) + eth(bytes([0x33, 0x33, 0xFF, 0, 0, 1]), H1, 0x86DD) +
                            ns("fd00:1::2", "ff02::1:ff00:1", "fd00:1::1", H1))
    f["nd-ns-unicast"] = sel(1) + eth(P[1], H1, 0x86DD) + ns("fd00:1::2", "fd00:1::1", "fd00:1::1", H1)
    f["nd-ns-dad"] = (sel(1) + eth(bytes([0x33, 0x33, 0xFF, 0, 0, 1]), H1, 0x86DD) +
                      ns("::", "ff02::1:ff00:1", "fd00:1::1", None))
    f["nd-na"] = sel(1) + eth(P[1], H1, 0x86DD) + na("fd00:1::2", "fd00:1::1", "fd00:1::2", H1)
    f["nd-ns-bridge-router-port"] = (sel(2) + eth(bytes([0x33, 0x33, 0xFF, 0, 0, 1]), NH, 0x86DD) +
                                     ns("fd00:2::fe", "ff02::1:ff00:1", "fd00:2::1", NH))
    # VLAN: a tag the port strips onto p0.10 (router there), stacked tags, tags in bridged frames.
    f["vlan10-to-router"] = (sel(0) + eth(P[0], H3, 0x8100) + struct.pack("!H", 10) +
                             struct.pack("!H", 0x0800) + ip4("10.0.10.5", "10.0.1.2", 17, u))
    f["vlan10-arp"] = (sel(0) + eth(BCAST, H3, 0x8100) + struct.pack("!H", 10) + struct.pack("!H", 0x0806) +
                       arp(1, H3, "10.0.10.5", b"\0" * 6, "10.0.10.1"))
    f["vlan-unknown-vid"] = (sel(0) + eth(P[0], H3, 0x8100) + struct.pack("!H", 99) +
                             struct.pack("!H", 0x0800) + ip4("10.0.10.5", "10.0.1.2", 17, u))
    f["qinq-in-data"] = (sel(1) + eth(P[1], H1, 0x88A8) + struct.pack("!HH", 100, 0x8100) + struct.pack("!HH", 200, 0x0800) +
                         ip4("10.0.1.2", "10.0.3.9", 17, u))
    f["vlan20-bridged"] = (sel(3) + eth(H1, B3, 0x8100) + struct.pack("!H", 20) +
                           struct.pack("!H", 0x0800) + ip4("10.0.9.3", "10.0.9.4", 17, u))
    # Bridge: known unicast, unknown unicast (flood), broadcast, to the port's own MAC.
    f["bridge-known-unicast"] = sel(2) + eth(B3, X9, 0x0800) + ip4("10.0.9.1", "10.0.9.3", 17, u)
    f["bridge-unknown-flood"] = sel(3) + eth(X9, B3, 0x0800) + ip4("10.0.9.3", "10.0.9.1", 17, u)
    f["bridge-broadcast"] = sel(3) + eth(BCAST, B3, 0x0806) + arp(1, B3, "10.0.9.3", b"\0" * 6, "10.0.9.1")
    f["bridge-to-port-mac"] = sel(3) + eth(P[3], B3, 0x0800) + ip4("10.0.9.3", "10.0.9.1", 17, u)
    f["bridge-same-port"] = sel(3) + eth(B3, H1, 0x0800) + ip4("10.0.9.3", "10.0.9.1", 17, u)
    f["bridge-ipv6-mcast"] = (sel(2) + eth(bytes([0x33, 0x33, 0, 0, 0, 1]), X9, 0x86DD) +
                              ip6("fe80::1", "ff02::1", 17, u6, hop=1))
    f["no-router-cfg2"] = sel(1, 2) + eth(P[1], H1, 0x0800) + ip4("10.0.1.2", "10.0.3.9", 17, u)
    f["no-router-bridge-cfg2"] = sel(2, 2) + eth(X9, NH, 0x0800) + ip4("10.0.2.254", "10.0.9.1", 17, u)
    f["l3-port-not-for-us"] = sel(1) + eth(X9, H1, 0x0800) + ip4("10.0.1.2", "10.0.3.9", 17, u)
    f["unknown-ethertype"] = sel(1) + eth(P[1], H1, 0x88B5) + b"local-experimental"
    # Broken.
    f["runt"] = sel(1) + eth(P[1], H1, 0x0800)[:10]
    f["vlan-truncated"] = sel(1) + eth(P[1], H1, 0x8100) + b"\x00"
    return f

# ---- ctl requests ---------------------------------------------------------------------------

CTL = {
    "stats": '{"cmd":"stats"}',
    "ports": '{"cmd": "ports"}',
    "napi": '{"cmd":"napi"}',
    "routes-show": '{"cmd":"routes","op":"show"}',
    "routes-add-v4": '{"cmd":"routes","op":"add","prefix":"10.0.5.0/24","via":"10.0.2.254","dev":"p2"}',
    "routes-add-v6": '{"cmd":"routes","op":"add","prefix":"fd00:5::/64","via":"fd00:2::fe","dev":"wan"}',
    "routes-add-connected": '{"cmd":"routes","op":"add","prefix":"0.0.0.0/0","dev":"lan.10"}',
    "routes-del": '{"cmd":"routes","op":"del","prefix":"10.0.5.0/24"}',
    "fdb": '{"cmd":"fdb"}',
    "neigh": '{"cmd":"neigh"}',
    "maps-dump": '{"cmd":"maps","op":"dump"}',
    "profile": '{"cmd":"profile"}',
    "trace-on": '{"cmd":"trace","op":"on"}',
    "trace-off": '{"cmd":"trace","op":"off"}',
    "trace-reset": '{"cmd":"trace","op":"reset"}',
    "trace-dump": '{"cmd":"trace"}',
    "bad-json": '{"cmd":',
    "bad-not-object": '["stats"]',
    "bad-unknown-cmd": '{"cmd":"reboot"}',
    "bad-cmd-type": '{"cmd":42}',
    "bad-unknown-key": '{"cmd":"stats","verbose":true}',
    "bad-op": '{"cmd":"routes","op":"flush"}',
    "bad-host-bits": '{"cmd":"routes","op":"add","prefix":"10.0.5.1/24","dev":"p2"}',
    "bad-family-mix": '{"cmd":"routes","op":"add","prefix":"10.0.5.0/24","via":"fd00::1","dev":"p2"}',
    "bad-dev-name": '{"cmd":"routes","op":"add","prefix":"10.0.5.0/24","dev":"p 2"}',
    "bad-long-prefix": '{"cmd":"routes","op":"del","prefix":"' + "1" * 80 + '"}',
    "bad-duplicate-key": '{"cmd":"stats","cmd":"ports"}',
    "bad-show-args": '{"cmd":"routes","op":"show","prefix":"10.0.0.0/8"}',
    "bad-unicode-value": '{"cmd":"routes","op":"add","prefix":"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9","dev":"p1"}',
    "bad-control-char": '{"cmd":"routes","op":"add","prefix":"10.0.0.0/8","dev":"a\\u0001b"}',
    "reply-ok": '{"ok":true,"routes":[]}',
    "reply-error": '{"ok":false,"error":"routes add: dev: expected a port name"}',
}

# ---- map op sequences (fuzz_maps.c's encoding) ------------------------------------------------

def maps():
    s = {}
    # cfg byte: low bits pick the map (index into descs % 11), bits 4-6 max_entries - 1, bit 7 value 12.
    upd = lambda key, seed, flags: bytes([0, key, seed, flags])
    for d, name in enumerate(["hash", "hash-noprealloc", "percpu-hash", "percpu-hash-noprealloc", "lru",
                              "lru-nocommon", "lru-percpu", "array", "percpu-array", "lpm-prealloc",
                              "lpm-noprealloc"]):
        cfg = bytes([d | (3 << 4)])  # max_entries 4
        if name.startswith("lpm"):
            ops = (bytes([0, 8, 10, 0, 7, 0]) + bytes([0, 16, 10, 1, 9, 0]) + bytes([0, 4, 0, 0, 3, 1]) +
                   bytes([3, 16, 10, 1]) + bytes([4, 12, 10, 0]) + bytes([2, 8, 10, 0]) +
                   bytes([0, 1, 128, 0, 5, 0]) + bytes([0, 2, 64, 0, 6, 0]) + bytes([0, 17, 0, 0, 1, 0]) +
                   bytes([8, 0, 0, 0]) + bytes([6, 16, 10, 1]))
        else:
            ops = b"".join(upd(k, k * 3, 0) for k in range(6)) + upd(1, 9, 1) + upd(2, 9, 2) + upd(30, 9, 2)
            ops += bytes([2, 1, 3, 2, 4, 3, 7, 2, 8, 0, 5, 7, 1, 0, 6, 7, 0, 4, 1, 4])
        s[name] = cfg + ops
    s["hash-full-e2big"] = bytes([0]) + b"".join(upd(k, k, 0) for k in range(3)) + upd(5, 1, 1)
    s["lru-evict"] = bytes([4]) + b"".join(upd(k, k, 0) for k in range(12)) + bytes([4, 0, 3, 11])
    return s


def write_dir(name, files):
    d = os.path.join(CORPUS, name)
    os.makedirs(d, exist_ok=True)
    for k, v in files.items():
        with open(os.path.join(d, k), "wb") as fh:
            fh.write(v if isinstance(v, bytes) else v.encode())


def main():
    write_dir("fuzz_frame", frames())
    write_dir("fuzz_ctl_proto", CTL)
    write_dir("fuzz_maps", maps())
    d = os.path.join(CORPUS, "fuzz_config")
    os.makedirs(d, exist_ok=True)
    for src in ["config/examples", "tests/unit/config/bad"]:
        sd = os.path.join(TOP, src)
        for fn in sorted(os.listdir(sd)):
            if fn.endswith(".yaml"):
                prefix = "example-" if "examples" in src else "bad-"
                shutil.copyfile(os.path.join(sd, fn), os.path.join(d, prefix + fn))


if __name__ == "__main__":
    main()
