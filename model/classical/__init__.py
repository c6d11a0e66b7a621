"""The classical bundle kind: TF-IDF topic classifier + cue/theme campaign detector.

Small (a few MB), fast on one core, and trainable in minutes: it is the bundle ``make serve``
ships and the baseline every transformer bundle must beat.
"""
