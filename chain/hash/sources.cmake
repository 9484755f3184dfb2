# SHA-256 backends, merkle roots and the state root (included from chain/CMakeLists.txt; paths relative
# to chain/). Only the kernel files get ISA flags, each its own; never -march=native.
target_sources(forensics_chain PRIVATE
  hash/cpu_features.cpp
  hash/sha256_dispatch.cpp
  hash/sha256_scalar.cpp
  merkle.cpp
  state_root.cpp
)
