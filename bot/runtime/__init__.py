"""The running process: settings, configuration, the composition root, the scheduler and
its jobs, and the HTTP server."""
