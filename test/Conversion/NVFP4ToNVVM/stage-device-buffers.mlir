// fp4-stage-device-buffers: launches on host buffers become one async chain
// per run of launches: a device buffer per host buffer, copies in for what
// is read first, copies back for what is written, frees, and a wait.
// RUN: fp4-opt --fp4-stage-device-buffers --split-input-file %s | FileCheck %s

// Two launches sharing %bits: one device copy of it, kept on the device in
// between; %in is read (copied in), %out written (copied back, not in).
// CHECK-LABEL: func.func @run
// CHECK-SAME:  (%[[IN:.*]]: memref<64xf32>, %[[OUT:.*]]: memref<64xf32>, %[[BITS:.*]]: memref<1xi32>)
// CHECK:       %[[T0:.*]] = gpu.wait async
// CHECK:       %[[DIN:.*]], %[[T1:.*]] = gpu.alloc async [%[[T0]]] () : memref<64xf32>
// CHECK:       %[[T2:.*]] = gpu.memcpy async [%[[T1]]] %[[DIN]], %[[IN]]
// CHECK:       %[[DBITS:.*]], %[[T3:.*]] = gpu.alloc async [%[[T2]]] () : memref<1xi32>
// CHECK:       %[[T4:.*]] = gpu.memcpy async [%[[T3]]] %[[DBITS]], %[[BITS]]
// CHECK:       %[[T5:.*]] = gpu.launch_func async [%[[T4]]] @kernels::@first {{.*}} args(%[[DIN]] : memref<64xf32>, %[[DBITS]] : memref<1xi32>)
// CHECK:       %[[DOUT:.*]], %[[T6:.*]] = gpu.alloc async [%[[T5]]] () : memref<64xf32>
// CHECK-NOT:   gpu.memcpy
// CHECK:       %[[T7:.*]] = gpu.launch_func async [%[[T6]]] @kernels::@second {{.*}} args(%[[DIN]] : memref<64xf32>, %[[DOUT]] : memref<64xf32>, %[[DBITS]] : memref<1xi32>, %{{.*}} : f32)
// CHECK:       %[[T8:.*]] = gpu.memcpy async [%[[T7]]] %[[BITS]], %[[DBITS]]
// CHECK:       %[[T9:.*]] = gpu.memcpy async [%[[T8]]] %[[OUT]], %[[DOUT]]
// CHECK:       gpu.dealloc async [%{{.*}}] %[[DIN]]
// CHECK:       gpu.dealloc async [%{{.*}}] %[[DBITS]]
// CHECK:       gpu.dealloc async [%{{.*}}] %[[DOUT]]
// CHECK:       gpu.wait [%{{.*}}]
// CHECK:       memref.load %[[BITS]]
module attributes {gpu.container_module} {
  func.func @run(%in: memref<64xf32>, %out: memref<64xf32>, %bits: memref<1xi32>) -> i32 {
    %c1 = arith.constant 1 : index
    %c0 = arith.constant 0 : index
    %g = arith.constant 2.0 : f32
    gpu.launch_func @kernels::@first blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%in : memref<64xf32>, %bits : memref<1xi32>) {fp4.operand_access = array<i32: 1, 3>}
    gpu.launch_func @kernels::@second blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%in : memref<64xf32>, %out : memref<64xf32>, %bits : memref<1xi32>, %g : f32) {fp4.operand_access = array<i32: 1, 2, 1, 0>}
    %r = memref.load %bits[%c0] : memref<1xi32>
    return %r : i32
  }
  gpu.module @kernels {
    gpu.func @first(%a: memref<64xf32>, %b: memref<1xi32>) kernel { gpu.return }
    gpu.func @second(%a: memref<64xf32>, %b: memref<64xf32>, %c: memref<1xi32>, %g: f32) kernel { gpu.return }
  }
}

// -----

// Without the access attribute every buffer goes both ways; a host op with
// memory effects between launches ends the run.
// CHECK-LABEL: func.func @unknown
// CHECK:       gpu.alloc async
// CHECK:       gpu.memcpy async
// CHECK:       gpu.launch_func async
// CHECK:       gpu.memcpy async
// CHECK:       gpu.wait [
// CHECK:       memref.store
// CHECK:       gpu.wait async
// CHECK:       gpu.launch_func async
// CHECK:       gpu.wait [
module attributes {gpu.container_module} {
  func.func @unknown(%buf: memref<64xf32>, %x: f32) {
    %c1 = arith.constant 1 : index
    %c0 = arith.constant 0 : index
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%buf : memref<64xf32>)
    memref.store %x, %buf[%c0] : memref<64xf32>
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%buf : memref<64xf32>)
    return
  }
  gpu.module @kernels {
    gpu.func @k(%a: memref<64xf32>) kernel { gpu.return }
  }
}

// -----

// Two views of one buffer in one run would get two device copies: the run
// is split into single launches.
// CHECK-LABEL: func.func @aliasing
// CHECK:       gpu.wait async
// CHECK:       gpu.launch_func async {{.*}}@kernels::@k
// CHECK:       gpu.wait [
// CHECK:       gpu.wait async
// CHECK:       gpu.launch_func async {{.*}}@kernels::@l
// CHECK:       gpu.wait [
module attributes {gpu.container_module} {
  func.func @aliasing(%buf: memref<128xf32>) {
    %c1 = arith.constant 1 : index
    %v = memref.subview %buf[0] [64] [1] : memref<128xf32> to memref<64xf32, strided<[1]>>
    %w = memref.cast %v : memref<64xf32, strided<[1]>> to memref<64xf32>
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%w : memref<64xf32>)
    gpu.launch_func @kernels::@l blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%buf : memref<128xf32>)
    return
  }
  gpu.module @kernels {
    gpu.func @k(%a: memref<64xf32>) kernel { gpu.return }
    gpu.func @l(%a: memref<128xf32>) kernel { gpu.return }
  }
}
