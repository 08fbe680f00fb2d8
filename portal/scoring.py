"""Chấm điểm, xếp loại, xếp hạng: a unit's points from its ticks, its claimed bonuses and the office's changes;
its grade against the campaign's thresholds; its rank among units of its kind. A campaign whose tasks carry no
points has no scores at all, and every page works as it did without them."""
import datetime as dt
import re
from dataclasses import dataclass, field

from .models import GRADES, Adjustment, AreaPoints, Claim, Criterion, Scheme, TaskPoints
from .progress import states_of


@dataclass
class Plan:
    """A campaign's points, read once per page."""

    scheme: Scheme
    task_points: dict  # task id -> points
    area_max: dict  # area id -> the most it counts for
    criteria: list

    @property
    def active(self) -> bool:
        return any(self.task_points.values())


def plan_of(campaign, areas=None) -> Plan:
    areas = campaign.areas_with_tasks() if areas is None else areas
    task_ids = [t.id for a in areas for t in a.task_list]
    points = {r.task_id: r.points for r in TaskPoints.select().where(TaskPoints.task.in_(task_ids))} if task_ids else {}
    area_max = ({r.area_id: r.max_points for r in AreaPoints.select().where(AreaPoints.area.in_([a.id for a in areas]))}
                if areas else {})
    criteria = list(Criterion.select().where(Criterion.campaign == campaign).order_by(Criterion.position, Criterion.id))
    return Plan(Scheme.of(campaign), points, area_max, criteria)


@dataclass
class Line:
    key: str  # "task:<id>" or "criterion:<id>": what an Adjustment names
    label: str
    full: float  # what the line is worth at most (a criterion: its points)
    own: float  # what the unit's ticks or claim give it
    adjustment: Adjustment | None = None
    note: str = ""

    @property
    def value(self) -> float:
        return self.adjustment.points if self.adjustment else self.own


@dataclass
class AreaScore:
    area: object
    lines: list = field(default_factory=list)
    max_points: float = 0  # 0: nothing in this area applies to the unit
    points: float = 0


@dataclass
class UnitScore:
    unit: object
    areas: list = field(default_factory=list)
    criteria: list = field(default_factory=list)  # Lines
    grade: str = ""
    rank: int | None = None

    @property
    def max_points(self) -> float:
        return round(sum(a.max_points for a in self.areas), 1)

    @property
    def points(self) -> float:
        return round(sum(a.points for a in self.areas) + sum(c.value for c in self.criteria), 1)

    @property
    def percent(self) -> float:
        """The score on a scale of 100, which the thresholds read."""
        return round(100 * self.points / self.max_points, 1) if self.max_points else 0.0

    @property
    def grade_label(self) -> str:
        return GRADES[self.grade]


def grade(percent: float, scheme: Scheme) -> str:
    for key in ("excellent", "good", "fair"):
        if percent >= getattr(scheme, key):
            return key
    return "failing"


def score(plan: Plan, areas, unit, states: dict, claims: dict, adjustments: dict) -> UnitScore:
    """`states` (unit id, task id) -> state; `claims` criterion id -> Claim; `adjustments` line -> Adjustment."""
    share = plan.scheme.doing_share / 100
    result = UnitScore(unit)
    for area in areas:
        a = AreaScore(area)
        available = counted = earned = 0
        for task in area.task_list:
            points = plan.task_points.get(task.id) or 0
            if not points or not task.applies_to(unit):
                continue
            available += points
            state = states.get((unit.id, task.id), "todo")
            line = Line(f"task:{task.id}", task.title, points,
                        0 if state == "na" else points if state == "done" else points * share if state == "doing" else 0,
                        adjustments.get(f"task:{task.id}"))
            a.lines.append(line)
            if state != "na" or line.adjustment:
                counted += points
                earned += line.value
        if counted:
            # "Không áp dụng" leaves the area's worth as it is and scales what the rest earned up to it; an area
            # where nothing applies counts for nothing.
            a.max_points = plan.area_max.get(area.id) or available
            a.points = round(earned * a.max_points / counted, 1)
        result.areas.append(a)
    for c in plan.criteria:
        claim = claims.get(c.id)
        claimed = c.points > 0 and claim is not None and claim.claimed
        result.criteria.append(Line(f"criterion:{c.id}", c.title, c.points, c.points if claimed else 0,
                                    adjustments.get(f"criterion:{c.id}"), claim.note if claim else ""))
    result.grade = grade(result.percent, plan.scheme)
    return result


