"""Tests of the test machinery: the seam, submission loading, the plugin and
report, and the power of every property against the corpus of wrong
implementations in :mod:`mistakes`."""
