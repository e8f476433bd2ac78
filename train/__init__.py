"""Fitting commands whose output the product ships as data (python -m train.safety)."""
