//===- DriverStack.h - Stack size of the fp4-mlir drivers -------*- C++ -*-===//
//
// Part of fp4-mlir. MLIR's parser recurses once per nesting level of its
// input (types, attributes, regions): on the default 8 MiB stack, about
// 15,000 nested parentheses overflow it, and upstream mlir-opt crashes (found
// by fuzzing). fp4-opt and the fuzz targets parse on a thread with this much
// stack instead; the kernel commits it only as far as it is used.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_TOOLS_DRIVERSTACK_H
#define FP4_TOOLS_DRIVERSTACK_H

// fp4-opt in AddressSanitizer builds runs on the main thread instead: with
// clang 14's shared ASan runtime (how the sanitized build links fp4-opt) the
// driver thread aborts when it exits ("failed to deallocate ... unable to
// unmap" in the runtime's thread-local teardown). The fuzz targets link the
// runtime statically and keep the thread, so deep nesting is still fuzzed
// under ASan; deep-nesting.test is not run in the sanitized suite.
#if defined(__SANITIZE_ADDRESS__)
#define FP4_DRIVER_ON_MAIN_THREAD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FP4_DRIVER_ON_MAIN_THREAD 1
#endif
#endif

namespace mlir::fp4 {

inline constexpr unsigned kDriverStackBytes = 512u << 20;

#ifdef FP4_DRIVER_ON_MAIN_THREAD
inline constexpr bool kDriverThread = false;
#else
inline constexpr bool kDriverThread = true;
#endif

} // namespace mlir::fp4

#endif // FP4_TOOLS_DRIVERSTACK_H
