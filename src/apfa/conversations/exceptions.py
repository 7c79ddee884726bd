from __future__ import annotations

from apfa.core.errors import Conflict, NotFound


class ConversationNotFound(NotFound):
    """No such conversation of the caller's (another user's thread is not found either)."""

    def __init__(self) -> None:
        super().__init__("conversation not found")


class ConversationFull(Conflict):
    code = "conversation_full"


class TooManyConversations(Conflict):
    code = "too_many_conversations"


class TurnConflict(Conflict):
    """Another turn of the same thread was saved while this one was being answered (only
    across processes on SQLite; PostgreSQL locks the thread's row for the turn)."""

    code = "conversation_busy"

    def __init__(self) -> None:
        super().__init__(
            "another message of this conversation was answered at the same time; "
            "send this one again"
        )
