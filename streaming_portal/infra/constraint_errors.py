from __future__ import annotations

from collections.abc import Collection
from typing import ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router


class ConstraintErrorsOnFields(models.Model):
    """Report a database constraint's violation on the form field an editor can fix.

    Django attaches most constraint errors to the whole form; ``constraint_fields`` maps a
    constraint (by the end of its name) to the field whose widget should show the message.
    The constraint stays the single statement of the rule, in the database.
    """

    constraint_fields: ClassVar[dict[str, str]] = {}

    class Meta:
        abstract = True

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        using = router.db_for_write(self.__class__, instance=self)
        errors: dict[str, list[ValidationError]] = {}
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)  # type: ignore[attr-defined]
                except ValidationError as error:
                    field = next(
                        (
                            name
                            for suffix, name in self.constraint_fields.items()
                            if constraint.name.endswith(suffix)
                        ),
                        NON_FIELD_ERRORS,
                    )
                    errors.setdefault(field, []).extend(error.error_list)
        if errors:
            raise ValidationError(errors)
