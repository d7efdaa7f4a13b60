//! The Patient Flags API (FHIR R4): the CP-IS flag, its plan and the local authority's care
//! team, for scheduled care. `GET {base}/{path}?patient={nhs}&code=child-protection-information-system-flag`
//! with the platform's credentials, retried like PDS. No access history on this route.
//!
//! The path is not settled in the published material (`Flag` in the capability statement,
//! `PatientFlag` in the implementation guide): it is the profile's `flags_path`, `Flag` by
//! default.

pub mod model;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use reqwest::header::HeaderMap;
use url::Url;

use crate::api::platform::errors::read_error_body;
use crate::api::platform::{Mark, Service};
use crate::api::record::Plan;
use crate::error::{Error, Result};
use crate::nhs_number::NhsNumber;

/// Where the Patient Flags API lives on an API platform origin.
pub const BASE_PATH: &str = "/patient-flags-api/FHIR/R4";
/// The Patient Flags base beside a CP-IS base: the same origin, [`BASE_PATH`].
pub fn base_beside(cpis_base: &Url) -> Url {
    crate::config::environment::beside(cpis_base, BASE_PATH)
}

/// One answer: the plans it holds, and the body and trace id for `--raw` and support.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub plans: Vec<Plan>,
    /// Flags that name no patient (shown, with a warning).
    pub unnamed: usize,
    pub raw: Vec<u8>,
    pub trace_id: String,
}

/// A Patient Flags client on an API-platform client (credentials, pacer, retries).
pub struct Client {
    api: crate::api::platform::Client,
    base: Url,
    path: String,
}

impl Client {
    pub fn new(api: crate::api::platform::Client, base: Url, path: &str) -> Self {
        let mut base = base;
        if base.path().ends_with('/') {
            let p = base.path().trim_end_matches('/').to_string();
            base.set_path(&p);
        }
        Client {
            api,
            base,
            path: path.trim_matches('/').to_string(),
        }
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// `{base}/{path}?patient={nhs}&code=child-protection-information-system-flag`.
    pub fn search_url(&self, nhs: &NhsNumber) -> Url {
        let mut u = self.base.clone();
        let p = format!("{}/{}", u.path(), self.path);
        u.set_path(&p);
        let code: String = utf8_percent_encode(model::CPIS_FLAG_CODE, NON_ALPHANUMERIC)
            .to_string()
            .replace("%2D", "-");
        u.set_query(Some(&format!("patient={}&code={code}", nhs.digits())));
        u
    }

    fn headers() -> HeaderMap {
        crate::api::platform::fhir_read_headers()
    }

    /// The CP-IS flag for `nhs` (a silent, scheduled read), calling `mark` before every
    /// attempt (batch state).
    pub async fn search(&self, nhs: &NhsNumber, today: i64, mark: Option<&Mark>) -> Result<Found> {
        let what = "Patient Flags search";
        let reply = self
            .api
            .get_with_marked(
                Service::Flags,
                what,
                &self.search_url(nhs),
                Self::headers(),
                mark,
            )
            .await?;
        if !(200..300).contains(&reply.status) {
            let said = read_error_body(reply.content_type.as_deref(), &reply.body);
            if reply.status == 404 && said.code.as_deref() == Some("not-found") && !said.html {
                return Err(Error::usage(format!(
                    "NHS number {} is not on the Patient Flags service",
                    nhs
                ))
                .with_hint("this is not \"no plan\": the service does not know the patient. Check the number, or use --route fhir")
                .with_trace(crate::error::Trace {
                    http_status: Some(404),
                    code: said.code,
                    trace_id: Some(reply.trace_id.clone()),
                    ..Default::default()
                }));
            }
        }
        let mut bundle: serde_json::Value =
            reply.fhir(Service::Flags, what, "Bundle", |v: &serde_json::Value| {
                v.get("resourceType").and_then(|t| t.as_str())
            })?;
        let read = model::plans(&bundle, nhs, today)
            .map_err(|_| crate::api::record::different_number(what, &reply))?;
        // Other flags (reasonable adjustments, FGM) are never shown or written anywhere: a
        // service that ignores `code` has them taken out of what `--raw` prints too.
        let raw = if model::keep_only_cpis_flags(&mut bundle) {
            let mut text = serde_json::to_vec_pretty(&bundle).expect("serialisable");
            text.push(b'\n');
            text
        } else {
            reply.body
        };
        Ok(Found {
            plans: read.plans,
            unnamed: read.unnamed,
            raw,
            trace_id: reply.trace_id,
        })
    }

    /// The `curl` command for this search, with the token left as `$CPIS_ACCESS_TOKEN`.
    pub fn curl_command(&self, nhs: &NhsNumber, cacert: Option<&str>) -> String {
        let trace_id = uuid::Uuid::new_v4().to_string();
        crate::api::platform::Client::curl_line(
            &self.search_url(nhs),
            &self.api.headers_with(Self::headers(), &trace_id),
            cacert,
        )
    }
}

/// The error for an unscheduled lookup on this route (exit 2, before anything is sent).
pub fn unscheduled_refused() -> Error {
    Error::usage(
        "the Patient Flags API serves scheduled care only; use --route fhir or --route v3 for unscheduled care",
    )
    .with_hint("nothing was sent")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_url_is_the_guides() {
        let api = crate::api::platform::Client::new(
            reqwest::Client::new(),
            "https://int.api.service.nhs.uk/cpis/FHIR/R4",
            None,
            std::time::Duration::from_secs(1),
            std::sync::Arc::new(|_| {}),
        )
        .unwrap();
        let base = base_beside(&Url::parse("https://int.api.service.nhs.uk/cpis/FHIR/R4").unwrap());
        let c = Client::new(api, base, "PatientFlag");
        assert_eq!(
            c.search_url(&NhsNumber::parse("9449306753").unwrap()).as_str(),
            "https://int.api.service.nhs.uk/patient-flags-api/FHIR/R4/PatientFlag?patient=9449306753&code=child-protection-information-system-flag"
        );
    }
}
