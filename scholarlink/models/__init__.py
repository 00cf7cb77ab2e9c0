"""All database tables (SQLModel, no Reflex imports). Importing this package registers them."""

from scholarlink.models.accounts import (
    AuthIdentity,
    LoginTicket,
    SignUpRequest,
    User,
    UserSession,
)
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
from scholarlink.models.notify import (
    MailSuppression,
    MatchAnnouncement,
    MatchRun,
    NotificationPrefs,
    OutboundMail,
)
from scholarlink.models.sharing import (
    AccessGrant,
    AccessLog,
    Invitation,
    LetterRequest,
    LetterUse,
    Organisation,
    OrganisationMember,
    OrganisationStudent,
    SharedItem,
)
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
    "AccessGrant",
    "AccessLog",
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
    "Invitation",
    "LetterRequest",
    "LetterUse",
    "LoginTicket",
    "MailSuppression",
    "Match",
    "MatchAnnouncement",
    "MatchRun",
    "Notification",
    "NotificationPrefs",
    "Organisation",
    "OrganisationMember",
    "OrganisationStudent",
    "OutboundMail",
    "OutboxMessage",
    "Purchase",
    "RateCard",
    "SchedulerLease",
    "Scholarship",
    "SharedItem",
    "SignUpRequest",
    "SpellingIgnore",
    "StudentAnswer",
    "StudentProfile",
    "UsedJti",
    "User",
    "UserSession",
    "utcnow",
]
