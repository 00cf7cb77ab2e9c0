"""The local test-mode checkout (development without Stripe keys): a labelled page that
completes or cancels a test purchase through the same fulfilment as Stripe's webhook."""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.ui import error_callout, page_header
from scholarlink.core.errors import ServiceError
from scholarlink.pages.credits import TEST_MODE_BANNER
from scholarlink.services import payments
from scholarlink.state.session import SessionState


class CheckoutTestState(SessionState):
    """The test-mode checkout page (named so pytest never mistakes it for a test class)."""

    purchase_id: int = 0
    package: str = ""
    price: str = ""
    credits: str = ""
    status: str = ""
    error: str = ""
    working: bool = False

    @rx.event
    def load(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.purchase_id, self.package, self.status, self.error, self.working = 0, "", "", "", False
        if not payments.in_test_mode():
            self.error = (
                "Test-mode checkout is only available in development when Stripe is not configured."
            )
            return None
        raw = self.router.url.query_parameters.get("purchase", "")
        try:
            found = (
                payments.get_purchase(user_id=user_id, purchase_id=int(raw))
                if raw.isdigit()
                else None
            )
        except ServiceError:
            found = None
        if found is None or not found.test_mode:
            self.error = "No such test purchase."
            return None
        self.purchase_id = found.id
        self.package = found.package_name
        self.price = found.price
        self.credits = f"{found.credits:,}"
        self.status = found.status
        return None

    @rx.event
    def complete(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        if self.working or not self.purchase_id:
            return None
        self.working = True
        try:
            payments.complete_test_checkout(user_id=user_id, purchase_id=self.purchase_id)
        except ServiceError as exc:
            self.working, self.error = False, exc.message
            return None
        return rx.redirect(f"{routes.CREDITS}?checkout=success&purchase={self.purchase_id}")

    @rx.event
    def cancel(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        if self.purchase_id:
            try:
                payments.cancel_test_checkout(user_id=user_id, purchase_id=self.purchase_id)
            except ServiceError as exc:
                self.error = exc.message
                return None
        return rx.redirect(f"{routes.CREDITS}?checkout=cancel")


def test_checkout_page() -> rx.Component:
    return page(
        page_header("Test checkout", "Development only: no card, no Stripe, no real payment."),
        rx.callout(
            rx.text(
                rx.text.strong(TEST_MODE_BANNER),
                ". This page stands in for Stripe Checkout because Stripe is not configured. "
                "Completing it adds the credits without any payment.",
                as_="span",
            ),
            icon="flask-conical",
            color_scheme="amber",
            width="100%",
        ),
        error_callout(CheckoutTestState.error),
        rx.cond(
            CheckoutTestState.purchase_id > 0,
            rx.card(
                rx.vstack(
                    rx.hstack(
                        rx.heading(CheckoutTestState.package, " package", size="5", as_="h2"),
                        rx.spacer(),
                        rx.badge("Test mode", color_scheme="amber", variant="soft"),
                        width="100%",
                    ),
                    rx.heading(CheckoutTestState.price, size="7"),
                    rx.text(rx.text.strong(CheckoutTestState.credits), " credits"),
                    rx.cond(
                        CheckoutTestState.status == "pending",
                        rx.hstack(
                            rx.button(
                                rx.icon("flask-conical", size=16),
                                "Complete test payment",
                                on_click=CheckoutTestState.complete,
                                loading=CheckoutTestState.working,
                                color_scheme="amber",
                            ),
                            rx.button(
                                "Cancel",
                                on_click=CheckoutTestState.cancel,
                                variant="soft",
                                color_scheme="gray",
                            ),
                            spacing="2",
                        ),
                        rx.text(
                            "This purchase is ",
                            CheckoutTestState.status,
                            ".",
                            color=rx.color("gray", 11),
                        ),
                    ),
                    rx.link("Back to credits", href=routes.CREDITS, size="2"),
                    spacing="3",
                    align="start",
                ),
                width="100%",
                max_width="28rem",
                margin_top="1rem",
            ),
            rx.link("Back to credits", href=routes.CREDITS, size="2"),
        ),
    )


# A page function, not a test: keep pytest from collecting it when a test imports it.
test_checkout_page.__test__ = False
