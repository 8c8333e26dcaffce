//! Orders as stored, with what the customer may do with each item (orders.md §8).

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::Status;

/// How long after delivery (or shipping, when no delivery was seen) an item may be returned:
/// the contract's default, 14 days.
const RETURN_WINDOW: Duration = Duration::days(14);

/// A stored order with its items and their requests.
#[derive(Clone, Debug)]
pub struct Order {
    /// The order system's id.
    pub id: i64,
    /// The order number.
    pub number: String,
    /// The account; `None` for a guest order.
    pub user_id: Option<i64>,
    /// The status the shop set.
    pub status: Status,
    /// When it was placed.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub modified_at: DateTime<Utc>,
    /// The object as sent, without what we compute.
    pub snapshot: Value,
    /// Its lines, in the order sent.
    pub items: Vec<OrderItem>,
}

/// A stored order line.
#[derive(Clone, Debug)]
pub struct OrderItem {
    /// The order system's id.
    pub id: i64,
    /// Its status.
    pub status: Status,
    /// Units on the line.
    pub quantity: i32,
    /// The package's tracking number.
    pub tracking_number: Option<String>,
    /// Where the package can be followed.
    pub tracking_url: Option<String>,
    /// When it was first seen shipped.
    pub shipped_at: Option<DateTime<Utc>>,
    /// When it was first seen delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When it last changed.
    pub modified_at: DateTime<Utc>,
    /// The object as sent, without what we compute.
    pub snapshot: Value,
    /// Every cancellation or return request made for it, oldest first.
    pub requests: Vec<CancellationRequest>,
}

/// `cancel` (not shipped: nothing comes back) or `refund` (a return).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancellationType {
    /// Cancel before shipping.
    Cancel,
    /// Return after shipping.
    Refund,
}

impl CancellationType {
    /// Parses the wire value.
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "cancel" => Ok(Self::Cancel),
            "refund" => Ok(Self::Refund),
            other => Err(format!("\"{other}\" is not a valid choice.")),
        }
    }

    /// The wire and column value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cancel => "cancel",
            Self::Refund => "refund",
        }
    }

    /// The label in `language`.
    pub fn label(self, language: &str) -> &'static str {
        match (self, language) {
            (Self::Cancel, "tr") => "İptal",
            (Self::Refund, "tr") => "İade",
            (Self::Cancel, _) => "Cancel",
            (Self::Refund, _) => "Refund",
        }
    }
}

/// Where a request stands (orders.md §7.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestStatus {
    /// Awaiting the shop's decision.
    Waiting,
    /// Accepted; the return or refund is under way.
    Approved,
    /// Refused.
    Rejected,
    /// Done: the item is cancelled or the refund paid.
    Completed,
}

impl RequestStatus {
    /// Parses the wire and column value.
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "waiting" => Ok(Self::Waiting),
            "approved" => Ok(Self::Approved),
            "rejected" => Ok(Self::Rejected),
            "completed" => Ok(Self::Completed),
            other => Err(format!("\"{other}\" is not a valid choice.")),
        }
    }

    /// The wire and column value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Completed => "completed",
        }
    }

    /// The label in `language`.
    pub fn label(self, language: &str) -> &'static str {
        match (self, language) {
            (Self::Waiting, "tr") => "Bekliyor",
            (Self::Approved, "tr") => "Onaylandı",
            (Self::Rejected, "tr") => "Reddedildi",
            (Self::Completed, "tr") => "Tamamlandı",
            (Self::Waiting, _) => "Waiting",
            (Self::Approved, _) => "Approved",
            (Self::Rejected, _) => "Rejected",
            (Self::Completed, _) => "Completed",
        }
    }

    /// Whether a request in this status is still open: it holds the item.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Waiting | Self::Approved)
    }

    /// Whether the shop may move a request from this status to `next` (orders.md §6.3, §7.3):
    /// a waiting request is approved or rejected, an approved one completed or rejected.
    pub fn may_become(self, next: Self) -> bool {
        matches!(
            (self, next),
            (
                Self::Waiting,
                Self::Approved | Self::Rejected | Self::Completed
            ) | (Self::Approved, Self::Completed | Self::Rejected)
        )
    }
}

