#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""pkt.py - exact frames for softnetd's integration tests, over raw AF_PACKET sockets.

Sub-commands (frames are hex strings, no separators):
  build udp4|udp6 --src-mac M --dst-mac M --src-ip A --dst-ip B [--ttl N] [--vlan N]
        [--sport P] [--dport P] [--payload HEX] [--ihl N] [--tot-len N] [--bad-csum]
        [--ext6 0,60,...] [--ext6-trunc]
      print one frame; --ihl/--tot-len force bad header fields (checksum still computed),
      --bad-csum spoils the IPv4 header checksum, --ext6 chains IPv6 extension headers
      (hop-by-hop 0, destination options 60; 8 bytes each) before UDP.
  forward HEX --src-mac M --dst-mac M [--pop-vlan] [--push-vlan N]
      print what a router makes of HEX: MACs rewritten, TTL / hop limit - 1, IPv4 header
      checksum recomputed from scratch (so an incremental update in the daemon is checked).
  retag HEX VID     print HEX with its 802.1Q tag replaced by VID (0: tag removed, none added),
                    as a VLAN port or a bridge between VLANs makes it
  xfer --tx NS:IF --frame HEX [--frame HEX ...] [--rx NS:IF ...] [--contains HEX]
       [--timeout S] [--idle S] [--count N] [--gap-ms N]
      open a capture on every --rx (any network namespace), send the frames on --tx, then print
      each captured frame that contains --contains (all frames if not given) as "IF HEX", until
      --count frames were seen, --idle seconds passed without a new one after the first, or
      --timeout passed. Outgoing frames are not captured.
  send --tx NS:IF --frame HEX [--repeat N]
  check-ip HEX      exit 0 if the IPv4 header checksum (or the IPv6 UDP checksum) is right
  json [--default N] FILE PATH
                    print the number at PATH (dot separated; '*' sums over every key/index,
                    'name=f0' picks the list element whose name is f0);
                    N when only the last key is missing from an existing object
  delta FILE0 FILE1 PATH
                    PATH in FILE1 minus PATH in FILE0 (a reason missing under "drops" is 0)
  drops FILE0 FILE1 the drop reasons that moved from FILE0 to FILE1: "total R1:+N R2:+N ..."
  jsum FILE KEY     sum every number stored under KEY anywhere in the document

