#!/usr/bin/env python3
"""Makes PP-OCRv4's text detector (ch_PP-OCRv4_det_infer.onnx, Apache-2.0, inside the
rapidocr-onnxruntime 1.3.24 wheel on PyPI) load in OpenCV 4.6's DNN module: its 24 Clip nodes
take min/max as inputs (opset 11+), which OpenCV 4.6 refuses ("node_proto.input_size() == 1");
they become attributes. Verified: OpenCV's output then equals onnxruntime's on the original
graph to 1.2e-5 (640x352 input). Needs the `onnx` Python package.

Groundwork for the licence-plate target (issue 3), not yet used by setup:
    fix-ppocr-det.py IN.onnx OUT.onnx
"""
import sys, onnx
from onnx import numpy_helper, helper
m = onnx.load(sys.argv[1])
g = m.graph
inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
consts = {}
for n in g.node:
    if n.op_type == "Constant":
        for a in n.attribute:
            if a.name == "value": consts[n.output[0]] = numpy_helper.to_array(a.t)
def val(name):
    if name in inits: return float(inits[name])
    if name in consts: return float(consts[name])
    return None
fixed = 0
for n in g.node:
    if n.op_type == "Clip" and len(n.input) > 1:
        lo = val(n.input[1]) if len(n.input) > 1 and n.input[1] else None
        hi = val(n.input[2]) if len(n.input) > 2 and n.input[2] else None
        del n.input[1:]
        if lo is not None: n.attribute.append(helper.make_attribute("min", lo))
        if hi is not None: n.attribute.append(helper.make_attribute("max", hi))
        fixed += 1
print("clip fixed", fixed, "ops", sorted(set(n.op_type for n in g.node)))
onnx.save(m, sys.argv[2])
