"""Day-two operations: runbooks, `iapgen doctor` and `iapgen diff`."""
