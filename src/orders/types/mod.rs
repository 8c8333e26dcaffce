//! What the client sends (`*Form`), what it means once parsed (`NewOrder`), orders as stored
//! (`Order`), and what we answer (`*View`).

mod form;
mod money;
mod order;
mod status;
mod view;

pub use self::{
    form::{NewOrder, NewOrderItem},
    money::Money,
    order::{CancellationRequest, CancellationType, Order, OrderItem, Reason, RequestStatus},
    status::Status,
    view::{OrderView, ReasonView},
};
