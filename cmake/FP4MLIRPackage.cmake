# The installable CMake package: `cmake --install <build> --prefix P` gives
# P/include/fp4 (headers, generated .h.inc, .td), the libraries in P/lib, and
# P/lib/cmake/FP4MLIR/FP4MLIRConfig.cmake with the FP4MLIR:: targets.
include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

set(FP4MLIR_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/FP4MLIR)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/fp4
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/fp4
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h.inc"
  PATTERN "CMakeFiles" EXCLUDE)

# add_mlir_library already installs each library (into its own MLIRTargets
# set, which nothing exports); this puts the same files in our export set.
set(FP4MLIR_EXPORTED_LIBS FP4Numerics ${FP4_MLIR_LIBRARIES})
if(FP4_BUILD_PLUGINS)
  list(APPEND FP4MLIR_EXPORTED_LIBS FP4MLIR FP4DialectPlugin FP4PassPlugin)
endif()
install(TARGETS ${FP4MLIR_EXPORTED_LIBS}
  EXPORT FP4MLIRTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT FP4MLIRTargets
  NAMESPACE FP4MLIR::
  DESTINATION ${FP4MLIR_INSTALL_CMAKEDIR})

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/FP4MLIRConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/FP4MLIRConfig.cmake
  INSTALL_DESTINATION ${FP4MLIR_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
# No stable API yet: a consumer asking for 0.1 gets 0.1.x only.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cmake/FP4MLIRConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/cmake/FP4MLIRConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/FP4MLIRConfigVersion.cmake
  DESTINATION ${FP4MLIR_INSTALL_CMAKEDIR})
