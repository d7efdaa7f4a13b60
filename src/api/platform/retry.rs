//! Sending a GET on the platform: retries with backoff and `Retry-After`, pacing, the same
//! request id on every attempt, and never resending what may have reached a service that
//! acts on it ([`Resend::OnlyIfNotReached`]).

use std::time::{Duration, Instant, SystemTime};

use reqwest::header::HeaderMap;
use url::Url;

use super::errors::Service;
use super::reply::{self, Reply};
use super::{Client, Mark};
use crate::error::{Error, Kind, Result};
use crate::net::diagnose::is_retryable;
use crate::net::http::{too_large, BodyError, MAX_BODY};

/// Retries after the first attempt, for GETs.
pub const MAX_RETRIES: u32 = 3;
/// The longest `Retry-After` the client waits for; longer ones fail at once with the wait.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// The first backoff step; doubles on each retry, with jitter.
pub(crate) const BACKOFF_BASE: Duration = Duration::from_millis(250);
pub(crate) const BACKOFF_CAP: Duration = Duration::from_secs(4);

/// What a failed attempt may be resent after.
#[derive(Debug, Clone, Copy)]
pub enum Resend {
    /// A silent read (a scheduled search, PDS): any transient failure is retried.
    Freely,
    /// A request the service acts on (an unscheduled CP-IS search notifies the local
    /// authority): only a failure that provably never reached the service is retried (no
    /// connection made, or a 429 spike-arrest answer). A 5xx, a 408, a timeout or a reset
    /// after sending is returned through `in_doubt`, which says it may have reached it.
    OnlyIfNotReached { in_doubt: fn(Error) -> Error },
}

impl Resend {
    fn in_doubt(self) -> Option<fn(Error) -> Error> {
        match self {
            Resend::Freely => None,
            Resend::OnlyIfNotReached { in_doubt } => Some(in_doubt),
        }
    }
}

/// Does a transport error prove the request never reached the service? Only a connection
/// that was never made (DNS, refused, TLS handshake) does.
fn never_sent(e: &reqwest::Error) -> bool {
    e.is_connect() && !e.is_timeout()
}

/// One attempt's result: a reply and its `Retry-After`, or the transport's failure.
type Attempt = std::result::Result<(Reply, Option<Duration>), reqwest::Error>;

/// What to do after an attempt.
enum Next {
    Done(Result<Reply>),
    /// Wait, then try again; `why` is said in the note ("HTTP 503").
    Retry {
        wait: Duration,
        why: String,
    },
}

/// One GET: what it is called, where it goes, what it carries.
pub struct Get<'a> {
    pub service: Service,
    pub what: &'a str,
    pub url: &'a Url,
    pub headers: HeaderMap,
    pub trace_id: String,
    pub resend: Resend,
}

