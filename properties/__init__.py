"""Property tests of the catalogue formulas, one ``test_<family>.py`` module per
catalogue family, with the helpers they share (strategies, assertions,
numerical derivatives). Run with ``pytest --pyargs properties [--impl X]``.
"""
