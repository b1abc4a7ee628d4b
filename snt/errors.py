"""The package's own exception types.

Every error snt raises on purpose is a ``ValueError``/``TypeError`` naming the parameter, or one of these.
Each subclasses the built-in type a caller would already catch (a damaged file is a ``ValueError``, a held
lock a ``RuntimeError``, a memory refusal a ``MemoryError``), so code written against the built-in types
keeps working. The command line prints any of them as one line and a hint.
"""

__all__ = ["SntError", "DivergenceError", "ConvergenceError", "CorruptFileError", "UnsupportedVersionError",
           "StoreLockedError", "InsufficientMemoryError", "SchedulerUnreachableError", "SweepInterrupted"]


class SntError(Exception):
    """Base of the errors raised by snt itself (not by a library it calls)."""

    #: one line telling the user what to do next (printed by the command line under the message)
    hint = ""


class DivergenceError(SntError, RuntimeError):
    """A trajectory became non-finite where the caller asked for an error (``throw=True``)."""

    hint = "reduce the gain or the noise, or look at the per-trial status variable instead of raising"


class ConvergenceError(SntError, RuntimeError):
    """An iteration did not converge where the caller asked for an error."""

    hint = "raise the iteration limit or loosen the tolerance named above"


class CorruptFileError(SntError, ValueError):
    """A file or store that cannot be read as what it claims to be: truncated, torn, missing chunks, not
    the expected format, or failing its checksum. The message names the file and what is wrong."""

    hint = "the file is damaged or not of this kind: recompute it, or restore it from a copy"


class UnsupportedVersionError(SntError, ValueError):
    """A file written in a layout newer than this snt reads (its format version is above the highest one
    this version knows); the message names both versions."""

    hint = "read it with the snt version that wrote it (named above) or a newer one"


class StoreLockedError(SntError, RuntimeError):
    """Another process is writing the same store (its lock file names the owner)."""

    hint = "wait for the other run to finish; if it is gone, delete the .lock file named above"


class InsufficientMemoryError(SntError, MemoryError):
    """A call would need more memory than the machine has; the message names the parameter and the size."""

    hint = "reduce the parameter named above (or record less), or run on a machine with more memory"


class SchedulerUnreachableError(SntError, ConnectionError):
    """No dask scheduler answers at the given address."""

    hint = "check the address (tcp://HOST:PORT) and that the scheduler is running and reachable"


class SweepInterrupted(KeyboardInterrupt):
    """A stored sweep was interrupted (Ctrl-C): ``saved`` of ``total`` points are in ``store``, and running
    the same sweep again computes only the others. A KeyboardInterrupt, so code that catches one still
    does."""

    def __init__(self, store, saved, total):
        self.store, self.saved, self.total = store, int(saved), int(total)
        super().__init__(f"interrupted: {self.saved}/{self.total} points saved in {store}; run the same command "
                         "to resume")
