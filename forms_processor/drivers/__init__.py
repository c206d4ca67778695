"""The drivers: long-running loops over the service API (the folder watcher and its side
tasks). The command line (``cli/``) is a driver too."""
