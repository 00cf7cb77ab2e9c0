"""One page, one counter: a Reflex event with no application code and no database."""

import reflex as rx


class CounterState(rx.State):
    count: int = 0

    @rx.event
    def load(self) -> None:
        self.count = 0

    @rx.event
    def increment(self) -> None:
        self.count += 1


def index() -> rx.Component:
    return rx.button(CounterState.count, on_click=CounterState.increment)


app = rx.App()
app.add_page(index, route="/", on_load=CounterState.load)
