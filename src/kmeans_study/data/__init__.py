"""Dataset sources, preprocessing and the prepare step."""
