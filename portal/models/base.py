"""The optimistic lock every edited row shares."""
from ..db import BaseModel, Slot, run


class Stale(Exception):
    """An edit based on an older version of a row than the one saved, or a new row whose unique key another
    request took first: nothing was written. Each blueprint answers it once: 409, the row as it is now, and what
    the user typed kept."""


class Versioned(BaseModel):
    """A row edited only from the copy the user saw: every saved edit moves its version column on by one."""

    VERSION = "version"

    def save_from(self, seen: int | None, *fields: str) -> None:
        """Saves `fields` as the next version, only while the row is still at `seen`, the version the user's copy
        showed; a row without an id yet is inserted whole, only while its unique key is free. Raises Stale
        otherwise. The one optimistic lock of every edit: the database decides by the row count, so two requests
        that read the same version at the same moment cannot both win (a read, compare, then write could).
        Built once per model and set of fields, as every tick runs it."""
        if seen is None:  # a form without its version: a copy of unknown age
            raise Stale
        model, meta, version = type(self), self._meta, self.VERSION
        setattr(self, version, seen + 1)

        def values(names):
            return {n: meta.fields[n].db_value(self.__data__.get(n)) for n in names}

        if self._pk is None:
            names = tuple(n for n in meta.sorted_field_names if n in self.__data__ and n != meta.primary_key.name)
            row = run(("insert", model, names), lambda: model.insert({meta.fields[n]: Slot(n) for n in names})
                      .on_conflict(action="NOTHING").returning(meta.primary_key), **values(names)).fetchone()
            if row is None:
                raise Stale
            self._pk = row[0]
            return
        names = (*fields, version)
        update = lambda: model.update({meta.fields[n]: Slot(n) for n in names}).where(  # noqa: E731
            meta.primary_key == Slot(" id"), meta.fields[version] == Slot(" seen"))
        if run(("update", model, names), update, **values(names), **{" id": self._pk, " seen": seen}).rowcount != 1:
            raise Stale


