"""Spreadsheets in and reports out: readers, column checks, writers."""
