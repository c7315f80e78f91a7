"""Offline PyTorch training, export and evaluation jobs for Stave's models."""
