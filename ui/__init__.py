"""The app's presentation layer: answer and source-card formatting, the browse view, the feedback store.

Everything here turns corpus and user text into HTML with `html.escape`, so nothing a user types or a
document contains is ever interpreted as markup or script.
"""
