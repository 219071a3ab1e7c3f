"""Writes the payload of the first gpu.binary object in an MLIR file.

fp4-opt --gpu-module-to-binary=format=isa|bin keeps the PTX or cubin as an
escaped string attribute (`assembly = "..."` or `bin = "..."`); this turns it back into bytes.
Usage: extract-gpu-binary.py INPUT.mlir OUTPUT
"""
import re
import sys


def unescape(s: str) -> bytes:
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            nxt = s[i + 1]
            if nxt in '"\\':
                out.append(ord(nxt))
                i += 2
            else:
                out.append(int(s[i + 1 : i + 3], 16))
                i += 3
        else:
            out += c.encode()
            i += 1
    return bytes(out)


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    text = open(sys.argv[1], encoding="utf-8").read()
    m = re.search(r'(?:bin|assembly) = "((?:[^"\\]|\\.)*)"', text)
    if not m:
        print(f"error: no gpu.binary object in {sys.argv[1]}", file=sys.stderr)
        return 1
    with open(sys.argv[2], "wb") as f:
        f.write(unescape(m.group(1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
