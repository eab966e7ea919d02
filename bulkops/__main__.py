"""`python -m bulkops` runs the command line."""

from bulkops.launch import main

main()
