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
/// (with the lenient field deserializers of [`super::lenient`]) serves them all. File parts of a
/// multipart body are dropped; [`PayloadWithFiles`] keeps them.
pub struct Payload<T>(pub T);

/// A request body parsed into `T`, with the file parts of a multipart body (none for other
/// formats), each at most [`BodyLimits::file`] bytes.
pub struct PayloadWithFiles<T> {
    /// The form fields.
    pub form: T,
    /// The files, in the body's order.
    pub files: Vec<FilePart>,
}

/// A file sent in a multipart body. Its name and declared type come from the client: check the
/// content itself before trusting what it is.
#[derive(Debug, Clone)]
pub struct FilePart {
    /// The form field it was sent as.
    pub field: String,
    /// The file name the client gave.
    pub file_name: String,
    /// The content type the client declared.
    pub content_type: Option<String>,
    /// The content.
    pub bytes: Bytes,
}

/// A body already read and parsed by the CSRF check, kept so it is read only once.
#[derive(Clone)]
pub struct ParsedBody {
    fields: Map<String, Value>,
    files: Vec<FilePart>,
}

/// How much of a request body is read (`STOREFRONT_MAX_BODY_BYTES`, `STOREFRONT_MAX_FILE_BYTES`).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// The largest body; a multipart body may carry one file's worth more.
    pub body: usize,
    /// The largest file in a multipart body.
    pub file: usize,
}

impl BodyLimits {
    /// The most bytes read of a body in `format`.
    pub fn of(&self, format: &BodyFormat) -> usize {
        match format {
            BodyFormat::Multipart(_) => self.body.saturating_add(self.file),
            _ => self.body,
        }
    }
}

impl<T, S> FromRequest<S> for PayloadWithFiles<T>
where
    T: DeserializeOwned,
    BodyLimits: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(mut request: Request, state: &S) -> Result<Self, ApiError> {
        let parsed = match request.extensions_mut().remove::<ParsedBody>() {
            Some(parsed) => parsed,
            None => {
                let format = BodyFormat::of(request.headers());
                let (parts, body) = request.into_parts();
                let limits = BodyLimits::from_ref(state);
                let bytes = read_body(&parts.headers, body, limits.of(&format)).await?;
                parse_body(&format, &bytes, limits).await?
            }
        };
        Ok(Self {
            form: deserialize(parsed.fields)?,
            files: parsed.files,
        })
    }
}

impl<T, S> FromRequest<S> for Payload<T>
where
    T: DeserializeOwned,
    BodyLimits: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let PayloadWithFiles { form, .. } = PayloadWithFiles::from_request(request, state).await?;
        Ok(Self(form))
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

/// Turns a body into its fields (and files). Empty bodies, and non-JSON text, are no fields at
/// all: the proxy sends `{}` or nothing where no body is needed, and that must never fail.
pub async fn parse_body(
    format: &BodyFormat,
    bytes: &Bytes,
    limits: BodyLimits,
) -> Result<ParsedBody, ApiError> {
    let (fields, files) = match format {
        _ if bytes.iter().all(u8::is_ascii_whitespace) => (Map::new(), Vec::new()),
        BodyFormat::Json => (parse_json(bytes)?, Vec::new()),
        BodyFormat::Text if bytes.trim_ascii_start().starts_with(b"{") => {
            (parse_json(bytes)?, Vec::new())
        }
        BodyFormat::Text => (Map::new(), Vec::new()),
        BodyFormat::Form => (parse_form(bytes)?, Vec::new()),
        BodyFormat::Multipart(boundary) => {
            parse_multipart(bytes.clone(), boundary, limits.file).await?
        }
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
    errors.into_result(|| ParsedBody { fields, files })
}

impl ParsedBody {
    /// A text field, as the CSRF check reads its token.
    pub fn text_field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }
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

/// Python's name of a JSON value's type, as DRF's messages say it (`dict`, `list`, `str`...).
pub fn json_type_name(value: &Value) -> &'static str {
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

async fn parse_multipart(
    bytes: Bytes,
    boundary: &str,
    file_limit: usize,
) -> Result<(Map<String, Value>, Vec<FilePart>), ApiError> {
    let malformed = |_| ApiError::non_field("Multipart form parse error.");
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut fields = Map::new();
    let mut files = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        let Some(name) = field.name().map(str::to_owned) else {
            continue;
        };
        if let Some(file_name) = field.file_name().map(str::to_owned) {
            let content_type = field.content_type().map(ToString::to_string);
            let bytes = field.bytes().await.map_err(malformed)?;
            if bytes.len() > file_limit {
                return Err(ApiError::field(
                    &name,
                    format!("Ensure this file is no larger than {file_limit} bytes."),
                ));
            }
            files.push(FilePart {
                field: name,
                file_name,
                content_type,
                bytes,
            });
            continue;
        }
        let bytes = field.bytes().await.map_err(malformed)?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| ApiError::field(&name, "Form data is not valid UTF-8."))?;
        fields.entry(name).or_insert(Value::String(text));
    }
    Ok((fields, files))
}

/// Deserializes fields into `T`, naming the field of a type error (for an extractor that looks
/// at the fields before they are parsed).
pub fn deserialize<T: DeserializeOwned>(fields: Map<String, Value>) -> Result<T, ApiError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: BodyLimits = BodyLimits {
        body: 1024,
        file: 8,
    };

    fn multipart(file: &str) -> Bytes {
        Bytes::from(format!(
            "--b\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nhello\r\n\
             --b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
             Content-Type: image/png\r\n\r\n{file}\r\n--b--\r\n"
        ))
    }

    #[tokio::test]
    async fn a_multipart_body_keeps_its_files_beside_its_fields() {
        let format = BodyFormat::Multipart("b".into());

        let parsed = parse_body(&format, &multipart("PNGDATA"), LIMITS)
            .await
            .unwrap();

        assert_eq!(parsed.text_field("message"), Some("hello"));
        assert_eq!(parsed.files.len(), 1);
        let file = &parsed.files[0];
        assert_eq!(
            (file.field.as_str(), file.file_name.as_str()),
            ("file", "a.png")
        );
        assert_eq!(file.content_type.as_deref(), Some("image/png"));
        assert_eq!(&file.bytes[..], b"PNGDATA");
    }

    #[tokio::test]
    async fn a_file_over_the_limit_is_an_error_on_its_field() {
        let format = BodyFormat::Multipart("b".into());

        let Err(ApiError::Validation(errors)) =
            parse_body(&format, &multipart("NINE BYTES"), LIMITS).await
        else {
            panic!("a field error expected");
        };

        let mut expected = FieldErrors::default();
        expected.add("file", "Ensure this file is no larger than 8 bytes.");
        assert_eq!(errors, expected);
    }
}