def scores(campaign, units, areas=None, plan: Plan | None = None) -> dict:
    """Unit id -> UnitScore with grade and rank, for `units`; {} when the campaign has no points."""
    areas = campaign.areas_with_tasks() if areas is None else areas
    plan = plan or plan_of(campaign, areas)
    if not plan.active or not units:
        return {}
    states = states_of([t for a in areas for t in a.task_list], units)
    ids = [u.id for u in units]
    claims, adjustments = {}, {}
    if plan.criteria:
        for c in Claim.select().where(Claim.criterion.in_([c.id for c in plan.criteria]), Claim.unit.in_(ids)):
            claims.setdefault(c.unit_id, {})[c.criterion_id] = c
    for adj in Adjustment.select().where(Adjustment.campaign == campaign, Adjustment.unit.in_(ids)):
        adjustments.setdefault(adj.unit_id, {})[adj.line] = adj
    result = {u.id: score(plan, areas, u, states, claims.get(u.id, {}), adjustments.get(u.id, {})) for u in units}
    rank(result.values())
    return result


def rank(unit_scores) -> None:
    """Villages with villages, schools with schools: 1 + how many units of the same kind scored higher, so
    equal scores share a rank and the next one skips (1, 1, 3)."""
    by_kind = {}
    for s in unit_scores:
        by_kind.setdefault(s.unit.kind, []).append(s)
    for group in by_kind.values():
        for s in group:
            s.rank = 1 + sum(other.percent > s.percent for other in group)


def as_json(s: UnitScore | None) -> dict:
    """The score fields of a unit in /api/progress: null without points."""
    if s is None:
        return {"points": None, "max_points": None, "grade": None, "rank": None}
    return {"points": s.points, "max_points": s.max_points, "grade": s.grade_label, "rank": s.rank}


XLSX_HEADER = ["Điểm", "Điểm tối đa", "Xếp loại", "Xếp hạng (cùng loại đơn vị)"]


def xlsx_cells(s: UnitScore) -> list:
    return [s.points, s.max_points, s.grade_label, s.rank]


def unit_score(campaign, unit) -> UnitScore | None:
    """One unit's score, ranked among the campaign's units of its kind; None without points."""
    units = [u for u in campaign.units() if u.kind == unit.kind]
    return scores(campaign, units).get(unit.id)


# Points as plans write them: "… (10 điểm)", "tối đa 20 điểm", and a "Thang điểm" section whose lines give an
# area's points ("Nội dung 1: 30 điểm", "Một là … 30 điểm") or a bonus or deduction ("Cộng 5 điểm: …").
_POINTS = re.compile(r"\s*\(?\s*(?:tối đa\s*)?(\d{1,4})\s*điểm\s*\)?", re.I)
_MAX = re.compile(r"[,;:(–-]?\s*\(?tối đa\s*(\d{1,4})\s*điểm\)?", re.I)
_SCALE_AREA = re.compile(r"(?:Nội dung\s*(\d+)|(Một|Hai|Ba|Bốn|Năm|Sáu|Bảy|Tám|Chín|Mười) là)\b.*?(\d{1,4})\s*điểm", re.I)
_BONUS = re.compile(r"(cộng|thưởng|trừ)\s*(?:tối đa\s*)?(\d{1,4})\s*điểm\s*[:,–-]?\s*(.*)", re.I)
_ORDINALS = ["một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín", "mười"]


