//! Order and item statuses (orders.md §7.1): numeric codes sent as strings, localised labels, and
//! what each allows (§8).

use serde::Serialize;
use utoipa::ToSchema;

/// An order or order item status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Status(u16);

/// Every status: code, English label, Turkish label. Ordered by code, which is also how far an
/// item has come (the order's status is its least advanced item's).
const STATUSES: [(u16, &str, &str); 17] = [
    (50, "Cancellation waiting", "İptal onayı bekleniyor"),
    (100, "Cancelled", "İptal edildi"),
    (200, "Waiting", "Bekliyor"),
    (300, "Payment waiting", "Ödeme bekleniyor"),
    (350, "Confirmation waiting", "Onay bekleniyor"),
    (400, "Approved", "Onaylandı"),
    (450, "Preparing", "Hazırlanıyor"),
    (500, "Shipped", "Kargoya verildi"),
    (
        510,
        "Shipped and informed",
        "Kargoya verildi, bilgilendirildi",
    ),
    (520, "Ready for pickup", "Teslim alınmaya hazır"),
    (540, "Attempted delivery", "Teslim edilemedi"),
    (544, "Review started", "İnceleme başladı"),
    (545, "Review waiting", "İnceleme bekleniyor"),
    (546, "Waiting for payment", "Ödeme bekleniyor"),
    (547, "Paid", "Ödendi"),
    (550, "Delivered", "Teslim edildi"),
    (600, "Refunded", "İade edildi"),
];

impl Status {
    /// Cancellation requested, awaiting a decision: shown for an order whose every live item has
    /// an open request (§6.3).
    pub const CANCELLATION_WAITING: Self = Self(50);
    /// Cancelled; will not ship.
    pub const CANCELLED: Self = Self(100);
    /// Handed to the carrier.
    pub const SHIPPED: Self = Self(500);
    /// Delivered.
    pub const DELIVERED: Self = Self(550);
    /// Returned and refunded.
    pub const REFUNDED: Self = Self(600);

    /// The status of a code as the wire writes it (`"400"`).
    pub fn parse(raw: &str) -> Result<Self, String> {
        raw.trim()
            .parse::<u16>()
            .ok()
            .filter(|code| STATUSES.iter().any(|(known, ..)| known == code))
            .map(Self)
            .ok_or_else(|| format!("\"{}\" is not a valid status.", raw.trim()))
    }

    /// The code, as the wire and the `status` columns write it.
    pub fn code(self) -> String {
        self.0.to_string()
    }

    /// Whether an item in this status may still be cancelled: not yet being prepared (§8).
    pub fn allows_cancel(self) -> bool {
        matches!(self.0, 200 | 300 | 350 | 400)
    }

    /// Whether an item in this status may be returned, within the return window (§8).
    pub fn allows_refund(self) -> bool {
        matches!(self.0, 500 | 510 | 520 | 550)
    }

    /// Whether the item has shipped (the return window may start from then).
    pub fn has_shipped(self) -> bool {
        self.allows_refund()
    }

    /// How far along the way an item is: a status may only move to one further along. The return
    /// steps (544–547) come after delivery although their codes are lower.
    fn progress(self) -> u16 {
        match self.0 {
            544..=547 => 560 + (self.0 - 544),
            code => code,
        }
    }

    /// Whether the shop may move an item or order from this status to `next`: forward only;
    /// cancelled and refunded are final; cancelling only before shipping; "cancellation
    /// waiting" is ours to show, never set.
    pub fn may_become(self, next: Self) -> bool {
        match (self.0, next.0) {
            (100 | 600, _) | (_, 50) => false,
            (_, 100) => self.0 <= 450,
            (_, 544..=547 | 600) => {
                self.progress() >= Self::SHIPPED.progress() && next.progress() > self.progress()
            }
            _ => next.progress() > self.progress(),
        }
    }

    /// `{value, label}` with the label in `language` (`tr`, else English).
    pub fn view(self, language: &str) -> CodedView {
        let (_, english, turkish) = STATUSES
            .iter()
            .find(|(code, ..)| *code == self.0)
            .copied()
            .unwrap_or((self.0, "", ""));
        CodedView {
            value: self.code(),
            label: if language == "tr" { turkish } else { english }.to_owned(),
        }
    }
}

/// An enum-with-label on the wire: `{"value": "400", "label": "Approved"}`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CodedView {
    /// The code.
    pub value: String,
    /// Its localised name.
    pub label: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_contracts_codes_parse() {
        assert_eq!(Status::parse(" 400 "), Ok(Status(400)));
        assert!(Status::parse("401").is_err());
        assert!(Status::parse("approved").is_err());
    }

    #[test]
    fn statuses_only_move_forward_and_cancelling_stops_at_shipping() {
        let status = |code: &str| Status::parse(code).expect("a status");
        assert!(status("400").may_become(status("450")));
        assert!(status("550").may_become(status("545")));
        assert!(status("545").may_become(status("600")));
        assert!(status("450").may_become(status("100")));
        assert!(!status("500").may_become(status("100")));
        assert!(!status("550").may_become(status("400")));
        assert!(!status("400").may_become(status("600")));
        assert!(!status("100").may_become(status("400")));
        assert!(!status("400").may_become(status("50")));
        assert!(!status("400").may_become(status("400")));
    }

    #[test]
    fn labels_follow_the_language() {
        assert_eq!(Status(450).view("en").label, "Preparing");
        assert_eq!(Status(450).view("tr").label, "Hazırlanıyor");
        assert_eq!(Status(450).view("de").value, "450");
    }
}
