"""A select the compiler may not turn into a branch.

LLVM compiles ``a if condition else b`` into a conditional jump when one side loads from memory, which
is right when the condition is predictable and costly when it is a coin flip: an alias-method draw keeps
its bucket or takes the alias with probabilities that depend on the weights, and each mispredicted jump
costs more than the draw itself (two draws of a name: 25 ns with the jump, 7.7 ns without, one thread).
``pick`` emits LLVM's ``select`` marked ``!unpredictable``, which stays a conditional move.
"""

from __future__ import annotations

from typing import Any

from numba import types
from numba.core.errors import TypingError
from numba.extending import intrinsic

__all__ = ["pick"]


@intrinsic
def _pick(typingctx: Any, condition: Any, if_true: Any, if_false: Any) -> Any:
    # Numbers only: a select of reference-counted values (arrays) would skip their reference counting.
    numbers = isinstance(if_true, types.Number) and if_true == if_false
    if not (isinstance(condition, types.Boolean) and numbers):
        raise TypingError(f"pick(boolean, x, y) takes two numbers of one type, not {if_true} and {if_false}")

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        chosen = builder.select(args[0], args[1], args[2])
        chosen.set_metadata("unpredictable", builder.module.add_metadata([]))
        return chosen

    return if_true(condition, if_true, if_false), codegen


pick: Any = _pick
"""``if_true if condition else if_false``, without a branch (both values are computed)."""
