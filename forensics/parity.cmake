# forensics --issue parity-drift: the analysis, its reports and the sample-log generator.
target_sources(forensics_core PRIVATE
  parity_drift.cpp
  drift_classify.cpp
  report_parity_drift.cpp
  parity_gen.cpp
)
