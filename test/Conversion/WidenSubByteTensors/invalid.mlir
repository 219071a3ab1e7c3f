// Ops fp4-widen-sub-byte-tensors does not know are located errors, one per
// op, and the pass fails before it changes anything.
// RUN: fp4-opt --fp4-widen-sub-byte-tensors --split-input-file --verify-diagnostics %s

func.func @to_buffer(%m: tensor<4xi1>) -> memref<4xi1> {
  // expected-error @+1 {{fp4-widen-sub-byte-tensors: cannot widen the i1 tensors of 'bufferization.to_buffer'}}
  %b = bufferization.to_buffer %m : tensor<4xi1> to memref<4xi1>
  return %b : memref<4xi1>
}

// -----

func.func @two(%m: tensor<4xi4>) -> (vector<4xi4>, vector<4xi4>) {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0 : i4
  // expected-error @+1 {{fp4-widen-sub-byte-tensors: cannot widen the i4 tensors of 'vector.transfer_read'}}
  %a = vector.transfer_read %m[%c0], %pad : tensor<4xi4>, vector<4xi4>
  // expected-error @+1 {{fp4-widen-sub-byte-tensors: cannot widen the i4 tensors of 'vector.transfer_read'}}
  %b = vector.transfer_read %m[%c0], %pad : tensor<4xi4>, vector<4xi4>
  return %a, %b : vector<4xi4>, vector<4xi4>
}

// -----

// An i1 blob byte other than 0 or 1 has no meaning to keep.
func.func @resource_byte() -> tensor<2xi1> {
  // expected-error @+1 {{fp4-widen-sub-byte-tensors: cannot widen the i1 tensors of 'arith.constant': only dense constants and dense_resource blobs of i1 with one 0 or 1 byte per element can be widened}}
  %m = arith.constant dense_resource<mask> : tensor<2xi1>
  return %m : tensor<2xi1>
}
{-#
  dialect_resources: {
    builtin: {
      mask: "0x010000000102"
    }
  }
#-}

// -----

// MLIR defines no byte layout for i4 blobs.
func.func @resource_i4() -> tensor<2xi4> {
  // expected-error @+1 {{cannot widen the i4 tensors of 'arith.constant'}}
  %m = arith.constant dense_resource<nibbles> : tensor<2xi4>
  return %m : tensor<2xi4>
}
{-#
  dialect_resources: {
    builtin: {
      nibbles: "0x010000000102"
    }
  }
#-}
