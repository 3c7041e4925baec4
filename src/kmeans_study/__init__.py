"""kmeans-study: the library behind the Snakemake workflow.

Importing the package (or any module of it but the backends and loaders that need them) imports
no heavy library, so a fit job pays only for the backend it runs.
"""

__version__ = "0.1.0"
