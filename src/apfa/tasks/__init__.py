"""Background jobs: one registry of task functions, two engines (local threads, Celery).

Every job is a ``background_tasks`` row first; engines carry only its id. The same
``TaskRuntime.execute`` runs a job in either engine, so no behaviour exists in one only.
"""
