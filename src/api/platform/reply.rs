//! Reading a response, once for every API: its status and the headers the clients act on,
//! then its body up to a limit ([`read`]). A successful FHIR answer is read out of it, or the
//! error that names the service, by `Reply::fhir` (in [`super::errors`], which knows the
//! services' errors).

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};

use crate::error::Trace;
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

    /// What an error made of this reply carries: its status and trace id.
    pub fn trace(&self) -> Trace {
        Trace {
            http_status: Some(self.status),
            trace_id: Some(self.trace_id.clone()),
            ..Trace::default()
        }
    }
}
