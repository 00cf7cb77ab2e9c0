"""One module per page, each with its substate beside it."""
