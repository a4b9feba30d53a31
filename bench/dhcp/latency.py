#!/usr/bin/env python3
"""Reads a pcap of relayed DHCP traffic (perfdhcp as relay) and prints DISCOVER->OFFER and REQUEST->ACK
delay percentiles in ms, matching by xid. No third-party modules: the pcap format is read directly."""
import struct
import sys


def packets(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    endian = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    nano = magic in (0xa1b23c4d, 0x4d3cb2a1)
    linktype = struct.unpack(endian + 'I', data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + 'IIII', data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ts = sec + frac / (1e9 if nano else 1e6)
        l2 = 14 if linktype == 1 else 16  # Ethernet or Linux cooked
        ip = pkt[l2:]
        if len(ip) < 20 or ip[0] >> 4 != 4:
            continue
        udp = ip[(ip[0] & 15) * 4:]
        dhcp = udp[8:]
        if len(dhcp) < 244:
            continue
        xid = dhcp[4:8]
        mtype = None
        i = 240
        while i + 1 < len(dhcp):
            c = dhcp[i]
            if c == 0:
                i += 1
                continue
            if c == 255:
                break
            if c == 53:
                mtype = dhcp[i + 2]
                break
            i += 2 + dhcp[i + 1]
        if mtype:
            yield ts, xid, mtype


def pct(values, p):
    if not values:
        return float('nan')
    values = sorted(values)
    k = min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))
    return values[k]


def main():
    sent = {}
    do, ra = [], []
    for ts, xid, t in packets(sys.argv[1]):
        if t in (1, 3):
            sent.setdefault((xid, t), ts)
        elif t == 2 and (xid, 1) in sent:
            do.append((ts - sent.pop((xid, 1))) * 1000)
        elif t == 5 and (xid, 3) in sent:
            ra.append((ts - sent.pop((xid, 3))) * 1000)
    fmt = lambda v: 'n/a' if v != v else f'{v:.2f}'
    print(' '.join(fmt(pct(do, p)) for p in (50, 90, 99)), ' '.join(fmt(pct(ra, p)) for p in (50, 90, 99)), len(do), len(ra))


main()
