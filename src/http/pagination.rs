//! Lists in the DRF page-number envelope `{"count", "next", "previous", "results"}`, and the
//! query strings that drive them. The proxy rebuilds query strings (first value of each key)
//! and leaves stray spaces in values (`limit=12 `), so every value is trimmed here, once.
//! Every list endpoint pages through these: one envelope, one set of parameters, one 404.

use std::convert::Infallible;

use axum::{
    extract::{FromRequestParts, Path},
    http::{header, request::Parts},
};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::ApiError;

/// Query parameters: the first value of each key, trimmed, in their original order.
#[derive(Debug, Clone, Default)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// Parses a raw query string (`None` is no parameters).
    pub fn parse(raw: Option<&str>) -> Self {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            if !pairs.iter().any(|(seen, _)| *seen == key) {
                pairs.push((key.into_owned(), value.trim().to_owned()));
            }
        }
        Self(pairs)
    }

    /// The trimmed value of `key`, if the key is present (`Some("")` for `?key=`).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }
}

/// A list request: its query parameters and the absolute URL `next`/`previous` are built from.
pub struct ListRequest {
    /// The query parameters.
    pub params: QueryParams,
    base_url: String,
}

impl<S: Send + Sync> FromRequestParts<S> for ListRequest {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .or_else(|| parts.uri.authority().map(|authority| authority.as_str()))
            .unwrap_or("localhost");
        Ok(Self {
            params: QueryParams::parse(parts.uri.query()),
            base_url: format!("http://{host}{}", parts.uri.path()),
        })
    }
}

/// A `{pk}` path segment. Anything but an integer is a 404 like an unknown pk (never axum's
/// plain-text rejection), so ids cannot be told apart by the answer.
pub struct PathPk(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathPk {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound)?;
        raw.trim()
            .parse::<i64>()
            .map(Self)
            .map_err(|_| ApiError::NotFound)
    }
}

/// The paging parameters every list accepts (documentation only; parsed by [`PageRequest`]).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-based page number, or `last`.
    pub page: Option<String>,
    /// Page size; absent, zero or invalid means the list's default.
    pub limit: Option<u64>,
    /// Alias of `limit`.
    pub page_size: Option<u64>,
}

/// Which page of how many rows.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    page: PageNumber,
    size: Option<u64>,
}

#[derive(Debug, Clone, Copy)]
enum PageNumber {
    Number(u64),
    Last,
}

/// The slice of rows a page covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Rows skipped.
    pub offset: u64,
    /// Rows taken at most (`None`: all the rest).
    pub limit: Option<u64>,
}

impl PageRequest {
    /// Reads `page` and `limit` (alias `page_size`). An invalid size falls back to `default_size`
    /// (`None` = everything in one page) and is capped at `max_size`, as DRF does; an invalid
    /// page number is a 404 `Invalid page.`.
    pub fn from_params(
        params: &QueryParams,
        default_size: Option<u64>,
        max_size: Option<u64>,
    ) -> Result<Self, ApiError> {
        let requested = params
            .get("limit")
            .or_else(|| params.get("page_size"))
            .and_then(|value| value.parse::<u64>().ok())
            .filter(|size| *size > 0);
        let size = match (requested, max_size) {
            (Some(size), Some(max)) => Some(size.min(max)),
            (Some(size), None) => Some(size),
            (None, _) => default_size,
        };
        let page = match params.get("page").unwrap_or_default() {
            "" => PageNumber::Number(1),
            "last" => PageNumber::Last,
            number => match number.parse::<u64>() {
                Ok(number) if number > 0 => PageNumber::Number(number),
                _ => return Err(ApiError::InvalidPage),
            },
        };
        Ok(Self { page, size })
    }

    /// The window of page 1, when that is the page asked for: it needs no count to find.
    pub fn first_page(&self) -> Option<Window> {
        matches!(self.page, PageNumber::Number(1)).then_some(Window {
            offset: 0,
            limit: self.size,
        })
    }

    /// The rows of this page out of `count`, or 404 past the last page (page 1 always exists).
    pub fn window(&self, count: u64) -> Result<(u64, Window), ApiError> {
        let pages = match self.size {
            Some(size) => count.div_ceil(size).max(1),
            None => 1,
        };
        let number = match self.page {
            PageNumber::Number(number) if number <= pages => number,
            PageNumber::Number(_) => return Err(ApiError::InvalidPage),
            PageNumber::Last => pages,
        };
        let offset = self.size.map_or(0, |size| (number - 1) * size);
        Ok((
            number,
            Window {
                offset,
                limit: self.size,
            },
        ))
    }
}

