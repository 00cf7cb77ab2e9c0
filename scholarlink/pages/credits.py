"""The credits page: the balance, the packages to buy (Stripe Checkout, or the labelled test
mode), purchases still pending and the ledger. The test-mode checkout page is
`pages/checkout.py`."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.ui import empty_state, error_callout, page_header, stat
from scholarlink.core.errors import ServiceError
from scholarlink.services import credits as ledger
from scholarlink.services import payments
from scholarlink.state.session import SessionState

KIND_LABELS = {
    "purchase": "Purchase",
    "charge": "AI use",
    "refund": "Refund",
    "grant": "Grant",
    "reversal": "Reversal",
}

TEST_MODE_BANNER = "Test mode — no real payment"


@dataclasses.dataclass(frozen=True)
class EntryRow:
    """One ledger entry, ready to show."""

    when: str
    kind: str
    description: str
    amount: str
    color: str
    after: str


@dataclasses.dataclass(frozen=True)
class PendingRow:
    """A purchase whose checkout was started and not finished."""

    id: str
    package: str
    price: str
    credits: str
    when: str
    mode: str


@dataclasses.dataclass(frozen=True)
class CreditsView:
    """Everything the page shows, read outside the state lock."""

    test_mode: bool
    shop_open: bool
    balance: str
    entries: list[EntryRow]
    pending: list[PendingRow]


def _entry_row(e: ledger.CreditEntryPublic) -> EntryRow:
    return EntryRow(
        when=e.created_at.strftime("%b %-d, %Y %H:%M"),
        kind=KIND_LABELS.get(e.kind, e.kind),
        description=e.description,
        amount=("+" if e.amount_millicredits > 0 else "−")
        + ledger.credits(abs(e.amount_millicredits)),
        color="green" if e.amount_millicredits > 0 else "gray",
        after=ledger.credits(e.balance_after),
    )


def _pending_row(p: payments.PurchasePublic) -> PendingRow:
    return PendingRow(
        id=str(p.id),
        package=p.package_name,
        price=p.price,
        credits=f"{p.credits:,}",
        when=p.created_at.strftime("%b %-d, %Y %H:%M"),
        mode="Test mode" if p.test_mode else "Stripe",
    )


def _view(user_id: int) -> CreditsView:
    mode = payments.checkout_mode()
    found = ledger.statement(user_id=user_id, limit=200)
    return CreditsView(
        test_mode=mode == "test",
        shop_open=mode != "disabled",
        balance=ledger.credits(found.balance_millicredits),
        entries=[_entry_row(e) for e in found.entries],
        pending=[
            _pending_row(p)
            for p in payments.list_purchases(user_id=user_id)
            if p.status == "pending"
        ],
    )


class CreditsState(SessionState):
    balance: str = "0"
    entries: list[EntryRow] = []
    pending: list[PendingRow] = []
    test_mode: bool = False
    shop_open: bool = True
    notice: str = ""
    notice_kind: str = "info"  # success | info
    error: str = ""
    buying: str = ""  # the package (or "resume:<id>") whose checkout is being started

    def _show(self, view: CreditsView) -> None:
        self.test_mode, self.shop_open = view.test_mode, view.shop_open
        self.balance, self.entries, self.pending = view.balance, view.entries, view.pending

    @rx.event
    async def load(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error, self.notice, self.notice_kind, self.buying = "", "", "info", ""
        params = self.router.url.query_parameters
        outcome = params.get("checkout", "")
        if outcome == "cancel":
            self.notice = "Checkout canceled — nothing was charged."
        elif outcome == "success":
            focus: payments.PurchasePublic | None = None
            session_id = params.get("session_id", "")
            purchase_id = params.get("purchase", "")
            try:
                if session_id:
                    # Asks Stripe directly, so credits show even before the webhook arrives.
                    focus = await asyncio.to_thread(
                        lambda: payments.confirm_checkout(
                            user_id=user_id, stripe_session_id=session_id
                        )
                    )
                elif purchase_id.isdigit():
                    focus = payments.get_purchase(user_id=user_id, purchase_id=int(purchase_id))
            except ServiceError:
                focus = None
            if focus is not None and focus.status == "paid":
                self.notice_kind = "success"
                self.notice = (
                    f"Payment complete: {focus.credits:,} credits were added to your balance."
                )
            elif focus is not None and focus.status == "pending":
                self.notice = (
                    "Payment received. Your credits are added as soon as Stripe confirms it "
                    "(usually within seconds); reload this page to see them."
                )
            else:
                self.notice = "Thank you! Your credits are added once the payment is confirmed."
        self._show(_view(user_id))
        return None

    @rx.event(background=True)
    async def buy(self, package: str) -> EventSpec | None:
        async with self:
            user_id = self._user_id()
            if user_id is None:
                return self._sign_in_redirect()
            if self.buying:
                return None  # a checkout is already being started: no second purchase
            self.buying, self.error = package, ""
            base = f"{self.router.url.origin}{routes.CREDITS}"
        try:
            url = await asyncio.to_thread(
                lambda: payments.start_checkout(
                    user_id=user_id,
                    package=package,
                    success_url=f"{base}?checkout=success&session_id={{CHECKOUT_SESSION_ID}}",
                    cancel_url=f"{base}?checkout=cancel",
                    test_checkout_url=routes.CREDITS_TEST_CHECKOUT,
                )
            )
        except ServiceError as exc:
            view = await asyncio.to_thread(_view, user_id)
            async with self:
                self.buying, self.error = "", exc.message
                self._show(view)
            return None
        # Same tab: Stripe's page (another host) through window.location, test mode in-app.
        return rx.redirect(url)

    @rx.event(background=True)
    async def resume(self, purchase_id: str) -> EventSpec | None:
        async with self:
            user_id = self._user_id()
            if user_id is None:
                return self._sign_in_redirect()
            if self.buying or not purchase_id.isdigit():
                return None
            self.buying, self.error = f"resume:{purchase_id}", ""
        try:
            url = await asyncio.to_thread(
                lambda: payments.resume_checkout(
                    user_id=user_id,
                    purchase_id=int(purchase_id),
                    test_checkout_url=routes.CREDITS_TEST_CHECKOUT,
                )
            )
        except ServiceError as exc:
            url, failure = None, exc.message
        else:
            failure = ""
        view = await asyncio.to_thread(_view, user_id)
        async with self:
            self.buying = "" if url is None else self.buying
            self.error = failure
            if url is None and not failure:
                self.notice_kind, self.notice = "success", "That purchase is complete."
            self._show(view)
        return rx.redirect(url) if url else None


def _package_card(p: payments.Package) -> rx.Component:
    bonus = (
        rx.badge(f"+{p.bonus_percent} % bonus", color_scheme="green", variant="soft")
        if p.bonus_percent
        else rx.badge("Base rate", color_scheme="gray", variant="soft")
    )
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading(p.name, size="4", as_="h3"), rx.spacer(), bonus, width="100%"),
            rx.heading(p.price, size="7"),
            rx.text(
                rx.text.strong(f"{p.credits:,}"), " credits", size="3", color=rx.color("gray", 12)
            ),
            rx.text(
                f"{p.credits / (p.amount_cents / 100):,.0f} credits per dollar",
                size="1",
                color=rx.color("gray", 11),
            ),
            rx.button(
                rx.icon("shopping-cart", size=16),
                f"Buy {p.name}",
                on_click=CreditsState.buy(p.key),  # type: ignore[misc]  # background handler
                loading=CreditsState.buying == p.key,
                disabled=(~CreditsState.shop_open) | (CreditsState.buying != ""),
                width="100%",
                aria_label=f"Buy {p.name}: the {p.name} package, {p.credits:,} credits for {p.price}",
            ),
            spacing="2",
            align="start",
            width="100%",
        ),
        width="100%",
    )


def _notice() -> rx.Component:
    return rx.cond(
        CreditsState.notice != "",
        rx.callout(
            CreditsState.notice,
            icon=rx.cond(CreditsState.notice_kind == "success", "circle-check", "info"),
            color_scheme=rx.cond(CreditsState.notice_kind == "success", "green", "blue"),
            role="status",
            width="100%",
        ),
        rx.fragment(),
    )


def _test_mode_banner() -> rx.Component:
    return rx.cond(
        CreditsState.test_mode,
        rx.callout(
            rx.text(
                rx.text.strong(TEST_MODE_BANNER),
                ". Stripe is not configured on this development server: purchases complete "
                "locally and no card is charged.",
                as_="span",
            ),
            icon="flask-conical",
            color_scheme="amber",
            width="100%",
        ),
        rx.fragment(),
    )


def _shop() -> rx.Component:
    return rx.vstack(
        rx.heading("Buy credits", size="4", as_="h2", margin_top="1.5rem"),
        _test_mode_banner(),
        rx.cond(
            CreditsState.shop_open,
            rx.fragment(),
            rx.callout(
                "Buying credits is not available here: Stripe is not configured on this server.",
                icon="circle-slash",
                color_scheme="gray",
                width="100%",
            ),
        ),
        rx.grid(
            *[_package_card(p) for p in payments.PACKAGES.values()],
            columns=rx.breakpoints(initial="1", sm="3"),
            spacing="4",
            width="100%",
        ),
        rx.text(
            "Payments are processed by Stripe; credits never expire.",
            size="1",
            color=rx.color("gray", 11),
        ),
        spacing="3",
        width="100%",
        align="stretch",
    )


def _pending() -> rx.Component:
    return rx.cond(
        CreditsState.pending.length() > 0,
        rx.vstack(
            rx.heading("Pending purchases", size="4", as_="h2", margin_top="1.5rem"),
            rx.text(
                "Waiting for payment. Credits are added once the payment is confirmed.",
                size="2",
                color=rx.color("gray", 11),
            ),
            rx.foreach(
                CreditsState.pending,
                lambda p: rx.card(
                    rx.hstack(
                        rx.badge("Pending", color_scheme="amber", variant="soft"),
                        rx.text(rx.text.strong(p.package), " · ", p.credits, " credits"),
                        rx.text(p.price, color=rx.color("gray", 11)),
                        rx.text(p.when, size="1", color=rx.color("gray", 11)),
                        rx.cond(
                            p.mode == "Test mode",
                            rx.badge("Test mode", color_scheme="amber", variant="outline"),
                            rx.fragment(),
                        ),
                        rx.spacer(),
                        rx.button(
                            "Continue",
                            on_click=CreditsState.resume(p.id),  # type: ignore[misc]  # background handler
                            loading=CreditsState.buying == "resume:" + p.id,
                            disabled=CreditsState.buying != "",
                            variant="soft",
                            size="2",
                        ),
                        align="center",
                        width="100%",
                        wrap="wrap",
                    ),
                    width="100%",
                ),
            ),
            spacing="2",
            width="100%",
            align="stretch",
        ),
        rx.fragment(),
    )


def credits_page() -> rx.Component:
    return page(
        page_header(
            "Credits", "1 credit = $0.001. Every purchase and charge, with the balance after it."
        ),
        rx.vstack(
            _notice(), error_callout(CreditsState.error), spacing="2", width="100%", align="stretch"
        ),
        rx.grid(
            stat("Balance", CreditsState.balance, "coins", "credits"),
            columns=rx.breakpoints(initial="1", sm="3"),
            width="100%",
            margin_top="1rem",
        ),
        _shop(),
        _pending(),
        rx.heading("History", size="4", as_="h2", margin_top="1.5rem", margin_bottom="0.5rem"),
        rx.cond(
            CreditsState.entries.length() > 0,
            rx.fragment(rx.mobile_only(_history_list()), rx.tablet_and_desktop(_history_table())),
            empty_state("receipt", "No entries yet", "Purchases and AI charges appear here."),
        ),
    )


def _history_list() -> rx.Component:
    """The history on a phone: one entry a card (a five-column table would scroll sideways)."""
    return rx.vstack(
        rx.foreach(
            CreditsState.entries,
            lambda e: rx.card(
                rx.hstack(
                    rx.text(e.kind, weight="medium"),
                    rx.spacer(),
                    rx.text(e.amount, color=rx.color(e.color, 11), weight="medium"),
                    width="100%",
                ),
                rx.text(e.description, size="2"),
                rx.text(
                    e.when,
                    " · balance after: ",
                    e.after,
                    size="1",
                    color=rx.color("gray", 11),
                ),
                width="100%",
            ),
        ),
        spacing="2",
        width="100%",
    )


def _history_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("When"),
                rx.table.column_header_cell("What"),
                rx.table.column_header_cell("Detail"),
                rx.table.column_header_cell("Amount", justify="end"),
                rx.table.column_header_cell("Balance", justify="end"),
            )
        ),
        rx.table.body(
            rx.foreach(
                CreditsState.entries,
                lambda e: rx.table.row(
                    rx.table.cell(e.when),
                    rx.table.cell(e.kind),
                    rx.table.cell(e.description),
                    rx.table.cell(
                        rx.text(e.amount, color=rx.color(e.color, 11), weight="medium"),
                        justify="end",
                    ),
                    rx.table.cell(e.after, justify="end"),
                ),
            )
        ),
        variant="surface",
        width="100%",
    )
