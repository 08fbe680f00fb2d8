"""Models of the campaign domain, each with the queries that belong to it, by area; every name is importable
from here."""
from .base import Stale, Versioned
from .checks import STATES, Check, ClientWrite, Evidence, set_check
from .council import BASES, AwardRule, Meeting, NominationReturn, VoteMeeting
from .events import Event
from .people import READERS, ROLES, UNIT_KINDS, WATCHERS, Lockout, Unit, User, UserSession
from .round import (
    AWARDS, NOMINATION_STATES, NOMINEE_KINDS, REPORT_STATES, Comment, Nomination, Opinion, Publication, Report, Vote,
    fold,
)
from .sms import SmsIncoming, SmsMessage
from .structure import Area, Campaign, PartOfStructure, Task
from .totals import TotalsStamp, UnitTotal

MODELS = [Unit, User, UserSession, Lockout, Campaign, Area, Task, Check, Event, Report, Nomination, Vote, Comment,
          Publication, Opinion, Evidence, SmsMessage, SmsIncoming, Meeting, AwardRule, VoteMeeting, NominationReturn,
          ClientWrite, UnitTotal, TotalsStamp]

# Registration and scoring live in their own module; imported last, as they build on the models above.
from ..models_emulation import *  # noqa: E402,F401,F403
from ..models_emulation import EMULATION_MODELS  # noqa: E402

MODELS += EMULATION_MODELS
