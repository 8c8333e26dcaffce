//! What the client sends (`*Form`), what it means once parsed (`NewOrder`), orders as stored
//! (`Order`), and what we answer (`*View`).

mod cancellation;
mod form;
mod guest;
mod money;
mod order;
mod status;
mod view;

pub use self::{
    cancellation::{CancelItemForm, CancellationForm, ITEMS_FIELD, ItemRequest},
    form::{NewOrder, NewOrderItem},
    guest::{GuestBulkCancellationForm, GuestCancellationForm, GuestLookup, GuestLookupForm},
    money::Money,
    order::{CancellationRequest, CancellationType, Order, OrderItem, Reason, RequestStatus},
    status::Status,
    view::{OrderView, ReasonView, request_view},
};
