"""All database tables (SQLModel, no Reflex imports). Importing this package registers them."""

from scholarlink.models.accounts import AuthIdentity, LoginTicket, User, UserSession
from scholarlink.models.agent import (
    AgentTask,
    DeliveryAttempt,
    OutboxMessage,
    SchedulerLease,
    UsedJti,
)
from scholarlink.models.base import utcnow
from scholarlink.models.catalogue import CatalogueReport, Scholarship
from scholarlink.models.credits import AIUsage, CreditAccount, CreditEntry, Purchase, RateCard
from scholarlink.models.student import (
    Application,
    ApplicationDocument,
    Document,
    Essay,
    EssayVersion,
    Match,
    Notification,
    SpellingIgnore,
    StudentAnswer,
    StudentProfile,
)

__all__ = [
    "AIUsage",
    "AgentTask",
    "Application",
    "ApplicationDocument",
    "AuthIdentity",
    "CatalogueReport",
    "CreditAccount",
    "CreditEntry",
    "DeliveryAttempt",
    "Document",
    "Essay",
    "EssayVersion",
    "LoginTicket",
    "Match",
    "Notification",
    "OutboxMessage",
    "Purchase",
    "RateCard",
    "SchedulerLease",
    "Scholarship",
    "SpellingIgnore",
    "StudentAnswer",
    "StudentProfile",
    "UsedJti",
    "User",
    "UserSession",
    "utcnow",
]
