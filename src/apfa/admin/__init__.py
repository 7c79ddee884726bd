"""Operator endpoints for jobs, queues, workers and index versions (seed paths
``/api/admin/...``), all answered from the task table, the broker and worker heartbeats."""
