"""Unit tests for the OMR training job: /usr/bin/python3 -m unittest discover -s models/train/tests -t ."""
