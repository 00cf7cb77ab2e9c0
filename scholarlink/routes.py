"""Route constants for every page (one place to change a URL)."""

HOME = "/"
SCHOLARSHIPS = "/scholarships"
SIGN_IN = "/sign-in"
SIGN_UP = "/sign-up"
SIGN_UP_CONFIRM = "/sign-up/confirm"
NOTIFICATIONS = "/notifications"
LETTERS = "/letters"
LETTER_UPLOAD = "/letters/upload"
SHARING = "/sharing"
SHARED = "/shared"
SHARED_ACCEPT = "/shared/accept"
ORGANISATION = "/organisation"
ORGANISATION_JOIN = "/organisation/join"
OIDC_CALLBACK = "/auth/callback"
DASHBOARD = "/dashboard"
PROFILE = "/profile"
MATCHES = "/matches"
APPLICATIONS = "/applications"
ESSAYS = "/essays"
DOCUMENTS = "/documents"
CREDITS = "/credits"
PRIVACY = "/privacy"
PRICING = "/pricing"

# Backend routes the browser is sent to (the session cookie is set and cleared there).
SESSION_START = "/api/session/start"
SESSION_END = "/api/session/end"


def safe_next(target: str | None, default: str = DASHBOARD) -> str:
    """A same-site path to go to after signing in, else `default` (open-redirect guard): it must
    start with one "/", and hold no backslash, no control character and no whitespace (browsers
    drop tabs and newlines, so "/\\t/evil.example" would become "//evil.example")."""
    if (
        not target
        or len(target) > 2000
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 0x21 or ord(c) == 0x7F for c in target)
    ):
        return default
    from urllib.parse import unquote

    decoded = unquote(target)
    if decoded.startswith("//") or "\\" in decoded or any(ord(c) < 0x21 for c in decoded):
        return default
    return target


# essays, documents, credits
ESSAY_ID_ARG = "eid"
ESSAY_EDITOR = f"{ESSAYS}/[{ESSAY_ID_ARG}]"
CREDITS_TEST_CHECKOUT = f"{CREDITS}/test-checkout"


def essay(essay_id: int, *, tool: str | None = None) -> str:
    """The editor of one essay (`tool` opens it with that tool chosen)."""
    return f"{ESSAYS}/{essay_id}" + (f"?tool={tool}" if tool else "")


# matches, scholarships
SCHOLARSHIP = f"{SCHOLARSHIPS}/[sid]"  # the route argument `sid` is the programme's id


def scholarship(scholarship_id: int) -> str:
    """The page of one scholarship."""
    return f"{SCHOLARSHIPS}/{int(scholarship_id)}"


# applications, letters, sharing, organisations
FOLLOWED_STUDENT = f"{SHARED}/[gid]"  # a student someone follows (the route argument: their grant)


def row_id(raw: object) -> int | None:
    """A route or query argument that names a row (digits only, within an INTEGER column), or
    None for anything else."""
    from scholarlink.core.limits import MAX_DB_INT

    text = str(raw or "")
    if not text.isdigit() or len(text) > 10 or not 1 <= int(text) <= MAX_DB_INT:
        return None
    return int(text)


def followed_student(grant_id: int | str) -> str:
    """The page of a student someone follows (`grant_id` may be a frontend var's text)."""
    return f"{SHARED}/{grant_id}"


def shared_accept(token: str) -> str:
    """The invitee's page for one invitation."""
    from urllib.parse import urlencode

    return f"{SHARED_ACCEPT}?{urlencode({'token': token})}"


def shared_document(grant_id: int, document_id: int) -> str:
    """A backend path: a document a student shared under one grant."""
    return f"/api/shared/{grant_id}/documents/{document_id}"


def letter_download(letter_id: int) -> str:
    """A backend path: the student's own recommendation letter."""
    return f"/api/letters/{letter_id}/download"
