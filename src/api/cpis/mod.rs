//! The CP-IS FHIR R4 API on the platform client: its two searches (plans, access history),
//! their URLs and headers, the check that every answer is about the child asked for, the
//! response models, and the missed-appointment alert.
//!
//! The searches are methods of the platform client ([`Client`], `api::platform::Client`),
//! so a caller holding the client for CP-IS's base URL searches with it.

pub(crate) mod alert;
pub(crate) mod fhir;
pub mod model;
pub mod patient;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT};
use url::Url;

use crate::api::platform::fhir::Bundle;
use crate::api::platform::{Client, Get, Mark, Reply, Resend, Service};
use crate::api::record::{different_number, AnotherPatient, SYSTEM_NHS_NUMBER};
use crate::config::care::CareSetting;
use crate::error::{Error, Kind, Result};
use crate::nhs_number::NhsNumber;

/// Everything but RFC 3986 unreserved characters is percent-encoded in query values.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The `_include` value exactly as the guide writes it (not valid FHIR; never relied on).
pub const AUDIT_INCLUDE: &str =
    "AuditEvent:entity-type=http://terminology.hl7.org/CodeSystem/v3-RoleClass|ASSIGNED";

/// Pages of one search followed before giving up (the guide specifies no paging at all).
const MAX_PAGES: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Search {
    CareTeam,
    AuditEvent,
}

impl Search {
    pub fn resource(self) -> &'static str {
        match self {
            Search::CareTeam => "CareTeam",
            Search::AuditEvent => "AuditEvent",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Search::CareTeam => "CareTeam search (plans)",
            Search::AuditEvent => "AuditEvent search (access history)",
        }
    }
}

/// One search's pages: the raw bodies (for `--raw`), the parsed bundles and trace ids.
#[derive(Debug, Clone, Default)]
pub struct SearchResult {
    pub raw: Vec<Vec<u8>>,
    pub bundles: Vec<Bundle>,
    pub trace_ids: Vec<String>,
    /// Results (match entries) that name no patient at all: shown, with a warning.
    pub unnamed: usize,
}

/// What a failed attempt may be resent after: a scheduled search is a silent read, retried
/// freely; an unscheduled one notifies the local authority, so only what provably never
/// reached CP-IS is resent.
fn resend_for(care: CareSetting) -> Resend {
    match care {
        CareSetting::Scheduled => Resend::Freely,
        CareSetting::Unscheduled => Resend::OnlyIfNotReached {
            in_doubt: may_have_reached,
        },
    }
}

/// The error for an unscheduled search that may have reached CP-IS (exit 7): the local
/// authority may already have been notified, so it must not be repeated without checking.
pub fn may_have_reached(mut err: Error) -> Error {
    err.kind = Kind::Service;
    err.message = format!(
        "{}; the request may have reached CP-IS: do not repeat without checking",
        err.message
    );
    err.hint = Some(
        "an unscheduled search notifies the local authority, and this one may already have done so: check the record's access history with a scheduled lookup (--scheduled) before searching again".into(),
    );
    err.trace.maybe_sent = true;
    err
}

/// The wrapper for an error after an unscheduled search was answered at all (but for the
/// platform's 401 and 429, which CP-IS never saw): it may have notified the local authority.
fn answered(care: CareSetting) -> impl Fn(Error) -> Error {
    move |err: Error| {
        let refused_by_platform = matches!(err.trace.http_status, Some(401 | 429));
        let answered = err
            .trace
            .http_status
            .is_some_and(|s| s >= 500 || s == 408 || s < 300);
        if care == CareSetting::Unscheduled
            && !refused_by_platform
            && !err.trace.maybe_sent
            && answered
        {
            return may_have_reached(err);
        }
        err
    }
}

impl Client {
    /// The search URL, exactly as the guide gives it, with values percent-encoded.
    pub fn search_url(&self, search: Search, nhs: &NhsNumber) -> Url {
        let identifier = format!("{}|{}", SYSTEM_NHS_NUMBER, nhs.digits());
        let mut query = format!(
            "patient:identifier={}",
            utf8_percent_encode(&identifier, QUERY_VALUE)
        );
        if search == Search::AuditEvent {
            query.push_str("&_include=");
            query.extend(utf8_percent_encode(AUDIT_INCLUDE, QUERY_VALUE));
        }
        let mut url = self
            .base_url()
            .join(search.resource())
            .expect("resource name joins");
        url.set_query(Some(&query));
        url
    }

