# The parity (shadow-mode) log: Python repr decoding, the record parser and the Prometheus text parser.
target_sources(forensics_chain PRIVATE
  parity/py_repr.cpp
  parity/parity_log.cpp
  parity/prometheus.cpp
)
