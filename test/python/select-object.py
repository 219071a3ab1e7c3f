# REQUIRES: python-bindings
# RUN: %python %s | FileCheck %s
# gpu_binaries gives the object each gpu.binary launches: the one its
# #gpu.select_object picks, by index or by target, else the first; nothing
# when the selection names no object.
from mlir import ir
import fp4_mlir

OBJECTS = ('[#gpu.object<#nvvm.target<chip = "sm_90a">, "first">, '
           '#gpu.object<#nvvm.target<chip = "sm_100a">, "second">]')
TEXT = f"""
module attributes {{gpu.container_module}} {{
  gpu.binary @plain {OBJECTS}
  gpu.binary @by_index <#gpu.select_object<1>> {OBJECTS}
  gpu.binary @by_target <#gpu.select_object<#nvvm.target<chip = "sm_100a">>> {OBJECTS}
  gpu.binary @missing <#gpu.select_object<#nvvm.target<chip = "sm_120a">>> {OBJECTS}
}}
"""
with ir.Context() as ctx:
    fp4_mlir.register_dialects(ctx)
    binaries = fp4_mlir.gpu_binaries(ir.Module.parse(TEXT))
    # CHECK: by_index b'second'
    # CHECK: by_target b'second'
    # CHECK: missing b''
    # CHECK: plain b'first'
    for name in sorted(binaries):
        print(name, binaries[name])
