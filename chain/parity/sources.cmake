# The parity (shadow-mode) log: Python repr decoding, the line prefixes and record texts, the record
# parser and the Prometheus text parser.
target_sources(forensics_chain PRIVATE
  parity/py_repr.cpp
  parity/parity_log.cpp
  parity/parity_prefix.cpp
  parity/parity_text.cpp
  parity/prometheus.cpp
)
