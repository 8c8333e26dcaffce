//! [`Payload`] reads a body in any format the client sends (JSON, JSON as text/plain,
//! urlencoded, multipart) into the same form type. Rejections are [`ApiError`]s with the
//! documented bodies, never axum's plain-text defaults.

use axum::{
    body::{Body, Bytes},
    extract::{FromRef, FromRequest, Request},
    http::{HeaderMap, header},
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{ApiError, FieldErrors, error::NON_FIELD_ERRORS};

/// A request body parsed into `T`. Every format becomes a JSON object first, so one form type
/// (with the lenient field deserializers of [`super::lenient`]) serves them all.
pub struct Payload<T>(pub T);

/// A body already read and parsed by the CSRF check, kept so it is read only once.
#[derive(Clone)]
pub struct ParsedBody(pub Map<String, Value>);

/// The largest request body read, in bytes (`STOREFRONT_MAX_BODY_BYTES`).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

impl<T, S> FromRequest<S> for Payload<T>
where
    T: DeserializeOwned,
    BodyLimit: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(mut request: Request, state: &S) -> Result<Self, ApiError> {
        let fields = match request.extensions_mut().remove::<ParsedBody>() {
            Some(ParsedBody(fields)) => fields,
            None => {
                let format = BodyFormat::of(request.headers());
                let (parts, body) = request.into_parts();
                let BodyLimit(limit) = BodyLimit::from_ref(state);
                let bytes = read_body(&parts.headers, body, limit).await?;
                parse_body(&format, &bytes).await?
            }
        };
        deserialize(fields).map(Payload)
    }
}

/// How a body is encoded, from its `Content-Type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/json` (and `+json` types).
    Json,
    /// `text/plain` or no content type: the proxy sends `{}` this way.
    Text,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data` with its boundary.
    Multipart(String),
    /// Anything else.
    Other(String),
}

impl BodyFormat {
    /// The format named by the request's `Content-Type`.
    pub fn of(headers: &HeaderMap) -> Self {
        let Some(content_type) = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
        else {
            return Self::Text;
        };
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/json" => Self::Json,
            "text/plain" | "" => Self::Text,
            "application/x-www-form-urlencoded" => Self::Form,
            "multipart/form-data" => match multer::parse_boundary(content_type) {
                Ok(boundary) => Self::Multipart(boundary),
                Err(_) => Self::Other(essence),
            },
            other if other.ends_with("+json") => Self::Json,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// Reads the whole body, refusing more than `limit` bytes with 413.
pub async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        let too_large = std::error::Error::source(&error)
            .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
        if too_large {
            ApiError::PayloadTooLarge { limit }
        } else {
            ApiError::non_field("The request body could not be read.")
        }
    })
}

/// Turns a body into its fields. Empty bodies, and non-JSON text, are no fields at all: the
/// proxy sends `{}` or nothing where no body is needed, and that must never fail.
pub async fn parse_body(
    format: &BodyFormat,
    bytes: &Bytes,
) -> Result<Map<String, Value>, ApiError> {
    let fields = match format {
        _ if bytes.iter().all(u8::is_ascii_whitespace) => Map::new(),
        BodyFormat::Json => parse_json(bytes)?,
        BodyFormat::Text if bytes.trim_ascii_start().starts_with(b"{") => parse_json(bytes)?,
        BodyFormat::Text => Map::new(),
        BodyFormat::Form => parse_form(bytes)?,
        BodyFormat::Multipart(boundary) => parse_multipart(bytes.clone(), boundary).await?,
        BodyFormat::Other(media_type) => {
            return Err(ApiError::UnsupportedMediaType(media_type.clone()));
        }
    };
    let mut errors = FieldErrors::default();
    for (name, value) in &fields {
        if value.as_str().is_some_and(|text| text.contains('\0')) {
            errors.add(name, "Null characters are not allowed.");
        }
    }
    errors.into_result(|| fields)
}

fn parse_json(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(other) => Err(ApiError::non_field(format!(
            "Invalid data. Expected a dictionary, but got {}.",
            json_type_name(&other)
        ))),
        Err(error) => Err(ApiError::non_field(format!("JSON parse error - {error}"))),
    }
}

fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

fn parse_form(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    // form_urlencoded decodes invalid UTF-8 lossily; check first so bad bytes are a 400, not U+FFFD.
    let spaced: Vec<u8> = bytes
        .iter()
        .map(|&byte| if byte == b'+' { b' ' } else { byte })
        .collect();
    let decoded: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    if std::str::from_utf8(&decoded).is_err() {
        return Err(ApiError::non_field("Form data is not valid UTF-8."));
    }
    let mut fields = Map::new();
    for (name, value) in form_urlencoded::parse(bytes) {
        // The first value wins, like the proxy does with repeated query keys.
        fields
            .entry(name.into_owned())
            .or_insert_with(|| Value::String(value.into_owned()));
    }
    Ok(fields)
}

async fn parse_multipart(bytes: Bytes, boundary: &str) -> Result<Map<String, Value>, ApiError> {
    let malformed = |_| ApiError::non_field("Multipart form parse error.");
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut fields = Map::new();
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        let Some(name) = field.name().map(str::to_owned) else {
            continue;
        };
        // Files are not part of any form we read; skip them.
        if field.file_name().is_some() {
            continue;
        }
        let bytes = field.bytes().await.map_err(malformed)?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| ApiError::field(&name, "Form data is not valid UTF-8."))?;
        fields.entry(name).or_insert(Value::String(text));
    }
    Ok(fields)
}

/// Deserializes fields into `T`, naming the field of a type error.
fn deserialize<T: DeserializeOwned>(fields: Map<String, Value>) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(Value::Object(fields)).map_err(|error| {
        let field = match error.path().iter().next() {
            Some(serde_path_to_error::Segment::Map { key }) => key.clone(),
            _ => NON_FIELD_ERRORS.to_owned(),
        };
        ApiError::field(&field, describe_serde_error(&error.inner().to_string()))
    })
}

/// serde's "invalid type: integer `5`, expected a string" → "Incorrect type. Expected a string, but got integer `5`."
fn describe_serde_error(message: &str) -> String {
    if let Some((got, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        return format!("Incorrect type. Expected {expected}, but got {got}.");
    }
    message.to_owned()
}
