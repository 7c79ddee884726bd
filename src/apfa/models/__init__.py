"""SQLAlchemy tables. Importing this package registers every table on ``Base.metadata``."""

from apfa.models.advice import AdviceAnswer, AdviceRequest
from apfa.models.base import Base
from apfa.models.conversation import Conversation, ConversationMessage
from apfa.models.document import Chunk, Document, EmbeddingCache
from apfa.models.index_version import IndexVersion
from apfa.models.market import MarketObservation
from apfa.models.security import (
    ApiKey,
    AuditLog,
    AuthSession,
    LoginThrottle,
    RefreshToken,
    RevokedAccessToken,
)
from apfa.models.task import BackgroundTask
from apfa.models.user import User

__all__ = [
    "AdviceAnswer",
    "AdviceRequest",
    "ApiKey",
    "AuditLog",
    "AuthSession",
    "BackgroundTask",
    "Base",
    "Chunk",
    "Conversation",
    "ConversationMessage",
    "Document",
    "EmbeddingCache",
    "IndexVersion",
    "LoginThrottle",
    "MarketObservation",
    "RefreshToken",
    "RevokedAccessToken",
    "User",
]
