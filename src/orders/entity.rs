//! The tables of orders (see `migrations::m0020_orders`). Never leave the area: queries hand out
//! the domain types of [`super::types`].

/// `orders`: one row per order, its object kept as sent.
pub mod order {
    use sea_orm::entity::prelude::*;

    /// An order.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "orders")]
    pub struct Model {
        /// The order system's id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        /// The order number.
        pub number: String,
        /// The account; `None` for a guest order.
        pub user_id: Option<i64>,
        /// The address the order belongs to, lower-cased.
        pub user_email: String,
        /// The status the shop set.
        pub status: String,
        /// When it was placed.
        pub created_at: DateTimeUtc,
        /// When it last changed.
        pub modified_at: DateTimeUtc,
        /// The object as sent, without what we compute.
        pub snapshot: Json,
    }

    /// No relations: queries join by hand.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `order_items`: the lines of an order.
pub mod item {
    use sea_orm::entity::prelude::*;

    /// An order line.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "order_items")]
    pub struct Model {
        /// The order system's id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        /// Its order.
        pub order_id: i64,
        /// Its place in the order.
        pub position: i32,
        /// Its status.
        pub status: String,
        /// Units on the line.
        pub quantity: i32,
        /// The package's tracking number.
        pub tracking_number: Option<String>,
        /// Where the package can be followed.
        pub tracking_url: Option<String>,
        /// When it was first seen shipped.
        pub shipped_at: Option<DateTimeUtc>,
        /// When it was first seen delivered.
        pub delivered_at: Option<DateTimeUtc>,
        /// When it last changed.
        pub modified_at: DateTimeUtc,
        /// The object as sent, without what we compute.
        pub snapshot: Json,
    }

    /// No relations: queries join by hand.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `cancellation_reasons`: what a customer may choose when cancelling or returning.
pub mod reason {
    use sea_orm::entity::prelude::*;

    /// A reason.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "cancellation_reasons")]
    pub struct Model {
        /// Its id, which cancellation bodies send as a string.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        /// A stable identifier for other systems.
        pub uuid: String,
        /// `cancel` or `refund`.
        pub cancellation_type: String,
        /// Language code → text.
        pub subjects: Json,
        /// Whether a description is expected with it.
        pub extra_information_needed: bool,
        /// Whether it is offered.
        pub is_active: bool,
        /// Sort key.
        pub position: i32,
        /// When it was created.
        pub created_at: DateTimeUtc,
        /// When it last changed.
        pub modified_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `cancellation_requests`: a customer's request to cancel or return one item.
pub mod request {
    use sea_orm::entity::prelude::*;

    /// A cancellation or return request.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "cancellation_requests")]
    pub struct Model {
        /// Its id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The item.
        pub order_item_id: i64,
        /// `cancel` or `refund`.
        pub cancellation_type: String,
        /// `waiting`, `approved`, `rejected` or `completed`.
        pub status: String,
        /// The reason chosen.
        pub reason_id: i64,
        /// The customer's words.
        pub description: String,
        /// Units asked for.
        pub quantity: i32,
        /// Where a refund goes, for payments that cannot be refunded to a card.
        pub iban: Option<String>,
        /// The IBAN's holder.
        pub holder_name: Option<String>,
        /// The easy-return carrier chosen.
        pub shipping_company: Option<i64>,
        /// When it was made.
        pub created_at: DateTimeUtc,
        /// When it last changed.
        pub modified_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `order_events`: who changed what of an order, and when.
pub mod event {
    use sea_orm::entity::prelude::*;

    /// One change.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "order_events")]
    pub struct Model {
        /// Its id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The order.
        pub order_id: i64,
        /// The item, when the change is an item's.
        pub order_item_id: Option<i64>,
        /// `customer`, `guest` or `back_office`.
        pub actor: String,
        /// What changed, in words.
        pub change: String,
        /// When.
        pub created_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
