import numpy as np
import pytest


@pytest.fixture(scope="session")
def blobs():
    """A small float32 blob dataset (600 x 8, 5 true centres) and its labels."""
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=600, n_features=8, centers=5, cluster_std=1.5, random_state=3)
    return np.ascontiguousarray(X, dtype=np.float32), y
