//! Query parameters several endpoints share (region, paging, date ranges) and the paged answer.

use serde::{Deserialize, Serialize};

use super::error::ApiError;
use crate::date::Date;

/// A sales region id, as the `region` query parameters accept it.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) enum Region {
    /// Asia Pacific.
    #[serde(rename = "APAC")]
    Apac,
    /// Europe, Middle East and Africa.
    #[serde(rename = "EMEA")]
    Emea,
    /// Latin America.
    #[serde(rename = "LATAM")]
    Latam,
    /// North America.
    #[serde(rename = "NA")]
    Na,
}

impl Region {
    /// The id as stored in the database.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Apac => "APAC",
            Self::Emea => "EMEA",
            Self::Latam => "LATAM",
            Self::Na => "NA",
        }
    }
}

/// Page size when `limit` is absent.
const DEFAULT_LIMIT: u32 = 20;
/// Largest page a client may ask for.
const MAX_LIMIT: u32 = 100;
/// Largest offset accepted (far beyond any table, but bounded as the document says).
const MAX_OFFSET: u32 = 1_000_000;

/// A checked `limit`/`offset` pair, ready to bind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Page {
    pub(crate) limit: i64,
    pub(crate) offset: i64,
}

impl Page {
    /// Applies the defaults and refuses a limit outside 1..=100 or an offset over 1,000,000.
    pub(crate) fn new(limit: Option<u32>, offset: Option<u32>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "limit must be between 1 and {MAX_LIMIT}, got {limit}"
            )));
        }
        let offset = offset.unwrap_or(0);
        if offset > MAX_OFFSET {
            return Err(ApiError::bad_request(format!(
                "offset must be at most {MAX_OFFSET}, got {offset}"
            )));
        }
        Ok(Self {
            limit: i64::from(limit),
            offset: i64::from(offset),
        })
    }
}

/// One page of a list: the items, how many match in all, and the page asked for.
#[derive(Debug, Serialize)]
pub(crate) struct Paged<T> {
    pub(crate) items: Vec<T>,
    pub(crate) total: i64,
    pub(crate) limit: i64,
    pub(crate) offset: i64,
}

impl<T> Paged<T> {
    /// Wraps a page of items with the total and the page parameters.
    pub(crate) fn new(items: Vec<T>, total: i64, page: Page) -> Self {
        Self {
            items,
            total,
            limit: page.limit,
            offset: page.offset,
        }
    }
}

/// An inclusive date range from optional `from`/`to` parameters, checked and normalized to the
/// stored `YYYY-MM-DD` text.
pub(crate) fn date_range(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Option<String>, Option<String>), ApiError> {
    let parse = |name: &str, value: Option<&str>| match value {
        None => Ok(None),
        Some(text) => Date::parse(text).map(Some).ok_or_else(|| {
            ApiError::bad_request(format!(
                "{name} must be a date written YYYY-MM-DD, got {text:?}"
            ))
        }),
    };
    let (from, to) = (parse("from", from)?, parse("to", to)?);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(ApiError::bad_request(format!(
            "from ({f}) is after to ({t}); the range would be empty"
        )));
    }
    Ok((from.map(|d| d.to_string()), to.map(|d| d.to_string())))
}
