# Line reading over plain/zstd/gzip containers (io/) and the log readers built on it (logs/).
target_sources(forensics_chain PRIVATE
  io/decoders.cpp
  io/json_spans.cpp
  io/input_spool.cpp
  io/line_reader.cpp
  logs/arena.cpp
  logs/line_parser.cpp
  logs/log_scan.cpp
  logs/log_time.cpp
  logs/timeline.cpp
)
