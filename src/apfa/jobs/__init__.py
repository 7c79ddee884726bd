"""The job engine: one registry of job specs, two engines (local, Celery), the sweeper,
the scheduler and the worker. Every job is a ``background_tasks`` row first; engines
carry only its id, and the same ``TaskRuntime.execute`` runs it in either engine.

The engine imports no domain: domains declare their jobs in their own ``tasks.py`` and
the front door registers them (``apfa.app.jobs``).
"""
