"""Deprecated: moved to latentcut.synthetic.demo."""
from latentcut._moved import moved

moved(__name__, "latentcut.synthetic.demo")
