# IPFS CIDv0: base58btc, parsing, the UnixFS dag-pb DAG `ipfs add` builds, content files (included from
# chain/CMakeLists.txt; paths relative to chain/). See include/forensics/cid.h.
target_sources(forensics_chain PRIVATE
  cid/cid_text.cpp
  cid/cid_dag.cpp
  cid/content_file.cpp
)