NS may be empty (":IF") for the current namespace. Needs root.
"""
import argparse
import ctypes
import json
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40
CLONE_NEWNET = 0x40000000

_libc = ctypes.CDLL(None, use_errno=True)


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({path}): {os.strerror(err)}")
    finally:
        os.close(fd)


def raw_socket(spec):
    """A bound AF_PACKET socket on 'ns:ifname' (the socket stays in that namespace)."""
    ns, _, ifname = spec.rpartition(":")
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        if ns:
            setns(f"/run/netns/{ns}")
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((ifname, 0))
    finally:
        if ns:
            if _libc.setns(home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back home")
        os.close(home)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    return s, ifname


def recv_frame(s):
    """One frame as it was on the wire: the stack strips an 802.1Q tag into the packet's
    metadata before AF_PACKET sees it, so put it back from PACKET_AUXDATA (as libpcap does)."""
    data, anc, _, addr = s.recvmsg(65536, socket.CMSG_SPACE(20))
    for level, kind, blob in anc:
        if level == SOL_PACKET and kind == PACKET_AUXDATA and len(blob) >= 20:
            status, _, _, _, _, tci, tpid = struct.unpack("=IIIHHHH", blob[:20])
            if status & TP_STATUS_VLAN_VALID:
                if not status & TP_STATUS_VLAN_TPID_VALID:
                    tpid = 0x8100
                data = data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
    return data, addr


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def l3_offset(frame):
    off, et = 14, struct.unpack("!H", frame[12:14])[0]
    while et in (0x8100, 0x88A8) and len(frame) >= off + 4:
        et = struct.unpack("!H", frame[off + 2:off + 4])[0]
        off += 4
    return off, et


def build(a):
    payload = bytes.fromhex(a.payload) if a.payload else b"softnetd-test"
    # grow the payload so the frame needs no Ethernet padding (60 bytes): a router trims
    # padding, a bridge keeps it, and the tests should not depend on which
    hdrs = 14 + (4 if a.vlan else 0) + (20 if a.kind == "udp4" else 40) + 8
    if a.kind == "udp4" and a.ihl:
        hdrs += max(a.ihl, 5) * 4 - 20
    if a.kind == "udp6" and a.ext6:
        hdrs += 8 * len(a.ext6.split(","))
    if hdrs + len(payload) < 60:
        payload += bytes(60 - hdrs - len(payload))
    sport, dport = a.sport, a.dport
    if a.kind == "udp4":
        udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
        ihl = a.ihl if a.ihl is not None else 5
        opts = b"\x01" * (max(ihl, 5) * 4 - 20)  # NOP options for a longer header
        tot = a.tot_len if a.tot_len is not None else 20 + len(opts) + len(udp)
        hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | (ihl & 0xF), 0, tot, 0x1234, 0, a.ttl, 17, 0,
                          socket.inet_pton(socket.AF_INET, a.src_ip),
                          socket.inet_pton(socket.AF_INET, a.dst_ip)) + opts
        c = csum(hdr) ^ (0x5555 if a.bad_csum else 0)
        hdr = hdr[:10] + struct.pack("!H", c) + hdr[12:]
        l3, et = hdr + udp, 0x0800
    else:
        src = socket.inet_pton(socket.AF_INET6, a.src_ip)
        dst = socket.inet_pton(socket.AF_INET6, a.dst_ip)
        ulen = 8 + len(payload)
        udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
        pseudo = src + dst + struct.pack("!IxxxB", ulen, 17)
        c = csum(pseudo + udp) or 0xFFFF
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
        kinds = [int(x) for x in a.ext6.split(",")] if a.ext6 else []
        exts = b""
        for i, k in enumerate(kinds):
            nh = kinds[i + 1] if i + 1 < len(kinds) else 17
            hlen = 255 if a.ext6_trunc and i == len(kinds) - 1 else 0
            exts += struct.pack("!BB", nh, hlen) + b"\x01\x04\0\0\0\0"  # PadN, 4 bytes
        plen = a.tot_len if a.tot_len is not None else len(exts) + len(udp)
        first = kinds[0] if kinds else 17
        l3 = struct.pack("!IHBB", 0x60000000, plen, first, a.ttl) + src + dst + exts + udp
        et = 0x86DD
    eth = mac(a.dst_mac) + mac(a.src_mac)
    if a.vlan:
        eth += struct.pack("!HH", 0x8100, a.vlan)
    frame = eth + struct.pack("!H", et) + l3
    if len(frame) < 60:
        frame += b"\0" * (60 - len(frame))
    return frame


def forward(a):
    f = bytearray(bytes.fromhex(a.frame))
    f[0:6] = mac(a.dst_mac)
    f[6:12] = mac(a.src_mac)
    if a.pop_vlan and struct.unpack("!H", f[12:14])[0] == 0x8100:
        del f[12:16]
    if a.push_vlan:
        f[12:12] = struct.pack("!HH", 0x8100, a.push_vlan)
    off, et = l3_offset(bytes(f))
    if et == 0x0800:
        ihl = (f[off] & 0xF) * 4
        f[off + 8] -= 1
        f[off + 10:off + 12] = b"\0\0"
        f[off + 10:off + 12] = struct.pack("!H", csum(bytes(f[off:off + ihl])))
    elif et == 0x86DD:
        f[off + 7] -= 1
    else:
        sys.exit(f"forward: not IP (ethertype {et:#06x})")
    return bytes(f)


def retag(hexframe, vid):
    f = bytes.fromhex(hexframe)
    if struct.unpack("!H", f[12:14])[0] in (0x8100, 0x88A8):
        f = f[:12] + f[16:]
    if vid:
        f = f[:12] + struct.pack("!HH", 0x8100, vid) + f[12:]
    return f


def check_ip(hexframe):
    f = bytes.fromhex(hexframe)
    off, et = l3_offset(f)
    if et == 0x0800:
        ihl = (f[off] & 0xF) * 4
        return csum(f[off:off + ihl]) == 0
    if et == 0x86DD and f[off + 6] == 17:
        plen = struct.unpack("!H", f[off + 4:off + 6])[0]
        udp = f[off + 40:off + 40 + plen]
        pseudo = f[off + 8:off + 40] + struct.pack("!IxxxB", plen, 17)
        return csum(pseudo + udp) == 0
    return False


def xfer(a):
    rx = [raw_socket(spec) for spec in (a.rx or [])]
    tx, _ = raw_socket(a.tx)
    # let the capture sockets see only what comes after them
    for s, _ in rx:
        s.setblocking(False)
        try:
            while s.recv(65536):
                pass
        except BlockingIOError:
            pass
    frames = [bytes.fromhex(h) for h in (a.frame or [])]
    for i in range(a.repeat):
        for fr in frames:
            tx.send(fr)
            if a.gap_ms:
                time.sleep(a.gap_ms / 1000.0)
    want = bytes.fromhex(a.contains) if a.contains else None
    seen = 0
    last = 0.0
    deadline = time.monotonic() + a.timeout
    socks = {s.fileno(): (s, name) for s, name in rx}
    while socks and (a.count == 0 or seen < a.count):
        now = time.monotonic()
        left = deadline - now
        if seen and a.idle:
            left = min(left, last + a.idle - now)
        if left <= 0:
            break
        r, _, _ = select.select(list(socks), [], [], left)
        for fd in r:
            s, name = socks[fd]
            try:
                data, addr = recv_frame(s)
            except BlockingIOError:
                continue
            if addr[2] == PACKET_OUTGOING:
                continue
            if want is not None and want not in data:
                continue
            print(f"{name} {data.hex()}", flush=True)
            seen += 1
            last = time.monotonic()
    return 0


def jload(path):
    with open(path) as fh:
        return json.load(fh)


def jpath(doc, parts):
    if not parts:
        if isinstance(doc, bool):
            return int(doc)
        if isinstance(doc, (int, float)):
            return doc
        raise KeyError("not a number")
    head, rest = parts[0], parts[1:]
    if head == "*":
        items = doc.values() if isinstance(doc, dict) else doc
        total = 0
        for v in items:
            try:
                total += jpath(v, rest)
            except (KeyError, IndexError, TypeError):
                pass
        return total
    return jpath(jstep(doc, head), rest)


def jstep(doc, head):
    """One path step: a key, a list index, or KEY=VALUE (the list element whose KEY is VALUE)."""
    if isinstance(doc, list):
        if "=" in head:
            k, v = head.split("=", 1)
            for e in doc:
                if isinstance(e, dict) and str(e.get(k)) == v:
                    return e
            raise KeyError(head)
        return doc[int(head)]
    return doc[head]


def jget(doc, path):
    parts = path.split(".")
    try:
        return jpath(doc, parts)
    except (KeyError, IndexError, TypeError, ValueError):
        if len(parts) >= 2 and parts[-2] == "drops" and isinstance(jparent(doc, parts[:-1]), dict):
            return 0
        raise


def jparent(doc, parts):
    for p in parts:
        doc = jstep(doc, p)
    return doc


def jsum(doc, key):
    total = 0
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k == key and isinstance(v, (int, float)) and not isinstance(v, bool):
                total += v
            else:
                total += jsum(v, key)
    elif isinstance(doc, list):
        for v in doc:
            total += jsum(v, key)
    return total


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("kind", choices=["udp4", "udp6"])
    b.add_argument("--src-mac", required=True)
    b.add_argument("--dst-mac", required=True)
    b.add_argument("--src-ip", required=True)
    b.add_argument("--dst-ip", required=True)
    b.add_argument("--ttl", type=int, default=64)
    b.add_argument("--vlan", type=int, default=0)
    b.add_argument("--sport", type=int, default=4000)
    b.add_argument("--dport", type=int, default=5000)
    b.add_argument("--payload")
    b.add_argument("--ihl", type=int)
    b.add_argument("--tot-len", type=int)
    b.add_argument("--bad-csum", action="store_true")
    b.add_argument("--ext6", help="IPv6 extension headers before UDP: types 0/60, e.g. 0,60")
    b.add_argument("--ext6-trunc", action="store_true",
                   help="the last extension header claims 2048 bytes (runs off the frame)")
    f = sub.add_parser("forward")
    f.add_argument("frame")
    f.add_argument("--src-mac", required=True)
    f.add_argument("--dst-mac", required=True)
    f.add_argument("--pop-vlan", action="store_true")
    f.add_argument("--push-vlan", type=int, default=0)
    x = sub.add_parser("xfer")
    x.add_argument("--tx", required=True)
    x.add_argument("--rx", action="append")
    x.add_argument("--frame", action="append")
    x.add_argument("--contains")
    x.add_argument("--timeout", type=float, default=2.0)
    x.add_argument("--count", type=int, default=0)
    x.add_argument("--repeat", type=int, default=1)
    x.add_argument("--gap-ms", type=float, default=0)
    x.add_argument("--idle", type=float, default=0,
                   help="stop this long after the last captured frame (0: at --timeout)")
    s = sub.add_parser("send")
    s.add_argument("--tx", required=True)
    s.add_argument("--frame", action="append", required=True)
    s.add_argument("--repeat", type=int, default=1)
    s.add_argument("--gap-ms", type=float, default=0)
    r = sub.add_parser("retag")
    r.add_argument("frame")
    r.add_argument("vid", type=int)
    c = sub.add_parser("check-ip")
    c.add_argument("frame")
    j = sub.add_parser("json")
    j.add_argument("--default", type=float)
    j.add_argument("file")
    j.add_argument("path")
    dl = sub.add_parser("delta")
    dl.add_argument("file0")
    dl.add_argument("file1")
    dl.add_argument("path")
    dr = sub.add_parser("drops")
    dr.add_argument("file0")
    dr.add_argument("file1")
    js = sub.add_parser("jsum")
    js.add_argument("file")
    js.add_argument("key")
    a = p.parse_args()

    if a.cmd == "build":
        print(build(a).hex())
    elif a.cmd == "forward":
        print(forward(a).hex())
    elif a.cmd == "xfer":
        return xfer(a)
    elif a.cmd == "send":
        a.rx, a.contains, a.timeout, a.count, a.idle = [], None, 0, 0, 0
        return xfer(a)
    elif a.cmd == "retag":
        print(retag(a.frame, a.vid).hex())
    elif a.cmd == "check-ip":
        return 0 if check_ip(a.frame) else 1
    elif a.cmd == "json":
        doc = jload(a.file)
        parts = a.path.split(".") if a.path else []
        try:
            v = jpath(doc, parts)
        except (KeyError, IndexError, TypeError, ValueError) as e:
            parent = None
            try:
                parent = jparent(doc, parts[:-1])
            except (KeyError, IndexError, TypeError, ValueError):
                pass
            if a.default is None or not isinstance(parent, dict) or parts[-1] in parent:
                print(f"pkt.py json: '{a.path}' not found ({e!r})", file=sys.stderr)
                return 1
            v = a.default
        print(int(v) if float(v).is_integer() else v)
    elif a.cmd == "delta":
        try:
            v = jget(jload(a.file1), a.path) - jget(jload(a.file0), a.path)
        except (KeyError, IndexError, TypeError, ValueError) as e:
            print(f"pkt.py delta: '{a.path}' not found ({e!r})", file=sys.stderr)
            return 1
        print(int(v) if float(v).is_integer() else v)
    elif a.cmd == "drops":
        t0, t1 = jload(a.file0)["totals"], jload(a.file1)["totals"]
        d0, d1 = t0.get("drops", {}), t1.get("drops", {})
        moved = [f"{k}:+{d1[k] - d0.get(k, 0)}" for k in sorted(d1) if d1[k] != d0.get(k, 0)]
        print(" ".join([str(t1["drops_total"] - t0["drops_total"])] + moved))
    elif a.cmd == "jsum":
        print(jsum(jload(a.file), a.key))
    return 0


if __name__ == "__main__":
    sys.exit(main())
