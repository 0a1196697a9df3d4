"""Province-scale benchmarks: a deterministic generator and the measurements of issue 8."""