impl Client {
    /// Send a GET with `headers`, retrying 408, 429 and 502-504 (honouring `Retry-After`) and
    /// connection failures, with the same headers each time; under
    /// [`Resend::OnlyIfNotReached`] only 429 and connections never made are retried. Returns
    /// the final reply, whatever its status. `mark` is called before every attempt, after the
    /// pacer has granted it; an error from it stops the request unsent.
    pub async fn send(&self, get: Get<'_>, mark: Option<&Mark>) -> Result<Reply> {
        let mut attempt: u32 = 0;
        loop {
            if let Some(p) = &self.pacer {
                p.wait().await;
            }
            if let Some(mark) = mark {
                mark()?;
            }
            let started = Instant::now();
            let outcome = self.attempt(&get).await?;
            if self.verbose {
                self.log_attempt(&get, &outcome, started, attempt);
            }
            let next = match outcome {
                Ok((reply, retry_after)) => self.after_reply(&get, reply, retry_after, attempt),
                Err(e) => self.after_failure(&get, e, attempt),
            };
            match next {
                Next::Done(result) => return result,
                Next::Retry { wait, why } => {
                    attempt += 1;
                    (self.notify)(&format!(
                        "{}: {why}, retrying in {:.1} s (attempt {} of {})",
                        get.what,
                        wait.as_secs_f64(),
                        attempt + 1,
                        MAX_RETRIES + 1
                    ));
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// One attempt, read with the one reader. A body over the size limit fails at once: the
    /// next answer would be as large.
    async fn attempt(&self, get: &Get<'_>) -> Result<Attempt> {
        let sent = self
            .http
            .get(get.url.clone())
            .headers(get.headers.clone())
            .send()
            .await;
        let resp = match sent {
            Ok(resp) => resp,
            Err(e) => return Ok(Err(e)),
        };
        let (head, body) = reply::read(resp, MAX_BODY).await;
        match body {
            Ok(body) => Ok(Ok((head.reply(body, &get.trace_id), head.retry_after))),
            Err(BodyError::Transport(e)) => Ok(Err(e)),
            Err(BodyError::TooLarge) => {
                let mut err = too_large(get.what);
                err.trace.http_status = Some(head.status);
                err.trace.trace_id = Some(get.trace_id.clone());
                if let Some(in_doubt) = get.resend.in_doubt() {
                    if !matches!(head.status, 401 | 429) {
                        err = in_doubt(err);
                    }
                }
                Err(err)
            }
        }
    }

    /// The `--verbose` line of one attempt. The NHS number never reaches the log: it is in
    /// the query (CP-IS) or is a path segment of digits (PDS).
    fn log_attempt(&self, get: &Get<'_>, outcome: &Attempt, started: Instant, attempt: u32) {
        let result = match outcome {
            Ok((reply, _)) => format!("HTTP {}", reply.status),
            Err(e) if e.is_timeout() => "timed out".to_string(),
            Err(_) => "connection failed".to_string(),
        };
        let path: Vec<&str> = get
            .url
            .path()
            .split('/')
            .map(|seg| {
                if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                    "(number hidden)"
                } else {
                    seg
                }
            })
            .collect();
        (self.notify)(&format!(
            "GET {}{} (query hidden) -> {result} in {} ms, attempt {}, trace id {}",
            get.url.origin().ascii_serialization(),
            path.join("/"),
            started.elapsed().as_millis(),
            attempt + 1,
            get.trace_id
        ));
    }

    /// After an answer: tell the pacer, then return it, or retry a transient one.
    fn after_reply(
        &self,
        get: &Get<'_>,
        reply: Reply,
        retry_after: Option<Duration>,
        attempt: u32,
    ) -> Next {
        if let Some(p) = &self.pacer {
            if reply.status == 429 {
                p.slow_down(retry_after.unwrap_or_else(|| backoff(attempt)));
            } else {
                p.answered();
            }
        }
        let transient = matches!(reply.status, 408 | 429 | 502 | 503 | 504);
        if let Some(in_doubt) = get.resend.in_doubt() {
            if transient && reply.status != 429 {
                return Next::Done(Err(in_doubt(get.service.error(get.what, &reply))));
            }
        }
        if !transient || attempt >= MAX_RETRIES {
            return Next::Done(Ok(reply));
        }
        let wait = match retry_after {
            Some(w) if w > MAX_RETRY_AFTER => {
                let mut err = get.service.error(get.what, &reply);
                err.hint = Some(format!(
                    "the service asked to wait {} s before trying again",
                    w.as_secs()
                ));
                return Next::Done(Err(err));
            }
            Some(w) => w,
            None => backoff(attempt),
        };
        Next::Retry {
            wait,
            why: format!("HTTP {}", reply.status),
        }
    }

    /// After a failure on the way: retry it, or the error (in doubt when it may have been
    /// sent and the service acts on it).
    fn after_failure(&self, get: &Get<'_>, e: reqwest::Error, attempt: u32) -> Next {
        let in_doubt = get
            .resend
            .in_doubt()
            .filter(|_| !never_sent(&e) && !e.is_builder() && !e.is_redirect());
        if in_doubt.is_some() || !is_retryable(&e) || attempt >= MAX_RETRIES {
            let mut err = self.transport_error(e, get.url);
            err.message = format!("{}: {}", get.what, err.message);
            // A usage error (an unusable CA file) never reached the service.
            if err.kind != Kind::Usage {
                err.trace.trace_id = Some(get.trace_id.clone());
                if let Some(in_doubt) = in_doubt {
                    err = in_doubt(err);
                }
            }
            return Next::Done(Err(err));
        }
        Next::Retry {
            wait: backoff(attempt),
            why: "connection failed".into(),
        }
    }
}

/// Exponential backoff with jitter: 250 ms, 500 ms, 1 s, ... capped at 4 s, each scaled by a
/// random factor in [0.5, 1.0].
pub fn backoff(attempt: u32) -> Duration {
    let base = BACKOFF_BASE
        .saturating_mul(1u32 << attempt.min(16))
        .min(BACKOFF_CAP);
    base.mul_f64(0.5 + fastrand::f64() * 0.5)
}

/// The longest `Retry-After` is taken to ask for: a day (anything longer, in seconds or as a
/// date, is read as a day; either is far past [`MAX_RETRY_AFTER`], so it is not waited for).
pub const RETRY_AFTER_BOUND: Duration = Duration::from_secs(24 * 60 * 60);

/// `Retry-After` as seconds or an HTTP date, at most [`RETRY_AFTER_BOUND`].
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs).min(RETRY_AFTER_BOUND));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
            .min(RETRY_AFTER_BOUND),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        let later = SystemTime::now() + Duration::from_secs(120);
        let d = parse_retry_after(&httpdate::fmt_http_date(later)).unwrap();
        assert!(d > Duration::from_secs(100) && d <= Duration::from_secs(120));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-5"), None);
        assert_eq!(
            parse_retry_after("18446744073709551615"),
            Some(RETRY_AFTER_BOUND)
        );
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(RETRY_AFTER_BOUND)
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        for a in 0..10 {
            let d = backoff(a);
            let base = BACKOFF_BASE.saturating_mul(1 << a).min(BACKOFF_CAP);
            assert!(d >= base / 2 && d <= base, "attempt {a}: {d:?}");
        }
    }
}
