"""The background jobs APFA runs, registered with the task registry on import.

Both engines import this package: ``apfa serve`` (embedded engine) and ``apfa worker``
(Celery). Job bodies delegate to their domain packages.
"""

from apfa.jobs import definitions

__all__ = ["definitions"]
