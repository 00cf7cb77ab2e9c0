"""Route constants for every page (one place to change a URL)."""

HOME = "/"
SCHOLARSHIPS = "/scholarships"
SIGN_IN = "/sign-in"
SIGN_UP = "/sign-up"
DASHBOARD = "/dashboard"
PRIVACY = "/privacy"
