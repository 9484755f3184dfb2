# The read-only RocksDB chain store and its import (included from chain/CMakeLists.txt; paths relative
# to chain/). See store/README.md.
target_sources(forensics_chain PRIVATE
  store/chain_store.cpp
  store/store_db.cpp
  store/store_format.cpp
  store/store_import.cpp
)
