"""Independent writer for tests/embeddings/bert.test.ts: a safetensors file made with the stdlib only.
argv: out-file dtype(F32|F16|BF16) rows cols name. Values are row*0.25 - col*0.125 (exact in every dtype)."""
import json
import struct
import sys

out, dtype, rows, cols, name = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
values = [r * 0.25 - c * 0.125 for r in range(rows) for c in range(cols)]
if dtype == "F32":
    data = struct.pack("<%df" % len(values), *values)
elif dtype == "F16":
    data = struct.pack("<%de" % len(values), *values)
elif dtype == "BF16":
    data = b"".join(struct.pack("<I", struct.unpack("<I", struct.pack("<f", v))[0])[2:] for v in values)
else:
    raise SystemExit("bad dtype " + dtype)
header = {
    "__metadata__": {"format": "pt"},
    "other.bias": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
    name: {"dtype": dtype, "shape": [rows, cols], "data_offsets": [8, 8 + len(data)]},
}
blob = json.dumps(header).encode()
with open(out, "wb") as f:
    f.write(struct.pack("<Q", len(blob)))
    f.write(blob)
    f.write(struct.pack("<2f", 9.0, 9.0))
    f.write(data)
