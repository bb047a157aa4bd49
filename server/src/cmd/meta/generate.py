#!/usr/bin/env python3
"""Regenerates commands.txt and docs.txt from a running redis-server 7.0.

    redis-server --port 7777 --save "" &
    python3 server/src/cmd/meta/generate.py 7777

Both files hold one top-level command per line, its COMMAND (INFO) entry or
its COMMAND DOCS entry as Redis answers them in RESP3, in the notation that
`meta/mod.rs` parses: "bulk", +simple, 12, {k:v,...}, [a,...], <set,...>.
"""
import os
import socket
import sys


def call(sock, *args):
    req = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        req += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(req)


class Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.sock.recv(1 << 20)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exact(self, n):
        while len(self.buf) < n + 2:
            self.buf += self.sock.recv(1 << 20)
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def value(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind == b"$":
            return ("bulk", self.exact(int(rest)))
        if kind == b"+":
            return ("simple", rest)
        if kind == b":":
            return ("int", int(rest))
        if kind in (b"*", b"~"):
            items = [self.value() for _ in range(int(rest))]
            return ("array" if kind == b"*" else "set", items)
        if kind == b"%":
            items = [(self.value(), self.value()) for _ in range(int(rest))]
            return ("map", items)
        if kind == b"_":
            return ("null", None)
        raise ValueError(line)


def render(v):
    kind, x = v
    if kind == "bulk":
        out = '"'
        for b in x:
            c = chr(b)
            if c in '"\\':
                out += "\\" + c
            elif 32 <= b < 127:
                out += c
            else:
                out += "\\x%02x" % b
        return out + '"'
    if kind == "simple":
        return "+" + x.decode()
    if kind == "int":
        return str(x)
    if kind == "array":
        return "[" + ",".join(render(i) for i in x) + "]"
    if kind == "set":
        return "<" + ",".join(render(i) for i in x) + ">"
    if kind == "map":
        return "{" + ",".join(render(k) + ":" + render(w) for k, w in x) + "}"
    raise ValueError(kind)


def sort_info(entry):
    """Subcommands in name order (Redis lists them in its hash order)."""
    fields = entry[1]
    if len(fields) > 9 and fields[9][0] in ("array", "set"):
        for sub in fields[9][1]:
            sort_info(sub)
        fields[9][1].sort(key=lambda e: e[1][0][1])


def sort_docs(doc):
    for k, v in doc[1]:
        if k[1] == b"subcommands":
            v[1].sort(key=lambda kv: kv[0][1])
            for _, sub in v[1]:
                sort_docs(sub)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 6379
    sock = socket.create_connection(("127.0.0.1", port))
    r = Reader(sock)
    call(sock, "HELLO", "3")
    r.value()
    call(sock, "COMMAND")
    _, entries = r.value()
    for e in entries:
        sort_info(e)
    entries.sort(key=lambda e: e[1][0][1])
    call(sock, "COMMAND", "DOCS")
    _, docs = r.value()
    for _, v in docs:
        sort_docs(v)
    docs.sort(key=lambda kv: kv[0][1])
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "commands.txt"), "w") as f:
        for e in entries:
            f.write(render(e) + "\n")
    with open(os.path.join(here, "docs.txt"), "w") as f:
        for k, v in docs:
            f.write(render(k) + " " + render(v) + "\n")


main()