/// A cancellation or return request.
#[derive(Clone, Debug)]
pub struct CancellationRequest {
    /// Its id.
    pub id: i64,
    /// The item.
    pub order_item_id: i64,
    /// Cancel or return.
    pub cancellation_type: CancellationType,
    /// Where it stands.
    pub status: RequestStatus,
    /// The reason chosen.
    pub reason_id: i64,
    /// The customer's words.
    pub description: String,
    /// Units asked for.
    pub quantity: i32,
    /// Where a refund goes.
    pub iban: Option<String>,
    /// The IBAN's holder.
    pub holder_name: Option<String>,
    /// The easy-return carrier chosen.
    pub shipping_company: Option<i64>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl OrderItem {
    /// The open request holding this item, if any.
    pub fn active_request(&self) -> Option<&CancellationRequest> {
        self.requests
            .iter()
            .find(|request| request.status.is_open())
    }

    /// Whether the item is cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.status == Status::CANCELLED
    }

    /// Whether the item may be cancelled now.
    pub fn is_cancellable(&self) -> bool {
        self.status.allows_cancel() && self.active_request().is_none()
    }

    /// Whether the item may be returned at `now`: shipped or delivered, within the return
    /// window, and not already asked for.
    pub fn is_refundable(&self, now: DateTime<Utc>) -> bool {
        let window_opened = self.delivered_at.or(self.shipped_at);
        self.status.allows_refund()
            && self.active_request().is_none()
            && window_opened.is_some_and(|opened| now <= opened + RETURN_WINDOW)
    }

    /// Units not yet asked for by an open or completed request.
    pub fn quantity_left(&self) -> i32 {
        let asked: i32 = self
            .requests
            .iter()
            .filter(|request| request.status != RequestStatus::Rejected)
            .map(|request| request.quantity)
            .sum();
        self.quantity - asked
    }
}

impl Order {
    /// The status the customer sees: cancelled or refunded when every item is; "cancellation
    /// waiting" while every item still live has an open request (orders.md §6.3); else the
    /// shop's.
    pub fn shown_status(&self) -> Status {
        if !self.items.is_empty() && self.items.iter().all(OrderItem::is_cancelled) {
            return Status::CANCELLED;
        }
        if !self.items.is_empty()
            && self
                .items
                .iter()
                .all(|item| item.status == Status::REFUNDED)
        {
            return Status::REFUNDED;
        }
        let mut live = self
            .items
            .iter()
            .filter(|item| !item.is_cancelled())
            .peekable();
        if live.peek().is_some() && live.all(|item| item.active_request().is_some()) {
            Status::CANCELLATION_WAITING
        } else {
            self.status
        }
    }
}

/// A reason a customer may give for a cancellation or a return.
#[derive(Clone, Debug)]
pub struct Reason {
    /// Its id.
    pub id: i64,
    /// A stable identifier for other systems.
    pub uuid: String,
    /// What it is offered for.
    pub cancellation_type: CancellationType,
    /// Language code → text.
    pub subjects: serde_json::Map<String, Value>,
    /// Whether a description is expected with it.
    pub extra_information_needed: bool,
    /// Whether it is offered.
    pub is_active: bool,
    /// Sort key.
    pub position: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub modified_at: DateTime<Utc>,
}

impl Reason {
    /// The text in `language`, else English, else any.
    pub fn subject(&self, language: &str) -> String {
        [language, "en"]
            .iter()
            .find_map(|code| self.subjects.get(*code).and_then(Value::as_str))
            .or_else(|| self.subjects.values().find_map(Value::as_str))
            .unwrap_or_default()
            .to_owned()
    }
}
