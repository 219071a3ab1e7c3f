// A format that gpu-module-to-binary does not know is rejected when the
// pipeline is parsed (passed through, it made gpu-module-to-binary abort).
// RUN: not fp4-opt --nvfp4-lower-to-sm100a=format=bogus %s -o /dev/null 2>&1 | FileCheck %s
// CHECK: for the --format option: Cannot find option named 'bogus'!
// RUN: not fp4-opt --nvfp4-lower-to-sm100a=host=maybe %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=HOST
// HOST: for the --host option: '{{.*}}maybe' is invalid value for boolean argument!
func.func @empty() {
  return
}
