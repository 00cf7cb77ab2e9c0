"""The public pricing page: what is free, what costs credits (model calls, by tokens, at the
rate card) and the credit packages as the shop sells them. No sign-in needed."""

from __future__ import annotations

import dataclasses

import reflex as rx

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.ui import page_header
from scholarlink.services import credits as ledger
from scholarlink.services import essays, payments
from scholarlink.state.session import SessionState

FREE: tuple[str, ...] = (
    "Matching and ranking the catalogue, with the reasons for every match",
    "The offline essay assistant: analyse, outline, improve, ideas and tailor",
    "Spelling suggestions, your ignore list, and the essay reuse map",
    "Deadlines, reminders, the calendar feed, documents and applications",
)


@dataclasses.dataclass(frozen=True)
class PackageRow:
    key: str
    name: str
    price: str
    credits: str
    bonus: str


@dataclasses.dataclass(frozen=True)
class PriceRow:
    """A model's price in credits per 1,000 tokens."""

    model: str
    input: str
    output: str


class PricingState(SessionState):
    packages: list[PackageRow] = []
    prices: list[PriceRow] = []
    assistant: str = ""

    @rx.event
    def load(self) -> None:
        self._user_id()  # the navigation shows whether the visitor is signed in
        self.packages = [
            PackageRow(
                key=p.key,
                name=p.name,
                price=p.price,
                credits=f"{p.credits:,}",
                bonus=f"{p.bonus_percent}% bonus credits" if p.bonus_percent else "",
            )
            for p in payments.PACKAGES.values()
        ]
        self.prices = [
            PriceRow(
                model=m.model,
                input=ledger.credits(m.input_per_1k),
                output=ledger.credits(m.output_per_1k),
            )
            for m in ledger.model_prices()
        ]
        quote = essays.tool_quote("analyze")
        self.assistant = (
            "This ScholarLink runs the offline assistant: every essay tool is free."
            if quote.free
            else f"This ScholarLink runs the essay tools on {quote.model}: they cost credits "
            "by the tokens each call uses, and the price is shown before you run one."
        )


def _package(p: rx.Var[PackageRow]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(p.name, size="4", as_="h3"),
            rx.text(p.price, size="6", weight="bold"),
            rx.text(p.credits, " credits", size="3"),
            rx.cond(p.bonus != "", rx.text(p.bonus, size="2"), rx.fragment()),
            spacing="1",
            align="start",
        ),
        size="3",
    )


def pricing_page() -> rx.Component:
    return page(
        page_header("Pricing", "Free where nothing is spent on a model; credits for model calls."),
        rx.vstack(
            rx.heading("Free", size="5", as_="h2"),
            rx.unordered_list(*(rx.list_item(item) for item in FREE)),
            rx.heading("What costs credits", size="5", as_="h2"),
            rx.text(
                "Only calls to a language model. Each one is charged once, from the tokens the "
                "model reports, at these rates (1 credit = $0.001). Nothing is charged when a "
                "call fails.",
            ),
            rx.text(PricingState.assistant, weight="medium", id="pricing-assistant"),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Model"),
                        rx.table.column_header_cell("Credits per 1,000 input tokens"),
                        rx.table.column_header_cell("Credits per 1,000 output tokens"),
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        PricingState.prices,
                        lambda m: rx.table.row(
                            rx.table.cell(m.model),
                            rx.table.cell(m.input),
                            rx.table.cell(m.output),
                        ),
                    )
                ),
                width="100%",
            ),
            rx.heading("Credit packages", size="5", as_="h2"),
            rx.grid(
                rx.foreach(PricingState.packages, _package),
                columns=rx.breakpoints(initial="1", sm="3"),
                spacing="4",
                width="100%",
            ),
            rx.hstack(
                rx.link(rx.button("Create a free account", size="3"), href=routes.SIGN_UP),
                rx.link(
                    rx.button("Browse scholarships", size="3", variant="outline"),
                    href=routes.SCHOLARSHIPS,
                ),
                spacing="3",
                wrap="wrap",
            ),
            spacing="4",
            align="start",
            width="100%",
        ),
    )
