"""When a campaign still takes a change. Each rule is one function answering why not (a sentence the user reads)
or None: a route passes it to `refuse`, which answers 409 with that sentence, and a page asks the same function,
so it never offers a form the route would refuse. (The error handler that answers is in pages.py.)"""
from . import clock
from .models import Campaign, Publication


class Refused(Exception):
    """A change the campaign no longer takes; the message says why."""


def refuse(reason: str | None) -> None:
    if reason:
        raise Refused(reason)


def frozen(campaign: Campaign) -> str | None:
    """Closed and archived campaigns are the record: nothing in them changes (the office may reopen a closed one)."""
    if campaign.status == "closed":
        return (f"Đợt thi đua “{campaign.title}” đã kết thúc nên chỉ xem được, không thay đổi được. "
                "Liên hệ Phòng Văn hóa – Xã hội nếu cần mở lại.")
    if campaign.status == "archived":
        return f"Đợt thi đua “{campaign.title}” đã lưu trữ nên chỉ xem được, không thay đổi được."
    return None


def ended(campaign: Campaign) -> str | None:
    """Why units can no longer tick tasks or add evidence: the campaign is frozen, or its end date has passed in
    commune time. The office extends it by moving `ends_on` on in the editor."""
    if campaign.status == "active" and clock.today() > campaign.ends_on:
        return (f"Đợt thi đua đã kết thúc ngày {campaign.ends_on:%d/%m/%Y}; không thể cập nhật thêm. "
                "Liên hệ Phòng Văn hóa – Xã hội nếu cần gia hạn.")
    return frozen(campaign)


def publication_of(campaign: Campaign) -> Publication | None:
    return Publication.get_or_none(Publication.campaign == campaign)


def decided(campaign: Campaign) -> str | None:
    """Once the leader has approved the decision, the campaign's proposals are settled: nothing is decided twice."""
    publication = publication_of(campaign)
    if publication and publication.approved_at:
        return (f"Quyết định khen thưởng số {publication.decision_number} đã được phê duyệt nên không còn gửi, "
                "bình xét, góp ý hay sửa đề nghị khen thưởng của đợt này được nữa.")
    return None


def settled(campaign: Campaign) -> str | None:
    """Why the campaign's proposals take no more change: from proposing to voting and commenting."""
    return frozen(campaign) or decided(campaign)


def comment_window_open(publication: Publication) -> bool:
    """The public may comment through the last day the page promised, 23:59 commune time."""
    return clock.today() <= publication.closes_on


def commenting(publication: Publication) -> str | None:
    """Why the leader must wait: the public may still comment on the list."""
    if comment_window_open(publication):
        return (f"Danh sách đang công khai lấy ý kiến nhân dân đến hết ngày {publication.closes_on:%d/%m/%Y}; "
                "chỉ phê duyệt quyết định được sau thời hạn này.")
    return None
