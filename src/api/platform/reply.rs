//! Reading a response, once for every API: its status and the headers the clients act on,
//! then its body up to a limit ([`read`]); and reading a successful FHIR answer of one type
//! out of it ([`Reply::fhir`]), or the error that names the service.

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};
use serde::de::DeserializeOwned;

use super::errors::{looks_like_html, unreadable, Service};
use crate::error::Result;
use crate::net::http::{read_body, BodyError};

/// A reply as received.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub trace_id: String,
}

/// A response's status and the headers the clients act on, taken before its body is read.
#[derive(Debug, Clone)]
pub struct Head {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    /// `Retry-After`, as seconds or a date (see [`super::parse_retry_after`]).
    pub retry_after: Option<Duration>,
}

impl Head {
    pub fn of(resp: &reqwest::Response) -> Head {
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        Head {
            status: resp.status().as_u16(),
            content_type: header(CONTENT_TYPE),
            location: header(LOCATION),
            retry_after: header(RETRY_AFTER)
                .as_deref()
                .and_then(super::parse_retry_after),
        }
    }

    /// The reply with this status and content type.
    pub fn reply(&self, body: Vec<u8>, trace_id: &str) -> Reply {
        Reply {
            status: self.status,
            content_type: self.content_type.clone(),
            body,
            trace_id: trace_id.to_string(),
        }
    }
}

/// Read `resp`: its head, then its body, at most `limit` bytes.
pub async fn read(
    resp: reqwest::Response,
    limit: usize,
) -> (Head, std::result::Result<Vec<u8>, BodyError>) {
    let head = Head::of(&resp);
    (head, read_body(resp, limit).await)
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A successful FHIR answer of `resource_type` (as `type_of` reads it from the parsed
    /// `T`). Anything else is the error that names `service`: a status other than 2xx, an
    /// HTML page, a body that cannot be read as `T`, or another resource type.
    pub fn fhir<T: DeserializeOwned>(
        &self,
        service: Service,
        what: &str,
        resource_type: &str,
        type_of: impl Fn(&T) -> Option<&str>,
    ) -> Result<T> {
        if !self.is_success() || looks_like_html(self.content_type.as_deref(), &self.body) {
            return Err(service.error(what, self));
        }
        let parsed: T = serde_json::from_slice(&self.body)
            .map_err(|e| unreadable(what, self, &e.to_string()))?;
        if type_of(&parsed) != Some(resource_type) {
            return Err(service.error(what, self));
        }
        Ok(parsed)
    }
}
