"""SQLAlchemy tables. Importing this package registers every table on ``Base.metadata``."""

from apfa.models.advice import AdviceRequest
from apfa.models.base import Base
from apfa.models.document import Chunk, Document, EmbeddingCache
from apfa.models.index_version import IndexVersion
from apfa.models.user import User

__all__ = ["AdviceRequest", "Base", "Chunk", "Document", "EmbeddingCache", "IndexVersion", "User"]
