//===- Pipelines.cpp - fp4-mlir named pass pipelines ----------------------===//

#include "fp4/Pipelines/Pipelines.h"
#include "fp4/Conversion/Passes.h"
#include "fp4/Dialect/NVFP4/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {
/// Fails with a located error on memrefs of sub-byte integers (results and
/// block arguments), which MLIR 22's memref-to-LLVM conversion asserts on.
/// Sub-byte tensors are widened to i8 before bufferization
/// (fp4-widen-sub-byte-tensors); what is left comes from buffer deallocation,
/// which stores memref<?xi1> for buffers that flow through calls it cannot
/// see into (calls the inliner could not inline), and from the input's own
/// memrefs.
struct RejectSubByteMemRefsPass
    : PassWrapper<RejectSubByteMemRefsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(RejectSubByteMemRefsPass)
  StringRef getArgument() const final { return "fp4-reject-sub-byte-memrefs"; }

  static bool isSubByteMemRef(Type type) {
    auto memref = dyn_cast<MemRefType>(type);
    return memref && memref.getElementType().isInteger() &&
           memref.getElementType().getIntOrFloatBitWidth() < 8;
  }

  void runOnOperation() override {
    WalkResult result = getOperation()->walk([&](Operation *op) {
      std::optional<Type> bad;
      for (Type type : op->getResultTypes())
        if (!bad && isSubByteMemRef(type))
          bad = type;
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (BlockArgument arg : block.getArguments())
            if (!bad && isSubByteMemRef(arg.getType()))
              bad = arg.getType();
      if (!bad)
        return WalkResult::advance();
      op->emitError()
          << "cannot lower " << *bad
          << " to LLVM: MLIR 22's memref-to-LLVM conversion does not support "
             "memrefs of integers narrower than 8 bits. Sub-byte tensors are "
             "widened to i8 before bufferization; these memrefs come from "
             "buffer deallocation of buffers passed through calls that could "
             "not be inlined (recursive or external callees) or from the "
             "input";
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

/// Rewrites the scf.parallel loops that convert-scf-to-openmp must not see
/// into sequential scf.for nests, so that only the outermost parallel loops
/// without reductions become omp.parallel + omp.wsloop:
/// - loops nested in another scf.parallel: a nested omp.parallel would fork a
///   team per outer iteration for no extra cores (nested parallelism is off
///   by default);
/// - loops with reductions: an OpenMP reduction combines partial results in
///   an order that depends on the thread count, so floating-point results
///   would too. Here they combine in iteration order, as the serial pipeline
///   does.
struct SequentializeParallelLoopsPass
    : PassWrapper<SequentializeParallelLoopsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(SequentializeParallelLoopsPass)
  StringRef getArgument() const final {
    return "fp4-sequentialize-parallel-loops";
  }

  /// `op` as a nest of scf.for in iteration order; each reduction's
  /// combiner is inlined and carries its value through iter_args.
  static void sequentialize(RewriterBase &rewriter, scf::ParallelOp op) {
    rewriter.setInsertionPoint(op);
    auto reduce = cast<scf::ReduceOp>(op.getBody()->getTerminator());
    scf::LoopNest nest = scf::buildLoopNest(
        rewriter, op.getLoc(), op.getLowerBound(), op.getUpperBound(),
        op.getStep(), op.getInitVals(),
        [&](OpBuilder &b, Location, ValueRange ivs, ValueRange accs) {
          IRMapping map;
          map.map(op.getInductionVars(), ivs);
          for (Operation &nested : op.getBody()->without_terminator())
            b.clone(nested, map);
          scf::ValueVector combined;
          for (auto [acc, operand, region] :
               llvm::zip(accs, reduce.getOperands(), reduce.getReductions())) {
            Block &combiner = region.front();
            map.map(combiner.getArgument(0), acc);
            map.map(combiner.getArgument(1), map.lookupOrDefault(operand));
            for (Operation &nested : combiner.without_terminator())
              b.clone(nested, map);
            auto ret = cast<scf::ReduceReturnOp>(combiner.getTerminator());
            combined.push_back(map.lookupOrDefault(ret.getResult()));
          }
          return combined;
        });
    rewriter.replaceOp(op, nest.results);
  }

  void runOnOperation() override {
    // Post-order: inner loops are rewritten before the loops around them.
    SmallVector<scf::ParallelOp> sequential;
    getOperation()->walk([&](scf::ParallelOp op) {
      if (op.getNumReductions() != 0 || op->getParentOfType<scf::ParallelOp>())
        sequential.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp op : sequential)
      sequentialize(rewriter, op);
  }
};

/// Runs after convert-scf-to-openmp, which wraps each loop body in a
/// memref.alloca_scope. That scope must stay one block, and the bodies have
/// loops of their own (convert-scf-to-cf would split it: a verifier error).
/// Scratch allocas are hoisted to the top of the omp.parallel region (its
/// own allocation scope, so one copy per thread, where the serial pipeline
/// has one per function), and the scopes, then without allocas, are inlined.
struct HoistOpenMPScratchPass
    : PassWrapper<HoistOpenMPScratchPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(HoistOpenMPScratchPass)
  StringRef getArgument() const final { return "fp4-hoist-openmp-scratch"; }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<omp::OpenMPDialect>();
  }

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    WalkResult result = getOperation()->walk([&](omp::LoopNestOp loop) {
      auto parallel = loop->getParentOfType<omp::ParallelOp>();
      if (!parallel)
        return WalkResult::advance();
      Block &top = parallel.getRegion().front();
      // Allocas that run once per iteration (in no loop of the body) with
      // operands from outside the parallel region: their contents start
      // undefined either way, so one buffer per thread serves every
      // iteration.
      SmallVector<memref::AllocaOp> hoistable;
      loop.getRegion().walk([&](memref::AllocaOp alloca) {
        for (Operation *op = alloca->getParentOp(); op != loop;
             op = op->getParentOp())
          if (isa<LoopLikeOpInterface>(op))
            return;
        if (llvm::all_of(alloca->getOperands(), [&](Value v) {
              return !parallel.getRegion().isAncestor(v.getParentRegion());
            }))
          hoistable.push_back(alloca);
      });
      for (memref::AllocaOp alloca : hoistable)
        rewriter.moveOpBefore(alloca, &top, top.begin());
      SmallVector<memref::AllocaScopeOp> scopes;
      loop.getRegion().walk(
          [&](memref::AllocaScopeOp scope) { scopes.push_back(scope); });
      for (memref::AllocaScopeOp scope : scopes) {
        bool hasAlloca = false;
        scope.getBodyRegion().walk([&](memref::AllocaOp alloca) {
          if (alloca->getParentOfType<memref::AllocaScopeOp>() == scope)
            hasAlloca = true;
        });
        if (hasAlloca) {
          scope.emitError("threads=openmp cannot keep this stack allocation "
                          "in its scope: it is allocated in a loop or sized "
                          "by values of the parallel loop");
          return WalkResult::interrupt();
        }
        Block &body = scope.getBodyRegion().front();
        auto ret = cast<memref::AllocaScopeReturnOp>(body.getTerminator());
        SmallVector<Value> results(ret.getResults());
        rewriter.eraseOp(ret);
        rewriter.inlineBlockBefore(&body, scope);
        rewriter.replaceOp(scope, results);
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace

/// Host code on tensors (after the nvfp4 ops are gone) down to the LLVM
/// dialect: bufferization, loops, and the LLVM conversions; with
/// `gpuLaunches`, gpu.launch_func and gpu.binary become GPU runtime calls;
/// with `threads` = OpenMP, outermost scf.parallel loops become OpenMP loops.
static void addHostToLLVM(OpPassManager &pm, bool gpuLaunches,
                          fp4::CpuThreads threads = fp4::CpuThreads::Serial) {
  // Before anything bufferizes: i1 masks would become memrefs that the
  // memref-to-LLVM conversion cannot lower. Nothing before this point in
  // either pipeline bufferizes sub-byte tensors (the nvfp4 conversions only
  // touch nvfp4 operands, which are never sub-byte).
  pm.addPass(fp4::createWidenSubByteTensorsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);

  // Loops, then the LLVM dialect. scf.parallel becomes sequential loops here;
  // a GPU pipeline maps the same loops to threads instead.
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createConvertVectorToSCFPass());
  if (threads == fp4::CpuThreads::OpenMP) {
    // After buffer deallocation, which does not know omp.wsloop. Every
    // iteration writes its own blocks or rows, so the bytes do not depend on
    // the thread count, which is the runtime's (OMP_NUM_THREADS,
    // omp_set_num_threads).
    pm.addPass(std::make_unique<SequentializeParallelLoopsPass>());
    pm.addPass(createConvertSCFToOpenMPPass());
    pm.addPass(std::make_unique<HoistOpenMPScratchPass>());
  }
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // f32 -> bf16 in integer ops (round to nearest even, subnormals kept):
  // AVX512-BF16's vcvtneps2bf16, which LLVM selects where the host has it,
  // flushes subnormal results to zero.
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  // Before the first conversion that lowers memrefs (gpu-to-llvm does).
  pm.addPass(std::make_unique<RejectSubByteMemRefsPass>());
  if (gpuLaunches) {
    // Kernels get device buffers (no unified memory); after deallocation,
    // which does not accept gpu.dealloc.
    pm.addPass(fp4::createStageDeviceBuffersPass());
    pm.addPass(createGpuToLLVMConversionPass());
  }
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  if (threads == fp4::CpuThreads::OpenMP)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

/// nvfp4-decompose-attention's `products` for `attention`.
static const char *attentionProducts(fp4::AttentionLowering attention,
                                     fp4::AttentionLowering byDefault) {
  if (attention == fp4::AttentionLowering::Default)
    attention = byDefault;
  switch (attention) {
  case fp4::AttentionLowering::Reference:
    return "reference";
  case fp4::AttentionLowering::ScaledMatmul:
    return "scaled-matmul";
  default:
    return "fused";
  }
}

void fp4::buildNVFP4LowerToCPUPipeline(OpPassManager &pm,
                                       AttentionLowering attention,
                                       CpuThreads threads) {
  // Inlining first: buffer deallocation cannot prove that buffers returned
  // by calls do not alias local ones, and its runtime alias check stores
  // memref<?xi1>, which MLIR 22's memref-to-LLVM lowering rejects (it
  // asserts on element types narrower than 8 bits).
  pm.addPass(createInlinerPass());
  // Attention becomes quantize/dequantize, linalg and (fused) one
  // attention_rows op, in the reference's order (bit-exact on the CPU).
  nvfp4::NVFP4DecomposeAttentionPassOptions decompose;
  decompose.products = attentionProducts(attention, AttentionLowering::Fused);
  pm.addPass(nvfp4::createNVFP4DecomposeAttentionPass(decompose));
  pm.addPass(fp4::createConvertNVFP4ToArithPass());
  addHostToLLVM(pm, /*gpuLaunches=*/false, threads);
}

void fp4::buildNVFP4LowerToGpuPipeline(OpPassManager &pm, GpuChip chip,
                                       const std::string &format,
                                       bool lowerHost,
                                       AttentionLowering attention) {
  if (lowerHost)
    pm.addPass(createInlinerPass()); // As for the CPU: see above.
  // On sm_90a, attention's online softmax is one kernel of a thread per
  // query row (fused, bit-exact); on sm_100a both products are tcgen05
  // scaled matmuls and the softmax runs on the host like the model's other
  // non-nvfp4 ops. Q, K and V are prepared per head either way.
  nvfp4::NVFP4DecomposeAttentionPassOptions decompose;
  decompose.products = attentionProducts(
      attention, chip == GpuChip::SM100a ? AttentionLowering::ScaledMatmul
                                         : AttentionLowering::Fused);
  decompose.scaleLayout = chip == GpuChip::SM100a ? "tcgen05" : "row_major";
  pm.addPass(nvfp4::createNVFP4DecomposeAttentionPass(decompose));
  ConvertNVFP4ToNVVMPassOptions options;
  options.chip = chip;
  pm.addPass(fp4::createConvertNVFP4ToNVVMPass(options));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(memref::createExpandStridedMetadataPass());
  kernels.addPass(createLowerAffinePass());
  kernels.addPass(createSCFToControlFlowPass());
  // nvvm.mbarrier.try_wait.parity has no intrinsic: it is expanded here.
  kernels.addPass(createConvertNVVMToLLVMPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = format;
  pm.addPass(createGpuModuleToBinaryPass(binary));
  if (lowerHost) {
    // nvfp4 ops without a kernel (a lone nvfp4.amax) run on the host.
    pm.addPass(fp4::createConvertNVFP4ToArithPass());
    addHostToLLVM(pm, /*gpuLaunches=*/true);
  }
}

namespace {
/// gpu-module-to-binary's formats. An enum option, so that the pipeline
/// parser rejects any other value with a message (a bad string reaches
/// gpu-module-to-binary, which then aborts).
enum class BinaryFormat { Isa, Bin, Fatbin };

/// The values of every pipeline's `attention` option.
auto attentionValues() {
  return llvm::cl::values(
      clEnumValN(fp4::AttentionLowering::Default, "default",
                 "fused on the CPU and sm_90a, scaled-matmul on sm_100a"),
      clEnumValN(fp4::AttentionLowering::Reference, "reference",
                 "dequantized linalg products (bit-exact)"),
      clEnumValN(fp4::AttentionLowering::Fused, "fused",
                 "one nvfp4.attention_rows op: a loop or a kernel over "
                 "query rows (bit-exact)"),
      clEnumValN(fp4::AttentionLowering::ScaledMatmul, "scaled-matmul",
                 "nvfp4.scaled_matmul products (tensor cores on a GPU)"));
}
constexpr const char *kAttentionHelp =
    "How nvfp4.attention is lowered (nvfp4-decompose-attention's products)";

/// The serialization options of both GPU pipelines.
template <typename Derived>
struct BinaryPipelineOptions : public PassPipelineOptions<Derived> {
  typename PassPipelineOptions<Derived>::template Option<BinaryFormat> format{
      *this, "format", llvm::cl::desc("What the kernels are serialized to"),
      llvm::cl::init(BinaryFormat::Isa),
      llvm::cl::values(
          clEnumValN(BinaryFormat::Isa, "isa", "PTX"),
          clEnumValN(BinaryFormat::Bin, "bin", "a cubin (runs ptxas)"),
          clEnumValN(BinaryFormat::Fatbin, "fatbin", "a fatbinary"))};
  typename PassPipelineOptions<Derived>::template Option<bool> host{
      *this, "host",
      llvm::cl::desc("Also lower the host code (device buffers, copies, "
                     "launches, the rest of the program) to the LLVM dialect "
                     "with GPU runtime calls"),
      llvm::cl::init(false)};
  typename PassPipelineOptions<Derived>::template Option<fp4::AttentionLowering>
      attention{*this, "attention", llvm::cl::desc(kAttentionHelp),
                llvm::cl::init(fp4::AttentionLowering::Default),
                attentionValues()};
};

struct SM100aPipelineOptions : BinaryPipelineOptions<SM100aPipelineOptions> {};

struct CPUPipelineOptions : PassPipelineOptions<CPUPipelineOptions> {
  Option<fp4::AttentionLowering> attention{
      *this, "attention", llvm::cl::desc(kAttentionHelp),
      llvm::cl::init(fp4::AttentionLowering::Default), attentionValues()};
  Option<fp4::CpuThreads> threads{
      *this, "threads",
      llvm::cl::desc("How the parallel block and row loops run"),
      llvm::cl::init(fp4::CpuThreads::Serial),
      llvm::cl::values(
          clEnumValN(fp4::CpuThreads::Serial, "serial",
                     "sequential loops on the calling thread"),
          clEnumValN(fp4::CpuThreads::OpenMP, "openmp",
                     "OpenMP parallel loops: the program must load the LLVM "
                     "OpenMP runtime (libomp.so.5); bit-exact for any thread "
                     "count"))};
};

/// nvfp4-lower-to-gpu: the chip too.
struct GpuPipelineOptions : BinaryPipelineOptions<GpuPipelineOptions> {
  PassPipelineOptions<GpuPipelineOptions>::Option<fp4::GpuChip> chip{
      *this, "chip", llvm::cl::desc("The GPU to generate kernels for"),
      llvm::cl::init(fp4::GpuChip::SM100a),
      llvm::cl::values(
          clEnumValN(fp4::GpuChip::SM90a, "sm_90a",
                     "Hopper (H100, H200): portable E2M1 encode, mma.sync"),
          clEnumValN(fp4::GpuChip::SM100a, "sm_100a",
                     "Blackwell (B200): E2M1 convert, tcgen05 MMA"))};
};

const char *formatName(BinaryFormat format) {
  switch (format) {
  case BinaryFormat::Isa:
    return "isa";
  case BinaryFormat::Bin:
    return "bin";
  case BinaryFormat::Fatbin:
    return "fatbin";
  }
  return "isa";
}
} // namespace

void fp4::registerPipelines() {
  PassPipelineRegistration<SM100aPipelineOptions>(
      "nvfp4-lower-to-sm100a",
      "Lower nvfp4 ops to sm_100a kernels (hardware converts, tcgen05 MMA) "
      "and serialize them (PTX or cubin); nvfp4-lower-to-gpu{chip=sm_100a}",
      [](OpPassManager &pm, const SM100aPipelineOptions &options) {
        buildNVFP4LowerToGpuPipeline(pm, GpuChip::SM100a,
                                     formatName(options.format), options.host,
                                     options.attention);
      });
  PassPipelineRegistration<GpuPipelineOptions>(
      "nvfp4-lower-to-gpu",
      "Lower nvfp4 ops to kernels for an NVIDIA GPU (chip=sm_90a: Hopper, "
      "runs on the H100/H200; chip=sm_100a: Blackwell, the same as "
      "nvfp4-lower-to-sm100a) and serialize them (PTX, cubin or fatbin); "
      "host=true lowers the host code too",
      [](OpPassManager &pm, const GpuPipelineOptions &options) {
        buildNVFP4LowerToGpuPipeline(pm, options.chip,
                                     formatName(options.format), options.host,
                                     options.attention);
      });
  PassPipelineRegistration<CPUPipelineOptions>(
      "nvfp4-lower-to-cpu",
      "Lower nvfp4 IR on tensors to the LLVM dialect for the host CPU "
      "(nvfp4-decompose-attention, convert-nvfp4-to-arith, bufferization, "
      "LLVM conversions); threads=openmp runs the block loops on OpenMP "
      "threads",
      [](OpPassManager &pm, const CPUPipelineOptions &options) {
        buildNVFP4LowerToCPUPipeline(pm, options.attention, options.threads);
      });
}
