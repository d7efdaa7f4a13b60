//! The state a running sandbox keeps, below every service that reads or changes it: the
//! options it was started with, the access histories, the counters behind `/_sandbox/queries`
//! and `/_sandbox/events`, the alerts received, and the API platform's token check. It imports
//! the services' own state (OAuth, CIS2, alerts) but no handler, so the handlers (`cpis_fhir`,
//! `mhs`, ...) and the router above them (`server`) form no circle through it.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use hyper::body::Incoming;
use hyper::Request;

use super::alerts::{AlertFault, Alerts};
use super::cis2::Cis2State;
use super::http::header;
use super::oauth;
use super::patients::{Accessor, Patient};
use cpis_core::timeutil;

/// How many request starts and ends `/_sandbox/events` keeps.
const MAX_EVENTS: usize = 1000;
/// The most accesses the service returns.
pub const MAX_HISTORY: usize = 25;

#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) id: String,
    pub(crate) recorded: SystemTime,
    pub(crate) accessor: Accessor,
}

/// The state a running sandbox keeps.
pub struct State {
    pub delay: Duration,
    pub tls: bool,
    /// The CP-IS searches demand a sandbox access token (`serve --require-auth`).
    pub require_auth: bool,
    /// The applications `/oauth2/token` knows, and the assertion ids it has seen.
    pub oauth: oauth::Registry,
    /// The mock CIS2's codes and access tokens.
    pub cis2: Cis2State,
    /// Seconds added to every response's `Date` (`serve --clock-offset-secs`).
    pub clock_offset_secs: i64,
    histories: Mutex<HashMap<&'static str, Vec<Record>>>,
    /// `--rate-limit`: searches allowed per one-second window, and the current window.
    pub(crate) rate_limit: Option<u32>,
    window: Mutex<(std::time::Instant, u32)>,
    /// Unscheduled searches seen per NHS number (any number), for `/_sandbox/queries`.
    unscheduled_queries: Mutex<HashMap<String, u64>>,
    seen_request_ids: Mutex<HashSet<String>>,
    /// The newest requests' starts and ends, for `/_sandbox/events` (tests of ordering).
    events: Mutex<std::collections::VecDeque<String>>,
    /// Missed-appointment alerts received, and the fault for their first attempts.
    pub(crate) alerts: Alerts,
    pub(crate) alert_fault: Option<AlertFault>,
    /// `--token-uses`: searches each access token is good for, and the uses so far.
    token_uses: Option<u32>,
    /// The Patient Flags search ignores `code` and answers every flag (`--flags-ignore-code`).
    pub(crate) flags_ignore_code: bool,
    uses: Mutex<HashMap<String, u32>>,
}

impl State {
    pub fn new(delay: Duration, tls: bool) -> Self {
        State {
            delay,
            tls,
            require_auth: false,
            oauth: oauth::Registry::default(),
            cis2: Default::default(),
            clock_offset_secs: 0,
            histories: Mutex::new(HashMap::new()),
            unscheduled_queries: Mutex::new(HashMap::new()),
            rate_limit: None,
            window: Mutex::new((std::time::Instant::now(), 0)),
            seen_request_ids: Mutex::new(HashSet::new()),
            events: Mutex::new(Default::default()),
            alerts: Default::default(),
            alert_fault: None,
            token_uses: None,
            flags_ignore_code: false,
            uses: Mutex::new(HashMap::new()),
        }
    }

    pub fn with_alert_fault(mut self, fault: Option<AlertFault>) -> Self {
        self.alert_fault = fault;
        self
    }

    /// Demand access tokens on the searches (or not), with these applications.
    pub fn with_clock_offset(mut self, secs: i64) -> Self {
        self.clock_offset_secs = secs;
        self
    }

    pub fn with_rate_limit(mut self, per_second: Option<u32>) -> Self {
        self.rate_limit = per_second;
        self
    }

    /// Count an unscheduled query about `nhs` (`/_sandbox/queries`).
    pub(crate) fn count_unscheduled(&self, nhs: &str) {
        *self
            .unscheduled_queries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(nhs.to_string())
            .or_default() += 1;
    }

    /// Record an access by `caller` and return the newest accesses (RFC 3339, accessor).
    pub(crate) fn record_access(
        &self,
        p: &'static Patient,
        caller: Option<Accessor>,
    ) -> Vec<(String, Accessor)> {
        self.history(p, caller)
            .into_iter()
            .map(|r| (timeutil::rfc3339(r.recorded), r.accessor))
            .collect()
    }

