"""The Reflex app: pages, and the HTTP API mounted on its backend."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import reflex as rx

from scholarlink import routes
from scholarlink.agent.runtime import agent_lifespan
from scholarlink.ai import spelling
from scholarlink.ai.local import load_dictionary
from scholarlink.api import create_api
from scholarlink.core import heap
from scholarlink.core.settings import load_settings_or_exit
from scholarlink.jobs import jobs_lifespan
from scholarlink.observability.logs import configure_logging
from scholarlink.pages import (
    applications,
    auth,
    checkout,
    credits,
    dashboard,
    documents,
    essay_editor,
    essays,
    followed_student,
    following,
    landing,
    letter_upload,
    letters,
    matches,
    notifications,
    oidc_callback,
    organisation,
    organisation_join,
    pricing,
    privacy,
    profile,
    scholarship,
    scholarships,
    shared_accept,
    sharing,
    sign_in,
    sign_up,
    sign_up_confirm,
)
from scholarlink.state.guard import default_exception_handler
from scholarlink.state.session import SessionState
from scholarlink.web_origins import is_trusted_origin

load_settings_or_exit()
configure_logging()

app = rx.App(
    api_transformer=create_api(),
    backend_exception_handler=default_exception_handler,
    head_components=[
        rx.el.meta(name="description", content="Find scholarships you qualify for."),
        rx.script(src="/a11y.js"),
    ],
    stylesheets=["/a11y.css"],
)


@contextlib.asynccontextmanager
async def _trusted_websocket_origins() -> AsyncIterator[None]:
    """Reflex gives the socket server a snapshot of the allowed origins when it builds it; ask
    ours on every handshake instead (the app's origin may be known only once it runs)."""
    if app.sio is not None:
        app.sio.eio.cors_allowed_origins = is_trusted_origin
    yield


def _read_dictionaries_and_settle() -> None:
    """The essay analyser's dictionaries (pronunciation, spelling: scholarlink.ai.local and
    scholarlink.ai.spelling), read as the worker starts rather than by the first analysis
    while students wait; then what start-up built is frozen out of the garbage collector's
    full collections (scholarlink.core.heap)."""
    load_dictionary()
    spelling.load_dictionary()
    heap.settle()


@contextlib.asynccontextmanager
async def _essay_dictionary() -> AsyncIterator[None]:
    """Reads the dictionaries in a thread (see `_read_dictionaries_and_settle`) while the worker
    already serves."""
    reading = asyncio.get_running_loop().run_in_executor(None, _read_dictionaries_and_settle)
    yield
    await reading


app.register_lifespan_task(_trusted_websocket_origins)
app.register_lifespan_task(_essay_dictionary)
app.register_lifespan_task(agent_lifespan)
app.register_lifespan_task(jobs_lifespan)

PUBLIC = SessionState.check_session
# Dynamic routes first (Reflex matches them in order).
app.add_page(
    scholarship.detail_page,
    route=routes.SCHOLARSHIP,
    title="Scholarship · ScholarLink",
    on_load=scholarship.DetailState.load,
)
app.add_page(
    essay_editor.editor_page,
    route=routes.ESSAY_EDITOR,
    title="Essay · ScholarLink",
    on_load=essay_editor.EssayEditorState.load,
)
app.add_page(
    followed_student.followed_student_page,
    route=routes.FOLLOWED_STUDENT,
    title="Following · ScholarLink",
    on_load=followed_student.FollowedStudentState.load,
)
app.add_page(
    landing.landing,
    route=routes.HOME,
    title="ScholarLink — scholarships you qualify for",
    on_load=PUBLIC,
)
app.add_page(
    sign_in.sign_in_page,
    route=routes.SIGN_IN,
    title="Sign in · ScholarLink",
    on_load=auth.AuthState.reset_form,
)
app.add_page(
    sign_up.sign_up_page,
    route=routes.SIGN_UP,
    title="Create your account · ScholarLink",
    on_load=auth.AuthState.reset_form,
)
app.add_page(
    sign_up_confirm.confirm_page,
    route=routes.SIGN_UP_CONFIRM,
    title="Confirm your e-mail · ScholarLink",
    on_load=auth.AuthState.reset_form,
)
app.add_page(
    notifications.notifications_page,
    route=routes.NOTIFICATIONS,
    title="Notifications · ScholarLink",
    on_load=notifications.NotificationsState.load,
)
app.add_page(
    letters.letters_page,
    route=routes.LETTERS,
    title="Recommendation letters · ScholarLink",
    on_load=letters.LettersState.load,
)
app.add_page(
    letter_upload.letter_upload_page,
    route=routes.LETTER_UPLOAD,
    title="Upload a recommendation letter · ScholarLink",
    on_load=letter_upload.LetterUploadState.load,
)
app.add_page(
    sharing.sharing_page,
    route=routes.SHARING,
    title="Sharing · ScholarLink",
    on_load=sharing.SharingState.load,
)
app.add_page(
    shared_accept.accept_page,
    route=routes.SHARED_ACCEPT,
    title="Accept an invitation · ScholarLink",
    on_load=shared_accept.AcceptState.load,
)
app.add_page(
    following.following_page,
    route=routes.SHARED,
    title="Students you follow · ScholarLink",
    on_load=following.FollowingState.load,
)
app.add_page(
    organisation.counsellor_page,
    route=routes.ORGANISATION,
    title="Organisation · ScholarLink",
    on_load=organisation.CounsellorState.load,
)
app.add_page(
    organisation_join.join_page,
    route=routes.ORGANISATION_JOIN,
    title="Your school or foundation · ScholarLink",
    on_load=organisation_join.JoinState.load,
)
app.add_page(
    oidc_callback.oidc_callback_page,
    route=routes.OIDC_CALLBACK,
    title="Signing in · ScholarLink",
    on_load=auth.AuthState.finish_oidc,
)
app.add_page(
    dashboard.dashboard_page,
    route=routes.DASHBOARD,
    title="Dashboard · ScholarLink",
    on_load=dashboard.DashboardState.load,
)
app.add_page(
    profile.profile_page,
    route=routes.PROFILE,
    title="Profile · ScholarLink",
    on_load=profile.ProfileState.load,
)
app.add_page(
    scholarships.discover_page,
    route=routes.SCHOLARSHIPS,
    title="Scholarships · ScholarLink",
    on_load=scholarships.DiscoverState.load,
)
app.add_page(
    matches.matches_page,
    route=routes.MATCHES,
    title="Matches · ScholarLink",
    on_load=matches.MatchesState.load,
)
app.add_page(
    applications.applications_page,
    route=routes.APPLICATIONS,
    title="Applications · ScholarLink",
    on_load=applications.ApplicationsState.load,
)
app.add_page(
    essays.essays_page,
    route=routes.ESSAYS,
    title="Essays · ScholarLink",
    on_load=essays.EssayLibraryState.load,
)
app.add_page(
    credits.credits_page,
    route=routes.CREDITS,
    title="Credits · ScholarLink",
    on_load=credits.CreditsState.load,
)
app.add_page(
    checkout.test_checkout_page,
    route=routes.CREDITS_TEST_CHECKOUT,
    title="Test checkout · ScholarLink",
    on_load=checkout.CheckoutTestState.load,
)
app.add_page(
    documents.documents_page,
    route=routes.DOCUMENTS,
    title="Documents · ScholarLink",
    on_load=documents.DocumentsState.load,
)
app.add_page(
    privacy.privacy_page,
    route=routes.PRIVACY,
    title="Privacy · ScholarLink",
    on_load=privacy.PrivacyState.load,
)
app.add_page(
    pricing.pricing_page,
    route=routes.PRICING,
    title="Pricing · ScholarLink",
    on_load=pricing.PricingState.load,
)
app.add_page(landing.not_found, route="404", title="Page not found · ScholarLink", on_load=PUBLIC)
