"""The web page: a second screen over the same library (``FormsApp``), served by ``forms web``."""
