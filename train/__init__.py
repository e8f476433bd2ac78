"""Commands that produce the artifacts the product ships (each deterministic, each one command):

  python -m train.adapter   index/data/encoder-adapter/        the encoder adapted on the question bank (LoRA)
  python -m train.fit       qa/data/bank_classifier.npz        which passage a question asks about (on the bank)
                            qa/data/evidence_weights.json      the answer ranker, quote shares and coverage model
  python -m train.safety    qa/data/safety_weights.npz         the safety check's classifier (on eval/safety's train split)

Run them in that order after changing the corpus or the bank (the fits read the vectors the adapter shapes), then
measure with `python -m eval --split dev`. `python -m train.ablate` refits without each ranker feature and writes
nothing: it says which features earn their place.
"""
