"""Commands that produce the artifacts the product ships (each deterministic, each one command):

  python -m train.adapter   index/data/encoder-adapter/   the encoder adapted on the question bank (LoRA)
"""
