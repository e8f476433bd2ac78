"""Speed, memory and scale of the product (not its answers: that is eval/). Writes bench/reports/.

  python -m bench.bench     bench/reports/bench.md, bench.json, scale.png   latency, memory, encoders, scale curve
  python -m bench.load      bench/reports/load.md                           many users at once against the app
  python -m bench.synth     a synthetic corpus of any size (real sentences recombined)
"""
