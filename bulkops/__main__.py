"""`python -m bulkops` runs the command line."""

from bulkops.cli import main

main()
