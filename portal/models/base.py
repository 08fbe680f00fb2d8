"""The optimistic lock every edited row shares."""
from ..db import BaseModel, execute


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
        Hand-written, as every tick runs it."""
        if seen is None:  # a form without its version: a copy of unknown age
            raise Stale
        meta, version, key = self._meta, self.VERSION, self._meta.primary_key.column_name
        setattr(self, version, seen + 1)

        def values(names):
            return [meta.fields[n].db_value(self.__data__.get(n)) for n in names]

        if self._pk is None:
            names = [n for n in meta.sorted_field_names if n in self.__data__ and n != meta.primary_key.name]
            columns = ", ".join(f'"{meta.fields[n].column_name}"' for n in names)
            row = execute(f'INSERT INTO "{meta.table_name}" ({columns}) VALUES ({", ".join("?" * len(names))}) '
                          f'ON CONFLICT DO NOTHING RETURNING "{key}"', *values(names)).fetchone()
            if row is None:
                raise Stale
            self._pk = row[0]
            return
        names = [*fields, version]
        assignments = ", ".join(f'"{meta.fields[n].column_name}" = ?' for n in names)
        if execute(f'UPDATE "{meta.table_name}" SET {assignments} WHERE "{key}" = ? AND "{version}" = ?',
                   *values(names), self._pk, seen).rowcount != 1:
            raise Stale


