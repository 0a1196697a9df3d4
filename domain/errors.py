"""Named domain errors; each names the input field it is about, where there is one."""

from __future__ import annotations


class TallyError(Exception):
    """Base of every error a command or query reports to its caller."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"error": type(self).__name__, "field": self.field, "message": self.message}


class InvalidInputError(TallyError):
    """A value is missing, malformed or out of range."""


class NotFoundError(TallyError):
    """A referenced thing does not exist."""


class AlreadyExistsError(TallyError):
    """Something with this identity was recorded before."""


class ConflictError(TallyError):
    """Concurrent writes kept colliding; nothing was recorded."""


class IdempotencyKeyReusedError(TallyError):
    """The idempotency key was used before for a different command."""


class StoreNotInitialisedError(TallyError):
    """The database has no Tally tables yet (run ``tally db init``)."""


class InvariantError(TallyError):
    """A command would break a rule of the domain."""


class NotAdoptableError(InvariantError):
    """Only approved items can be adopted."""


class AdoptionBeforeSubmissionError(InvariantError):
    """An item cannot be adopted before it was submitted."""


class AlreadyAdoptedError(InvariantError):
    """The same outlet cannot adopt the same item twice."""


class AuthorNotEnrolledError(InvariantError):
    """An author had left (or had not joined) on the submission date."""


class SharesError(InvariantError):
    """Authors' shares must be positive and sum to one."""


class ChannelMismatchError(InvariantError):
    """An outlet of one channel cannot take an item of the other."""


class WrongStateError(InvariantError):
    """The command does not apply to the item in its present state."""


class NotAuthorisedError(TallyError):
    """The actor's roles do not allow this command."""


class NotAuthenticatedError(TallyError):
    """No valid login, session or token came with the request."""


class TooManyAttemptsError(TallyError):
    """Logins for this account failed too often lately; wait before trying again."""
