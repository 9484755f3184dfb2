# The daemon-log readers built on io/: prefixes and times, line parsing, the scan and the timeline
# (included from chain/CMakeLists.txt; paths relative to chain/).
target_sources(forensics_chain PRIVATE
  logs/arena.cpp
  logs/classify.cpp
  logs/event_copy.cpp
  logs/file_describe.cpp
  logs/json_object.cpp
  logs/line_parser.cpp
  logs/log_scan.cpp
  logs/log_stream.cpp
  logs/log_time.cpp
  logs/logrus.cpp
  logs/parse_pool.cpp
  logs/timeline.cpp
)
