"""gradoracle: grade implementations of the formulas of introductory deep learning.

The machinery behind the suite: the call seam (:mod:`gradoracle.seam`), loading
submissions (:mod:`gradoracle.submission`), the pytest plugin
(:mod:`gradoracle.plugin`), Hypothesis profiles and the grade report.
"""

__version__ = "0.1.0"
