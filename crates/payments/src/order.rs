//! Orders, the pure part: statuses and the moves between them, shipment statuses, and
//! the order number a buyer quotes. The API keeps the rest (items, amounts, address).

/// Where an order is, from the seller's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    /// Placed, not paid yet.
    Pending,
    Paid,
    /// Being prepared.
    Processing,
    Shipped,
    Delivered,
    Canceled,
    Refunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Processing,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Canceled,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Processing => "processing",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Canceled => "canceled",
            OrderStatus::Refunded => "refunded",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        OrderStatus::ALL.into_iter().find(|status| status.as_str() == value)
    }

    /// Whether an order may move from `self` to `next`. Orders move forward only; a
    /// canceled or refunded order is final. Refunds are possible once paid.
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        match (self, next) {
            (from, to) if from == to => true,
            (Pending, Paid | Canceled) => true,
            (Paid, Processing | Shipped | Delivered | Canceled | Refunded) => true,
            (Processing, Shipped | Delivered | Canceled | Refunded) => true,
            (Shipped, Delivered | Refunded) => true,
            (Delivered, Refunded) => true,
            _ => false,
        }
    }
}

/// Where a parcel is, as the carrier reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShipmentStatus {
    LabelCreated,
    InTransit,
    OutForDelivery,
    Delivered,
    /// Held, returned, lost: the carrier needs someone to act.
    Exception,
}

impl ShipmentStatus {
    pub const ALL: [ShipmentStatus; 5] = [
        ShipmentStatus::LabelCreated,
        ShipmentStatus::InTransit,
        ShipmentStatus::OutForDelivery,
        ShipmentStatus::Delivered,
        ShipmentStatus::Exception,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ShipmentStatus::LabelCreated => "label_created",
            ShipmentStatus::InTransit => "in_transit",
            ShipmentStatus::OutForDelivery => "out_for_delivery",
            ShipmentStatus::Delivered => "delivered",
            ShipmentStatus::Exception => "exception",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        ShipmentStatus::ALL.into_iter().find(|status| status.as_str() == value)
    }
}

/// The longest order number.
pub const ORDER_NUMBER_LENGTH_MAX: usize = 40;

/// An order number as buyers write it, normalised: `#1001` and ` 1001 ` are `1001`.
/// Letters, digits and dashes only, at most [`ORDER_NUMBER_LENGTH_MAX`].
pub fn normalize_order_number(value: &str) -> Option<String> {
    let trimmed = value.trim().trim_start_matches('#').trim();
    let valid = !trimmed.is_empty()
        && trimmed.len() <= ORDER_NUMBER_LENGTH_MAX
        && trimmed.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-');
    valid.then(|| trimmed.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_move_forward_only() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
            assert!(status.can_become(status));
        }
        assert!(OrderStatus::Pending.can_become(OrderStatus::Paid));
        assert!(OrderStatus::Shipped.can_become(OrderStatus::Delivered));
        assert!(!OrderStatus::Delivered.can_become(OrderStatus::Shipped));
        assert!(!OrderStatus::Canceled.can_become(OrderStatus::Paid));
        assert!(!OrderStatus::Pending.can_become(OrderStatus::Refunded));
        assert!(OrderStatus::parse("lost").is_none());
        for status in ShipmentStatus::ALL {
            assert_eq!(ShipmentStatus::parse(status.as_str()), Some(status));
        }
    }

    #[test]
    fn order_numbers_normalise() {
        assert_eq!(normalize_order_number(" #1001 ").as_deref(), Some("1001"));
        assert_eq!(normalize_order_number("tw-88a").as_deref(), Some("TW-88A"));
        assert_eq!(normalize_order_number("10 01"), None);
        assert_eq!(normalize_order_number("#"), None);
        assert_eq!(normalize_order_number(&"1".repeat(41)), None);
    }
}