    /// Note a request's start or end: `start pds 9990000026`, `end CareTeam 9990000026`.
    pub(crate) fn event(&self, e: String) {
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        if events.len() >= MAX_EVENTS {
            events.pop_front();
        }
        events.push_back(e);
    }

    /// The newest requests' starts and ends (`/_sandbox/events`).
    pub(crate) fn events(&self) -> Vec<String> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// How many unscheduled queries about `nhs` were seen (`/_sandbox/queries`).
    pub(crate) fn unscheduled(&self, nhs: &str) -> u64 {
        self.unscheduled_queries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(nhs)
            .copied()
            .unwrap_or(0)
    }

    /// Count one search against `--rate-limit`: false when it is over the limit.
    pub(crate) fn within_rate_limit(&self) -> bool {
        let Some(limit) = self.rate_limit else {
            return true;
        };
        let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        if now.duration_since(w.0) >= Duration::from_secs(1) {
            *w = (now, 0);
        }
        w.1 += 1;
        w.1 <= limit
    }

    pub fn with_flags_ignore_code(mut self, on: bool) -> Self {
        self.flags_ignore_code = on;
        self
    }

    pub fn with_token_uses(mut self, uses: Option<u32>) -> Self {
        self.token_uses = uses;
        self
    }

    /// Count one search made with `token`: false once it has been used up (`--token-uses`).
    fn token_still_good(&self, token: &str) -> bool {
        let Some(limit) = self.token_uses else {
            return true;
        };
        let mut uses = self.uses.lock().unwrap_or_else(|e| e.into_inner());
        let n = uses.entry(token.to_string()).or_default();
        *n += 1;
        *n <= limit
    }

    pub fn with_auth(mut self, require_auth: bool, registry: oauth::Registry) -> Self {
        self.require_auth = require_auth;
        self.oauth = registry;
        self
    }

    /// Record an unscheduled access (unless the same person accessed within 24 hours) and
    /// return the newest accesses, at most [`MAX_HISTORY`].
    pub(crate) fn history(&self, p: &'static Patient, caller: Option<Accessor>) -> Vec<Record> {
        let mut all = self.histories.lock().expect("history lock");
        let h = all.entry(p.nhs_number).or_insert_with(|| {
            (p.history)()
                .into_iter()
                .map(|(t, a)| Record {
                    id: uuid::Uuid::new_v4().to_string(),
                    recorded: timeutil::parse_rfc3339(&t).expect("seed dates are RFC 3339"),
                    accessor: a,
                })
                .collect()
        });
        if let Some(caller) = caller {
            let now = SystemTime::now();
            let day = Duration::from_secs(24 * 3600);
            let recent = h.iter().any(|r| {
                r.accessor.key() == caller.key()
                    && now.duration_since(r.recorded).unwrap_or_default() < day
            });
            if !recent {
                h.insert(
                    0,
                    Record {
                        id: uuid::Uuid::new_v4().to_string(),
                        recorded: now,
                        accessor: caller,
                    },
                );
            }
        }
        h.iter().take(MAX_HISTORY).cloned().collect()
    }

    /// True the first time a request id is seen.
    pub(crate) fn first_sight(&self, request_id: &str) -> bool {
        self.seen_request_ids
            .lock()
            .expect("seen lock")
            .insert(request_id.to_string())
    }
}

/// The API platform's token check, made before anything else: who is calling, when a token
/// issued by a sandbox says so. Without `--require-auth` any well-formed bearer token (or
/// none) is accepted; with it, only a genuine, unexpired sandbox token. `Err` is the 401's
/// diagnostics.
pub(crate) fn check_token(
    state: &State,
    req: &Request<Incoming>,
) -> Result<Option<oauth::Caller>, String> {
    let Some(auth) = header(req, "authorization") else {
        if state.require_auth {
            let host = header(req, "host").unwrap_or("localhost");
            let scheme = if state.tls { "https" } else { "http" };
            return Err(format!(
                "Missing access token: this sandbox requires 'Authorization: Bearer <access token>' from {scheme}://{host}/oauth2/token"
            ));
        }
        return Ok(None);
    };
    let token = match auth.strip_prefix("Bearer ") {
        Some(t) if !t.trim().is_empty() => t.trim(),
        _ => return Err("Invalid Authorization header: expected 'Bearer <access token>'".into()),
    };
    let caller = oauth::verify_access_token(token);
    if (caller.is_none() && state.require_auth) || !state.token_still_good(token) {
        return Err(
            "Invalid or expired access token: this sandbox accepts only access tokens issued by a cpis sandbox's /oauth2/token".into(),
        );
    }
    Ok(caller)
}
