"""LayerLab: a neural-network playground that trains real PyTorch models."""

__all__ = ["__version__"]

__version__ = "0.1.0"