/// The DRF list envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// Rows matching the filters, on every page.
    pub count: u64,
    /// Absolute URL of the next page, if any.
    pub next: Option<String>,
    /// Absolute URL of the previous page, if any.
    pub previous: Option<String>,
    /// This page's rows.
    pub results: Vec<T>,
}

impl<T> Page<T> {
    /// Pages rows already in memory.
    pub fn of_all(
        rows: Vec<T>,
        paging: &PageRequest,
        request: &ListRequest,
    ) -> Result<Self, ApiError> {
        let count = rows.len() as u64;
        let (number, window) = paging.window(count)?;
        let skip = usize::try_from(window.offset).unwrap_or(usize::MAX);
        let take = window.limit.map_or(usize::MAX, |limit| {
            usize::try_from(limit).unwrap_or(usize::MAX)
        });
        let results = rows.into_iter().skip(skip).take(take).collect();
        Ok(Self::new(count, number, paging, request, results))
    }

    /// The same page with its rows turned into something else (views).
    pub fn map<U>(self, convert: impl FnMut(T) -> U) -> Page<U> {
        Page {
            count: self.count,
            next: self.next,
            previous: self.previous,
            results: self.results.into_iter().map(convert).collect(),
        }
    }

    /// A page whose rows were fetched for `number`'s window out of `count`.
    pub fn new(
        count: u64,
        number: u64,
        paging: &PageRequest,
        request: &ListRequest,
        results: Vec<T>,
    ) -> Self {
        let pages = paging.size.map_or(1, |size| count.div_ceil(size).max(1));
        Self {
            count,
            next: (number < pages).then(|| request.url_of_page(number + 1)),
            previous: (number > 1).then(|| request.url_of_page(number - 1)),
            results,
        }
    }
}

impl ListRequest {
    // DRF's replace_query_param: page 1 drops `page`; keys come out sorted.
    fn url_of_page(&self, number: u64) -> String {
        let mut pairs: Vec<(&str, String)> = self
            .params
            .0
            .iter()
            .filter(|(key, _)| key != "page")
            .map(|(key, value)| (key.as_str(), value.clone()))
            .collect();
        if number > 1 {
            pairs.push(("page", number.to_string()));
        }
        pairs.sort();
        if pairs.is_empty() {
            return self.base_url.clone();
        }
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("{}?{query}", self.base_url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_trimmed_and_the_first_one_wins() {
        let params = QueryParams::parse(Some("limit=12+&city=&city=4&page=%202"));
        assert_eq!(params.get("limit"), Some("12"));
        assert_eq!(params.get("city"), Some(""));
        assert_eq!(params.get("page"), Some("2"));
        assert_eq!(params.get("country"), None);
    }

    #[test]
    fn without_a_size_everything_is_one_page() {
        let paging = PageRequest::from_params(&QueryParams::default(), None, None).unwrap();
        assert_eq!(
            paging.window(500).unwrap(),
            (
                1,
                Window {
                    offset: 0,
                    limit: None
                }
            )
        );
    }

    #[test]
    fn pages_past_the_last_are_invalid_but_page_one_always_exists() {
        let params = QueryParams::parse(Some("limit=10&page=3"));
        let paging = PageRequest::from_params(&params, None, None).unwrap();
        assert!(paging.window(20).is_err());
        assert_eq!(
            paging.window(21).unwrap(),
            (
                3,
                Window {
                    offset: 20,
                    limit: Some(10)
                }
            )
        );
        let first = PageRequest::from_params(&QueryParams::default(), Some(10), None).unwrap();
        assert!(first.window(0).is_ok());
        assert!(PageRequest::from_params(&QueryParams::parse(Some("page=x")), None, None).is_err());
    }

    #[test]
    fn an_invalid_size_falls_back_to_the_default_and_sizes_are_capped() {
        let paging =
            PageRequest::from_params(&QueryParams::parse(Some("limit=abc")), Some(5), Some(50))
                .unwrap();
        assert_eq!(paging.size, Some(5));
        let paging =
            PageRequest::from_params(&QueryParams::parse(Some("page_size=500")), None, Some(50))
                .unwrap();
        assert_eq!(paging.size, Some(50));
    }
}
