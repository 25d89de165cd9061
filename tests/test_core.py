"""Assertions that pin the core's arithmetic (found missing by mutation testing, see README)."""
