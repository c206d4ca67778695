"""Reader tests: the builders of real Word and PDF forms live in formbuilders.py."""
