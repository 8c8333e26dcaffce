//! `app.send(method, path)`: the one way a test builds a request, whatever the verb or body.

use std::{future::IntoFuture, pin::Pin};

use reqwest::{Body, RequestBuilder, Response, multipart};
use serde::Serialize;

/// A request on its way: the browser's defaults (cookie jar, CSRF header) until the test says
/// otherwise; awaiting it sends it and gives the [`Response`].
#[must_use = "a request is sent when awaited"]
pub struct TestRequest {
    builder: RequestBuilder,
    /// The `X-CSRFToken` header to add when sending, read from the jar's `csrftoken` cookie.
    csrf_token: Option<String>,
}

impl TestRequest {
    pub(super) fn new(builder: RequestBuilder, csrf_token: Option<String>) -> Self {
        Self {
            builder,
            csrf_token,
        }
    }

    /// A JSON body.
    pub fn json(self, body: &impl Serialize) -> Self {
        self.map(|builder| builder.json(body))
    }

    /// An `application/x-www-form-urlencoded` body.
    pub fn form(self, body: &impl Serialize) -> Self {
        self.map(|builder| builder.form(body))
    }

    /// A `multipart/form-data` body.
    pub fn multipart(self, form: multipart::Form) -> Self {
        self.map(|builder| builder.multipart(form))
    }

    /// A body as the storefront's proxy sends it: JSON text labelled `text/plain;charset=UTF-8`
    /// (`"{}"` for a `DELETE`).
    pub fn text_plain(self, body: impl Into<Body>) -> Self {
        self.header("content-type", "text/plain;charset=UTF-8")
            .body(body)
    }

    /// Raw bytes, with whatever `Content-Type` the test sets (or none).
    pub fn body(self, body: impl Into<Body>) -> Self {
        self.map(|builder| builder.body(body))
    }

    pub fn header(self, name: &str, value: impl AsRef<str>) -> Self {
        self.map(|builder| builder.header(name, value.as_ref()))
    }

    /// Without the `X-CSRFToken` header, as the storefront's server calls the API (the jar's
    /// cookies still go).
    pub fn without_csrf_header(mut self) -> Self {
        self.csrf_token = None;
        self
    }

    /// Without the jar: no cookies and no CSRF header, only the headers the test sets.
    pub fn without_cookies(self) -> Self {
        let (_, request) = self.builder.build_split();
        let request = request.expect("a well-formed request");
        Self {
            builder: RequestBuilder::from_parts(reqwest::Client::new(), request),
            csrf_token: None,
        }
    }

    /// The response, or the transport error (a connection the server closed early).
    pub async fn try_send(self) -> reqwest::Result<Response> {
        let builder = match &self.csrf_token {
            Some(token) => self.builder.header("x-csrftoken", token),
            None => self.builder,
        };
        builder.send().await
    }

    fn map(self, change: impl FnOnce(RequestBuilder) -> RequestBuilder) -> Self {
        Self {
            builder: change(self.builder),
            ..self
        }
    }
}

impl IntoFuture for TestRequest {
    type Output = Response;
    type IntoFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.try_send().await.expect("the server answers") })
    }
}
