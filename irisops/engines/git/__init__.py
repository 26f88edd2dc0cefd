"""Git on disk with dulwich: bare repositories, their refs, smart HTTP and archives."""
