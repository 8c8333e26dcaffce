//! What the client sends (`*Form`), what it means once parsed (`NewCustomer`, `ProfileChange`,
//! `Credentials`, and the value types), and what we answer (`*View`). Input crosses the boundary
//! once: after parsing, nothing checks an `Email` or a `PhoneNumber` again.

mod attributes;
mod customer;
mod email;
mod form;
mod gender;
mod language;
mod password;
mod phone;
mod profile;
mod registration;
mod view;

pub use self::{
    attributes::AttributesChange,
    customer::Customer,
    email::Email,
    form::LoginForm,
    gender::Gender,
    language::LanguageCode,
    password::{NewPassword, NewPasswordForm, PasswordChangeForm},
    phone::PhoneNumber,
    profile::{ProfileChange, ProfileForm},
    registration::{NewCustomer, RegistrationForm},
    view::{CurrentUserView, KeyView, ProfileView, wire_time},
};

const REQUIRED: &str = "This field is required.";

fn too_long(max: usize) -> String {
    format!("Ensure this field has no more than {max} characters.")
}
