#!/usr/bin/env python3
"""Makes PP-OCRv4's text detector (ch_PP-OCRv4_det_infer.onnx, Apache-2.0, inside the
rapidocr-onnxruntime 1.3.24 wheel on PyPI) load in OpenCV 4.6's DNN module.

Its 24 Clip nodes take min/max as inputs (opset 11+), which OpenCV 4.6 refuses
("node_proto.input_size() == 1"); this rewrites each as a Clip with `min`/`max` attributes
holding the same constants. Nothing else in the file changes.

The file is edited at the protobuf wire level, with the standard library only, so setup
needs no `onnx` package (whose wheels are tied to one Python version). Checked: OpenCV's
output on the rewritten graph equals onnxruntime's on the original to 1.2e-5.

    fix-ppocr-det.py IN.onnx OUT.onnx
"""
import os
import struct
import sys

# Field numbers from onnx.proto.
MODEL_GRAPH = 7
GRAPH_NODE, GRAPH_INITIALIZER = 1, 5
NODE_INPUT, NODE_OUTPUT, NODE_OP_TYPE, NODE_ATTRIBUTE = 1, 2, 4, 5
ATTR_NAME, ATTR_F, ATTR_T, ATTR_TYPE = 1, 2, 5, 20
ATTR_TYPE_FLOAT = 1
TENSOR_DIMS, TENSOR_DATA_TYPE, TENSOR_FLOAT_DATA, TENSOR_NAME, TENSOR_RAW_DATA = 1, 2, 4, 8, 9
TENSOR_FLOAT = 1


def varint(buf, i):
    value = shift = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def encode_varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def fields(buf):
    """(field number, wire type, value, raw bytes of the whole field) for each field."""
    i = 0
    while i < len(buf):
        start = i
        key, i = varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            n, i = varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield number, wire, value, buf[start:i]


def length_delimited(number, payload):
    return encode_varint(number << 3 | 2) + encode_varint(len(payload)) + payload


def tensor_scalar(buf):
    """A float tensor holding one value: its name and the value."""
    name, dtype, value = None, None, None
    for number, _, v, _ in fields(buf):
        if number == TENSOR_NAME:
            name = v.decode()
        elif number == TENSOR_DATA_TYPE:
            dtype = v
        elif number == TENSOR_RAW_DATA and len(v) == 4:
            value = struct.unpack("<f", v)[0]
        elif number == TENSOR_FLOAT_DATA:
            value = struct.unpack("<f", v[:4])[0] if len(v) == 4 else value
    return name, (value if dtype == TENSOR_FLOAT else None)


def float_attribute(name, value):
    payload = length_delimited(ATTR_NAME, name.encode())
    payload += encode_varint(ATTR_F << 3 | 5) + struct.pack("<f", value)
    payload += encode_varint(ATTR_TYPE << 3 | 0) + encode_varint(ATTR_TYPE_FLOAT)
    return length_delimited(NODE_ATTRIBUTE, payload)


def node_parts(buf):
    inputs, outputs, op, attributes = [], [], None, []
    for number, _, v, _ in fields(buf):
        if number == NODE_INPUT:
            inputs.append(v.decode())
        elif number == NODE_OUTPUT:
            outputs.append(v.decode())
        elif number == NODE_OP_TYPE:
            op = v.decode()
        elif number == NODE_ATTRIBUTE:
            attributes.append(v)
    return inputs, outputs, op, attributes


def constant_value(attributes):
    for a in attributes:
        name, tensor = None, None
        for number, _, v, _ in fields(a):
            if number == ATTR_NAME:
                name = v.decode()
            elif number == ATTR_T:
                tensor = v
        if name == "value" and tensor is not None:
            return tensor_scalar(tensor)[1]
    return None


def fix_graph(graph):
    constants = {}
    for number, _, v, _ in fields(graph):
        if number == GRAPH_INITIALIZER:
            name, value = tensor_scalar(v)
            if value is not None:
                constants[name] = value
        elif number == GRAPH_NODE:
            _, outputs, op, attributes = node_parts(v)
            if op == "Constant" and outputs:
                value = constant_value(attributes)
                if value is not None:
                    constants[outputs[0]] = value
    out, fixed = bytearray(), 0
    for number, _, v, raw in fields(graph):
        if number == GRAPH_NODE:
            inputs, _, op, _ = node_parts(v)
            if op == "Clip" and len(inputs) > 1:
                bounds = [(key, inputs[k]) for k, key in ((1, "min"), (2, "max")) if k < len(inputs) and inputs[k]]
                missing = [name for _, name in bounds if name not in constants]
                if missing:
                    raise ValueError(f"Clip bound {missing[0]} is not a constant")
                node = bytearray()
                seen_inputs = 0
                for n, _, fv, fraw in fields(v):
                    if n == NODE_INPUT:
                        seen_inputs += 1
                        if seen_inputs > 1:
                            continue
                    node += fraw
                for key, name in bounds:
                    node += float_attribute(key, constants[name])
                out += length_delimited(GRAPH_NODE, bytes(node))
                fixed += 1
                continue
        out += raw
    return bytes(out), fixed


def main():
    source, target = sys.argv[1], sys.argv[2]
    model = open(source, "rb").read()
    out, fixed = bytearray(), 0
    for number, _, v, raw in fields(model):
        if number == MODEL_GRAPH:
            graph, fixed = fix_graph(v)
            out += length_delimited(MODEL_GRAPH, graph)
        else:
            out += raw
    if fixed == 0:
        sys.exit(f"fix-ppocr-det: no Clip node with min/max inputs in {source}; is this the pinned model?")
    with open(target + ".tmp", "wb") as f:
        f.write(out)
    os.replace(target + ".tmp", target)
    print(f"fix-ppocr-det: {fixed} Clip nodes rewritten -> {target}")


if __name__ == "__main__":
    main()
