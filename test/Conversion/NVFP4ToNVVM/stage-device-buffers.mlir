// fp4-stage-device-buffers: kernels get device copies of their host
// buffers, which stay on the device across host ops that do not touch them;
// copies in for what a kernel reads while the host side is newer, copies
// back before a host op touches a buffer a kernel wrote, and at the block's
// end; one async chain, waited for before the host touches staged memory.
// RUN: fp4-opt --fp4-stage-device-buffers --split-input-file --verify-diagnostics %s | FileCheck %s

// Two launches sharing %bits: one device copy of it, kept on the device in
// between; %in is read (copied in), %out only written (no copy in). The host
// load of %bits copies it back (and waits); %out comes back at the end.
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
// CHECK:       gpu.wait [%[[T8]]]
// CHECK:       memref.load %[[BITS]]
// CHECK:       %[[T9:.*]] = gpu.wait async
// CHECK:       gpu.memcpy async [%[[T9]]] %[[OUT]], %[[DOUT]]
// CHECK:       gpu.dealloc async [%{{.*}}] %[[DIN]]
// CHECK:       gpu.dealloc async [%{{.*}}] %[[DBITS]]
// CHECK:       gpu.dealloc async [%{{.*}}] %[[DOUT]]
// CHECK:       gpu.wait [%{{.*}}]
// CHECK-NEXT:  return
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

// Without the access attribute a buffer goes both ways. A host store into it
// brings it back first and makes the host side newer: the next launch
// copies it in again, into the same device buffer.
// CHECK-LABEL: func.func @unknown
// CHECK:       %[[D:.*]], %{{.*}} = gpu.alloc async
// CHECK:       gpu.memcpy async [%{{.*}}] %[[D]], %arg0
// CHECK:       gpu.launch_func async
// CHECK:       gpu.memcpy async [%{{.*}}] %arg0, %[[D]]
// CHECK:       gpu.wait [
// CHECK:       memref.store
// CHECK:       gpu.wait async
// CHECK-NOT:   gpu.alloc
// CHECK:       gpu.memcpy async [%{{.*}}] %[[D]], %arg0
// CHECK:       gpu.launch_func async
// CHECK:       gpu.memcpy async [%{{.*}}] %arg0, %[[D]]
// CHECK:       gpu.dealloc async [%{{.*}}] %[[D]]
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

// A buffer staged through one view and then used through another: the first
// copy goes back to the host before the second is made.
// CHECK-LABEL: func.func @aliasing
// CHECK:       gpu.launch_func async {{.*}}@kernels::@k
// CHECK:       gpu.dealloc async
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

// -----

// Two views of one buffer passed to one kernel cannot both get device
// copies: a located error.
module attributes {gpu.container_module} {
  func.func @two_views(%buf: memref<128xf32>) {
    %c1 = arith.constant 1 : index
    %v = memref.subview %buf[0] [64] [1] : memref<128xf32> to memref<64xf32, strided<[1]>>
    %w = memref.cast %v : memref<64xf32, strided<[1]>> to memref<64xf32>
    // expected-error @+1 {{'gpu.launch_func' op passes two different views of one buffer; fp4-stage-device-buffers cannot give them device copies}}
    gpu.launch_func @kernels::@m blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%w : memref<64xf32>, %buf : memref<128xf32>)
    return
  }
  gpu.module @kernels {
    gpu.func @m(%a: memref<64xf32>, %b: memref<128xf32>) kernel { gpu.return }
  }
}

// -----

// Every buffer a launch writes comes back before the host reads it, however
// many new buffers the launch stages: the quantize pattern, an amax launch
// then a block launch that writes two new buffers (the staging state once
// lost the first of them as the second was added, and the GPU check caught
// the stale codes).
// CHECK-LABEL: func.func @quantize_like
// CHECK-SAME:  (%[[X:.*]]: memref<64xf32>, %[[A:.*]]: memref<64xi8>, %[[B:.*]]: memref<8xi8>, %[[C:.*]]: memref<1xi32>)
// CHECK:       gpu.launch_func async {{.*}}@kernels::@amax
// CHECK:       gpu.launch_func async {{.*}}@kernels::@q
// CHECK:       gpu.memcpy async [%{{.*}}] %[[A]], %{{.*}} : memref<64xi8>, memref<64xi8>
// CHECK:       memref.load %[[A]]
// CHECK:       gpu.memcpy async [%{{.*}}] %[[B]], %{{.*}} : memref<8xi8>, memref<8xi8>
// CHECK:       memref.load %[[B]]
module attributes {gpu.container_module} {
  func.func @quantize_like(%x: memref<64xf32>, %a: memref<64xi8>, %b: memref<8xi8>, %c: memref<1xi32>) -> (i8, i8) {
    %c1 = arith.constant 1 : index
    %c0 = arith.constant 0 : index
    gpu.launch_func @kernels::@amax blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%x : memref<64xf32>, %c : memref<1xi32>) {fp4.operand_access = array<i32: 1, 3>}
    gpu.launch_func @kernels::@q blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%x : memref<64xf32>, %a : memref<64xi8>, %b : memref<8xi8>, %c : memref<1xi32>) {fp4.operand_access = array<i32: 1, 2, 2, 1>}
    %ra = memref.load %a[%c0] : memref<64xi8>
    %rb = memref.load %b[%c0] : memref<8xi8>
    return %ra, %rb : i8, i8
  }
  gpu.module @kernels {
    gpu.func @amax(%x: memref<64xf32>, %c: memref<1xi32>) kernel { gpu.return }
    gpu.func @q(%x: memref<64xf32>, %a: memref<64xi8>, %b: memref<8xi8>, %c: memref<1xi32>) kernel { gpu.return }
  }
}
