"""What the kitchen model sees and which violations are judged from it (明厨亮灶).

The class ids are the model's: the shipped demo model and every dataset written by
``suyuan vision synth`` use this order.
"""

from __future__ import annotations

from enum import StrEnum

CLASSES: tuple[str, ...] = ("cook", "chef_hat", "mask", "phone", "cigarette", "rodent")


class Violation(StrEnum):
    no_chef_hat = "no_chef_hat"
    no_mask = "no_mask"
    phone_in_use = "phone_in_use"
    smoking = "smoking"
    rodent = "rodent"