    /// A CP-IS search's headers: `TraceID` and `X-Request-ID` (the same id), whether the
    /// access is unscheduled, and the credentials.
    fn headers(&self, trace_id: &str, care: CareSetting) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, HeaderValue::from_static("application/fhir+json"));
        let id = HeaderValue::from_str(trace_id).expect("uuid is a header value");
        h.insert("TraceID", id.clone());
        h.insert("X-Request-ID", id);
        h.insert(
            "IsUnscheduledAccessEvent",
            HeaderValue::from_static(care.header_value()),
        );
        self.add_credentials(&mut h);
        h
    }

    /// The `curl` commands that make this lookup's two searches with exactly these headers,
    /// one per line, for support to reproduce a request outside the tool. The client must have
    /// been made with the token `$CPIS_ACCESS_TOKEN`: it stays a shell variable, never a value.
    pub fn curl_commands(
        &self,
        nhs: &NhsNumber,
        care: CareSetting,
        cacert: Option<&str>,
    ) -> String {
        let mut out = String::new();
        for search in [Search::CareTeam, Search::AuditEvent] {
            let trace_id = uuid::Uuid::new_v4().to_string();
            out.push_str(&Self::curl_line(
                &self.search_url(search, nhs),
                &self.headers(&trace_id, care),
                cacert,
            ));
        }
        out
    }

    /// GET with retries on connect/reset errors and 408, 429, 502, 503, 504. The same
    /// `TraceID`/`X-Request-ID` is sent on every attempt. Returns the final reply, whatever
    /// its status.
    pub async fn get(&self, what: &str, url: &Url, care: CareSetting) -> Result<Reply> {
        self.get_marked(what, url, care, None).await
    }

    /// [`Client::get`], calling `mark` before every attempt: after the pacer has granted it
    /// and before anything is written to the network. An error from `mark` stops the request
    /// unsent.
    pub async fn get_marked(
        &self,
        what: &str,
        url: &Url,
        care: CareSetting,
        mark: Option<&Mark>,
    ) -> Result<Reply> {
        let trace_id = uuid::Uuid::new_v4().to_string();
        let get = Get {
            service: Service::Cpis,
            what,
            url,
            headers: self.headers(&trace_id, care),
            trace_id,
            resend: resend_for(care),
        };
        self.send(get, mark).await
    }

    /// One search, following `next` links on the same origin.
    pub async fn search(
        &self,
        search: Search,
        nhs: &NhsNumber,
        care: CareSetting,
    ) -> Result<SearchResult> {
        self.search_marked(search, nhs, care, None).await
    }

    /// [`Client::search`], calling `mark` before every request it sends (see
    /// [`Client::get_marked`]).
    pub async fn search_marked(
        &self,
        search: Search,
        nhs: &NhsNumber,
        care: CareSetting,
        mark: Option<&Mark>,
    ) -> Result<SearchResult> {
        let what = search.what();
        let mut url = self.search_url(search, nhs);
        let mut out = SearchResult::default();
        let answered = answered(care);
        loop {
            let reply = self.get_marked(what, &url, care, mark).await?;
            let bundle: Bundle = reply
                .fhir(Service::Cpis, what, "Bundle", |b: &Bundle| {
                    Some(b.resource_type.as_str())
                })
                .map_err(&answered)?;
            out.unnamed += patient::check(search, &bundle, nhs)
                .map_err(|AnotherPatient| different_number(what, &reply))?;
            let next = bundle.next_link().map(str::to_string);
            out.trace_ids.push(reply.trace_id.clone());
            out.raw.push(reply.body);
            out.bundles.push(bundle);
            let Some(next) = next else {
                return Ok(out);
            };
            url = self.next_page(what, &next, out.bundles.len())?;
        }
    }

    /// The URL of the next page: on the same origin, within [`MAX_PAGES`].
    fn next_page(&self, what: &str, next: &str, pages: usize) -> Result<Url> {
        let base = self.base_url();
        let next_url = base
            .join(next)
            .map_err(|e| Error::new(Kind::Service, format!("{what}: bad next-page link: {e}")))?;
        if next_url.origin() != base.origin() {
            return Err(Error::new(
                Kind::Service,
                format!(
                    "{what}: the next-page link points to another host ({}); not followed",
                    next_url.host_str().unwrap_or("?")
                ),
            ));
        }
        if pages >= MAX_PAGES {
            return Err(Error::new(
                Kind::Service,
                format!("{what}: more than {MAX_PAGES} pages; stopped"),
            ));
        }
        Ok(next_url)
    }

    /// Both searches of one lookup, concurrently.
    pub async fn lookup(
        &self,
        nhs: &NhsNumber,
        care: CareSetting,
    ) -> Result<(SearchResult, SearchResult)> {
        tokio::try_join!(
            self.search(Search::CareTeam, nhs, care),
            self.search(Search::AuditEvent, nhs, care)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::platform::fhir;
    use crate::api::record::{AccessorKind, PlanType};
    use std::time::Duration;

    fn client() -> Client {
        Client::new(
            reqwest::Client::new(),
            "https://int.api.service.nhs.uk/cpis/FHIR/R4",
            None,
            Duration::from_secs(1),
            std::sync::Arc::new(|_| {}),
        )
        .unwrap()
    }

    #[test]
    fn search_urls_are_exactly_as_published() {
        let c = client();
        let n = NhsNumber::parse("9990000018").unwrap();
        assert_eq!(
            c.search_url(Search::CareTeam, &n).as_str(),
            "https://int.api.service.nhs.uk/cpis/FHIR/R4/CareTeam?patient:identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9990000018"
        );
        assert_eq!(
            c.search_url(Search::AuditEvent, &n).as_str(),
            "https://int.api.service.nhs.uk/cpis/FHIR/R4/AuditEvent?patient:identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9990000018&_include=AuditEvent%3Aentity-type%3Dhttp%3A%2F%2Fterminology.hl7.org%2FCodeSystem%2Fv3-RoleClass%7CASSIGNED"
        );
    }

    #[test]
    fn every_official_fixture_parses() {
        let ct: Bundle = serde_json::from_slice(include_bytes!(
            "../../../tests/fixtures/cpis/fhir-careteam-searchset-found.json"
        ))
        .unwrap();
        let plans = model::plans_from([&ct], crate::timeutil::days_from_civil(2026, 11, 25));
        assert_eq!(plans.len(), 1);
        let p = &plans[0];
        assert_eq!(p.plan_type, PlanType::ChildProtectionPlan);
        assert_eq!(
            p.local_authority.as_deref(),
            Some("Islington Local Authority")
        );
        assert_eq!(p.office_hours_phone.as_deref(), Some("0207527200"));
        assert_eq!(p.emergency_duty_phone.as_deref(), Some("0734577777"));
        assert_eq!(p.end.as_deref(), Some("2023-09-26"));
        assert!(!p.active);

        let ae: Bundle = serde_json::from_slice(include_bytes!(
            "../../../tests/fixtures/cpis/fhir-auditevent-searchset-found.json"
        ))
        .unwrap();
        let a = model::accesses_from([&ae]);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].accessor_kind, AccessorKind::Person);
        assert_eq!(a[0].name.as_deref(), Some("Mrs Paula PALMER"));
        assert_eq!(a[0].role.as_deref(), Some("Midwifery sister"));
        assert_eq!(a[0].role_profile_id.as_deref(), Some("110694889738"));
        assert_eq!(a[0].recorded.as_deref(), Some("2023-09-07T17:36:41+00:00"));

        let empty: Bundle = serde_json::from_slice(include_bytes!(
            "../../../tests/fixtures/cpis/fhir-searchset-no-record-found.json"
        ))
        .unwrap();
        assert_eq!(empty.total, Some(0));
        assert!(model::plans_from([&empty], 0).is_empty());

        let oo: fhir::OperationOutcome = serde_json::from_slice(include_bytes!(
            "../../../tests/fixtures/cpis/fhir-operationoutcome-access-denied.json"
        ))
        .unwrap();
        assert_eq!(oo.issue.len(), 1);

        let cs: serde_json::Value = serde_json::from_slice(include_bytes!(
            "../../../tests/fixtures/cpis/capabilitystatement-cpis-fhir-api-consumer.json"
        ))
        .unwrap();
        assert_eq!(cs["resourceType"], "CapabilityStatement");
    }
}
