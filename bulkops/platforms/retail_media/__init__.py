"""Criteo Retail Media: wire names, reads and the product executor."""
