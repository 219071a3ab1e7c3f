// The chip of nvfp4-lower-to-gpu and convert-nvfp4-to-nvvm is an enum: an
// unknown one is rejected when the options are parsed.
// RUN: not fp4-opt --nvfp4-lower-to-gpu=chip=sm_80 %s -o /dev/null 2>&1 | FileCheck %s
// RUN: not fp4-opt --convert-nvfp4-to-nvvm=chip=sm_80 %s -o /dev/null 2>&1 | FileCheck %s
// RUN: %if mlir-opt-plugins %{ not %mlir_opt_fp4 --pass-pipeline="builtin.module(nvfp4-lower-to-gpu{chip=sm_80})" %s -o /dev/null 2>&1 | FileCheck %s %}
// CHECK: for the --chip option: Cannot find option named 'sm_80'!
// RUN: not fp4-opt --nvfp4-lower-to-gpu=format=cubin %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=FORMAT
// FORMAT: for the --format option: Cannot find option named 'cubin'!
// The attention lowering of every pipeline is an enum too.
// RUN: not fp4-opt --nvfp4-lower-to-gpu=attention=fast %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=ATTENTION
// RUN: not fp4-opt --nvfp4-lower-to-cpu=attention=fast %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=ATTENTION
// ATTENTION: for the --attention option: Cannot find option named 'fast'!
func.func @empty() {
  return
}
