# Line reading over plain/zstd/gzip containers, and the huge-page memory of its buffers (included from
# chain/CMakeLists.txt; paths relative to chain/).
target_sources(forensics_chain PRIVATE
  io/decoders.cpp
  io/huge_pages.cpp
  io/json_spans.cpp
  io/input_spool.cpp
  io/line_reader.cpp
)
