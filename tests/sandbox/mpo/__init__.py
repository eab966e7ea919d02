"""Tests of the Criteo MPO API in the sandbox."""