def scale_section(paras: list[str]) -> tuple[list[str], list[str]]:
    """The plan without its "Thang điểm" section (whose "Hai là: 30 điểm" would read as a new area), and the
    section's lines: up to the next numbered heading."""
    start = next((i for i, p in enumerate(paras) if re.match(r"(?:[IVXL]+\.|\d+(?:\.\d+)*\.?)?\s*thang điểm", p, re.I)),
                 None)
    if start is None:
        return paras, []
    end = next((j for j in range(start + 1, len(paras)) if re.match(r"[IVXL]+\.\s|\d+\.\s", paras[j])), len(paras))
    return paras[:start] + paras[end:], paras[start + 1:end]


def points_from_plan(scale: list[str], areas: list[dict]) -> list[dict]:
    """Moves the points a plan writes into its proposal: `points` on tasks (taken out of their titles),
    `max_points` on areas (in the area's heading, or in the "Thang điểm" lines `scale`); returns the bonus and
    deduction criteria as [{"title", "points"}]."""
    for area in areas:
        if m := _MAX.search(area["title"]) or _POINTS.search(area["title"]):
            area["max_points"] = int(m.group(1))
            area["title"] = (area["title"][:m.start()] + area["title"][m.end():]).strip(" ,;:–-")
        for task in area["tasks"]:
            if m := _POINTS.search(task["title"]):
                task["points"] = int(m.group(1))
                task["title"] = (task["title"][:m.start()] + task["title"][m.end():]).strip(" ,;:–-")
                task["target"] = _POINTS.sub("", task["target"]).strip(" ,;:–-")
    criteria = []
    for p in scale:
        if m := _BONUS.match(p):
            sign = -1 if m.group(1).lower() == "trừ" else 1
            criteria.append({"title": m.group(3).strip(" .;") or p, "points": sign * int(m.group(2))})
        elif m := _SCALE_AREA.match(p):
            k = int(m.group(1)) if m.group(1) else _ORDINALS.index(m.group(2).lower()) + 1
            if k <= len(areas):
                areas[k - 1]["max_points"] = int(m.group(3))
    return criteria


def import_points(campaign, area, task, area_data: dict, task_data: dict | None) -> None:
    """Keeps the points a proposal carried for a newly created area or task."""
    if task is None and area_data.get("max_points"):
        AreaPoints.create(area=area, max_points=area_data["max_points"])
    if task is not None and task_data.get("points"):
        TaskPoints.create(task=task, points=task_data["points"])


def import_criteria(campaign, data: dict) -> None:
    for i, c in enumerate(data.get("criteria") or []):
        Criterion.create(campaign=campaign, title=c["title"], points=c["points"], position=i)
    if rules := data.get("scheme"):
        due = rules["registration_days"]
        Scheme.create(campaign=campaign, doing_share=rules["doing_share"], excellent=rules["excellent"],
                      good=rules["good"], fair=rules["fair"],
                      registration_due_on=None if due is None else campaign.starts_on + dt.timedelta(days=due))


def follow_start(campaign, moved: dt.timedelta) -> None:
    """The registration deadline counts from the campaign's start, as its default (the 7th day) does: when the
    office moves the start, a deadline it set moves with it."""
    scheme = Scheme.get_or_none(Scheme.campaign == campaign)
    if moved and scheme and scheme.registration_due_on:
        Scheme.update(registration_due_on=scheme.registration_due_on + moved, version=Scheme.version + 1).where(
            Scheme.id == scheme.id).execute()


def scheme_copy(campaign) -> dict:
    """A campaign's points, criteria and rules as a proposal carries them (for its clone): the registration
    deadline as days after the start, so the copy's follows its own dates."""
    areas = campaign.areas_with_tasks()
    plan = plan_of(campaign, areas)
    s = plan.scheme
    due = s.registration_due_on and (s.registration_due_on - campaign.starts_on).days
    return {"points": {t.id: plan.task_points.get(t.id) for a in areas for t in a.task_list},
            "max_points": {a.id: plan.area_max.get(a.id) for a in areas},
            "criteria": [{"title": c.title, "points": c.points} for c in plan.criteria],
            "scheme": {"doing_share": s.doing_share, "excellent": s.excellent, "good": s.good, "fair": s.fair,
                       "registration_days": due}}
