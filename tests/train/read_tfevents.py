"""Independent reader for tests/train/tensorboard.test.ts, Python stdlib only.

Parses a TensorBoard event file: TFRecord framing (length, masked CRC32C of the length, data, masked
CRC32C of the data; every CRC is checked) and the protobuf wire format of Event / Summary / Value.
Prints JSON: [{"wall_time", "step", "file_version"?, "scalars": {tag: value}, "texts": {tag: text}}].
"""
import json
import struct
import sys


def make_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = make_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def records(blob):
    pos = 0
    while pos < len(blob):
        header = blob[pos : pos + 8]
        if len(header) < 8:
            raise ValueError("truncated length at %d" % pos)
        (length,) = struct.unpack("<Q", header)
        (len_crc,) = struct.unpack("<I", blob[pos + 8 : pos + 12])
        if len_crc != masked(header):
            raise ValueError("bad length CRC at %d" % pos)
        data = blob[pos + 12 : pos + 12 + length]
        if len(data) < length:
            raise ValueError("truncated record at %d" % pos)
        (data_crc,) = struct.unpack("<I", blob[pos + 12 + length : pos + 16 + length])
        if data_crc != masked(data):
            raise ValueError("bad data CRC at %d" % pos)
        yield data
        pos += 16 + length


def varint(buf, pos):
    shift = result = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, pos


def fields(buf):
    """Yield (field number, wire type, raw value) for a serialized message."""
    pos = 0
    while pos < len(buf):
        key, pos = varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire == 2:
            n, pos = varint(buf, pos)
            value, pos = buf[pos : pos + n], pos + n
        elif wire == 5:
            value, pos = buf[pos : pos + 4], pos + 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        yield field, wire, value


def parse_value(buf, event):
    tag, simple, plugin, strings = None, None, None, []
    for f, w, v in fields(buf):
        if f == 1:
            tag = v.decode()
        elif f == 2 and w == 5:
            simple = struct.unpack("<f", v)[0]
        elif f == 9:  # SummaryMetadata
            for mf, _, mv in fields(v):
                if mf == 1:  # PluginData
                    for pf, _, pv in fields(mv):
                        if pf == 1:
                            plugin = pv.decode()
        elif f == 8:  # TensorProto
            for tf_, _, tv in fields(v):
                if tf_ == 8:
                    strings.append(tv.decode())
    if simple is not None:
        event["scalars"][tag] = simple
    if plugin == "text":
        event["texts"][tag] = strings[0] if strings else ""


def parse_event(buf):
    event = {"step": 0, "scalars": {}, "texts": {}}
    for f, w, v in fields(buf):
        if f == 1 and w == 1:
            event["wall_time"] = struct.unpack("<d", v)[0]
        elif f == 2 and w == 0:
            event["step"] = v
        elif f == 3:
            event["file_version"] = v.decode()
        elif f == 5:
            for sf, _, sv in fields(v):
                if sf == 1:
                    parse_value(sv, event)
    return event


with open(sys.argv[1], "rb") as fh:
    blob = fh.read()
print(json.dumps([parse_event(r) for r in records(blob)]))
