"""Scale-out job execution: the Celery application, its worker processes and beat."""
