"""Training and evaluating bundles: scikit-learn estimators (the ``train`` extra). Serving
never imports this package, so the default install goes without scikit-learn and SciPy."""

from tinbai.extras import require

require("train", "Training and evaluation")
