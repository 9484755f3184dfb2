# SHA-256 backends and CPU feature detection (included from chain/CMakeLists.txt; paths relative
# to chain/). Only the kernel files get ISA flags, each its own; never -march=native.
target_sources(forensics_chain PRIVATE
  hash/cpu_features.cpp
  hash/sha256_dispatch.cpp
  hash/sha256_scalar.cpp
)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  target_sources(forensics_chain PRIVATE
    hash/sha256_shani.cpp
    hash/sha256_avx2.cpp
    hash/sha256_avx512.cpp
  )
  set_source_files_properties(hash/sha256_shani.cpp PROPERTIES COMPILE_OPTIONS "-msha;-msse4.1")
  set_source_files_properties(hash/sha256_avx2.cpp PROPERTIES COMPILE_OPTIONS "-mavx2")
  # -fno-tree-reassoc keeps GCC from undoing the AVX-512 round's short dependency chain (see there).
  set_source_files_properties(hash/sha256_avx512.cpp PROPERTIES COMPILE_OPTIONS
                              "-mavx512f;-mavx512bw;-mavx512vl;$<$<CXX_COMPILER_ID:GNU>:-fno-tree-reassoc>")
endif()
