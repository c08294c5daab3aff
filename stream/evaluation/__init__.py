"""Detection quality, measured: generated scenario campaigns run through the pipeline's pure
core and scored against ground truth (``borderwatch evaluate``; see ``docs/evaluation.md``)."""
