# The daemon's SQLite store, coinjecture.db, read as a chain source (included from chain/CMakeLists.txt;
# paths relative to chain/). See node_store/README.md.
target_sources(forensics_chain PRIVATE
  node_store/columns.cpp
  node_store/genesis_file.cpp
  node_store/node_store_source.cpp
  node_store/sqlite_db.cpp
  node_store/tx_data.cpp
)
