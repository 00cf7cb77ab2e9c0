"""Credits: the balance and every ledger entry, newest first."""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink.components.layout import page
from scholarlink.components.ui import empty_state, page_header, stat
from scholarlink.db import session_scope
from scholarlink.services import credits as ledger
from scholarlink.state.session import SessionState

KIND_LABELS = {
    "purchase": "Purchase",
    "charge": "AI use",
    "refund": "Refund",
    "grant": "Grant",
    "reversal": "Reversal",
}


class CreditsState(SessionState):
    balance: str = "0"
    entries: list[dict[str, str]] = []

    @rx.event
    def load(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        with session_scope() as session:
            self.balance = ledger.credits(ledger.balance(session, user_id))
            self.entries = [
                {
                    "when": e.created_at.strftime("%b %-d, %Y %H:%M"),
                    "kind": KIND_LABELS.get(e.kind, e.kind),
                    "description": e.description,
                    "amount": ("+" if e.amount_millicredits > 0 else "−")
                    + ledger.credits(abs(e.amount_millicredits)),
                    "color": "green" if e.amount_millicredits > 0 else "gray",
                    "after": ledger.credits(e.balance_after),
                }
                for e in ledger.ledger(session, user_id, limit=200)
            ]
        return None


def credits_page() -> rx.Component:
    return page(
        page_header(
            "Credits", "1 credit = $0.001. Every purchase and charge, with the balance after it."
        ),
        rx.grid(
            stat("Balance", CreditsState.balance, "coins", "credits"),
            columns=rx.breakpoints(initial="1", sm="3"),
            width="100%",
        ),
        rx.heading("History", size="4", as_="h2", margin_top="1.5rem", margin_bottom="0.5rem"),
        rx.cond(
            CreditsState.entries.length() > 0,
            rx.table.root(
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
                            rx.table.cell(e["when"]),
                            rx.table.cell(e["kind"]),
                            rx.table.cell(e["description"]),
                            rx.table.cell(
                                rx.text(
                                    e["amount"], color=rx.color(e["color"], 11), weight="medium"
                                ),
                                justify="end",
                            ),
                            rx.table.cell(e["after"], justify="end"),
                        ),
                    )
                ),
                variant="surface",
                width="100%",
            ),
            empty_state("receipt", "No entries yet", "Purchases and AI charges appear here."),
        ),
    )
