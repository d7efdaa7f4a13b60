//! The Personal Demographics Service (PDS FHIR R4): who an NHS number belongs to.
//!
//! `GET {pds_base}/Patient/{nhs}` on the platform client (the same credentials as CP-IS,
//! retried like CP-IS's scheduled searches), then classified (superseded, invalidated, not found, restricted, deceased) by
//! the codes PDS publishes, never by text.

pub mod model;

pub use model::{Outcome, Patient};

use reqwest::header::HeaderMap;
use url::Url;

use crate::api::platform::errors::read_error_body;
use crate::api::platform::Service;
use crate::error::{Error, Kind, Result};
use crate::nhs_number::NhsNumber;

/// Where PDS lives on an API platform origin.
pub const BASE_PATH: &str = "/personal-demographics/FHIR/R4";

/// The PDS base beside a CP-IS base: the same origin, [`BASE_PATH`].
pub fn base_beside(cpis_base: &Url) -> Url {
    crate::config::environment::beside(cpis_base, BASE_PATH)
}

/// A PDS client: requests go through an API-platform client (credentials, pacer, retries).
pub struct Client {
    api: crate::api::platform::Client,
    base: Url,
}

impl Client {
    pub fn new(api: crate::api::platform::Client, base: Url) -> Self {
        let mut base = base;
        if base.path().ends_with('/') {
            let p = base.path().trim_end_matches('/').to_string();
            base.set_path(&p);
        }
        Client { api, base }
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// `{base}/Patient/{nhs}`.
    pub fn patient_url(&self, nhs: &NhsNumber) -> Url {
        let mut u = self.base.clone();
        let p = format!("{}/Patient/{}", u.path(), nhs.digits());
        u.set_path(&p);
        u
    }

    fn headers() -> HeaderMap {
        crate::api::platform::fhir_read_headers()
    }

    /// Who `nhs` belongs to, as PDS says.
    pub async fn patient(&self, nhs: &NhsNumber) -> Result<Outcome> {
        let what = "PDS patient retrieval";
        let reply = self
            .api
            .get_with(Service::Pds, what, &self.patient_url(nhs), Self::headers())
            .await?;
        let said = read_error_body(reply.content_type.as_deref(), &reply.body);
        match (reply.status, said.code.as_deref()) {
            (200, _) => {
                let v: serde_json::Value = serde_json::from_slice(&reply.body).map_err(|_| {
                    Error::new(
                        Kind::Service,
                        format!("{what}: the answer could not be read as a FHIR Patient"),
                    )
                })?;
                Patient::from_json(&nhs.digits(), &v)
                    .map(|p| Outcome::Found(Box::new(p)))
                    .ok_or_else(|| {
                        Error::new(
                            Kind::Service,
                            format!("{what}: the answer was not a FHIR Patient with an id"),
                        )
                    })
            }
            (404, Some("INVALIDATED_RESOURCE")) => Ok(Outcome::Invalidated),
            (404, Some("RESOURCE_NOT_FOUND")) => Ok(Outcome::NotFound),
            (400, Some("INVALID_RESOURCE_ID")) => Ok(Outcome::InvalidNumber),
            (404, Some("SANDBOX_UNKNOWN_PATIENT")) => Ok(Outcome::NotSynthetic),
            _ => Err(Service::Pds.error(what, &reply)),
        }
    }

    /// The `curl` command for this retrieval, with the token left as `$CPIS_ACCESS_TOKEN`.
    pub fn curl_command(&self, nhs: &NhsNumber, cacert: Option<&str>) -> String {
        let trace_id = uuid::Uuid::new_v4().to_string();
        crate::api::platform::Client::curl_line(
            &self.patient_url(nhs),
            &self.api.headers_with(Self::headers(), &trace_id),
            cacert,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pds_base_sits_beside_cp_is_on_the_same_origin() {
        let cpis = Url::parse("https://int.api.service.nhs.uk/cpis/FHIR/R4/").unwrap();
        assert_eq!(
            base_beside(&cpis).as_str(),
            "https://int.api.service.nhs.uk/personal-demographics/FHIR/R4"
        );
        let local = Url::parse("http://127.0.0.1:4321/cpis/FHIR/R4").unwrap();
        assert_eq!(
            base_beside(&local).as_str(),
            "http://127.0.0.1:4321/personal-demographics/FHIR/R4"
        );
    }

    #[test]
    fn every_pds_error_fixture_reads_its_code() {
        for (file, code) in [
            ("error-INVALIDATED_RESOURCE.json", "INVALIDATED_RESOURCE"),
            ("error-RESOURCE_NOT_FOUND.json", "RESOURCE_NOT_FOUND"),
            ("error-INVALID_RESOURCE_ID.json", "INVALID_RESOURCE_ID"),
            ("error-MISSING_VALUE-x-request-id.json", "MISSING_VALUE"),
            ("error-INVALID_VALUE-x-request-id.json", "INVALID_VALUE"),
            (
                "error-ACCESS_DENIED-missing-authorization.json",
                "ACCESS_DENIED",
            ),
            (
                "error-INVALID_VALUE-nhsd-session-urid.json",
                "INVALID_VALUE",
            ),
        ] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/pds")
                .join(file);
            let body = std::fs::read(path).unwrap();
            let said = read_error_body(Some("application/fhir+json"), &body);
            assert_eq!(said.code.as_deref(), Some(code), "{file}");
        }
    }
}
