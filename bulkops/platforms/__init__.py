"""Platform adapters: wire names, endpoints and executors per API."""
