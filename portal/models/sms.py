"""Text messages through the modem gateway."""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..clock import utc_now
from ..db import BaseModel
from .people import Unit
from .structure import Campaign


class SmsMessage(BaseModel):
    """An SMS the portal put in the gateway's outbox (`gateway_id` is gammu-smsd's outbox ID), and what became of it."""

    SUBJECT = "sms"
    SNAPSHOT = ("number", "text", "gateway_id")

    gateway_id = IntegerField(index=True)
    number = CharField()
    text = TextField()
    kind = CharField()  # reminder | reply
    unit = ForeignKeyField(Unit, null=True, on_delete="SET NULL")
    campaign = ForeignKeyField(Campaign, null=True, on_delete="SET NULL")
    state = CharField(default="queued")  # queued | sent | failed
    queued_at = DateTimeField(default=utc_now)
    state_at = DateTimeField(default=utc_now)  # when the portal learned the state


class SmsIncoming(BaseModel):
    """An SMS read from the gateway's inbox; its inbox ID is unique, so a message is applied once."""

    SUBJECT = "sms-in"

    gateway_id = IntegerField(unique=True)
    number = CharField()
    text = TextField()
    unit = ForeignKeyField(Unit, null=True, on_delete="SET NULL")
    outcome = CharField()  # set | list | malformed | unknown | shared | refused
    received_at = DateTimeField(default=utc_now)
