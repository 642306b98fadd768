"""The one exception type that reaches the user: a clear Chinese line."""


class UserError(Exception):
    """An error the user can fix; its message is Chinese and shown as is."""
