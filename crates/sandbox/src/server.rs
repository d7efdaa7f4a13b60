//! The sandbox's router: each request to the service that answers it (the CP-IS FHIR API,
//! OAuth and CIS2, PDS, Patient Flags, the MHS adaptor, the sandbox's own `/_sandbox/`
//! endpoints), the request's events logged around it, and what every answer carries (the
//! request id, the `--clock-offset-secs` date). It sits above every service; none imports it.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Request, StatusCode};
use serde_json::json;

use super::cpis_fhir::{self, communication_endpoint};
use super::http::{fhir, header, query_map, respond, HangUp, HangUpInstead, Resp};
use super::oauth;
use super::state::check_token;

use super::cpis_fhir::BASE_PATH;
use super::state::State;

/// Combined authentication's two GETs on the platform: authorize (redirects back with a code)
/// and userinfo (who the user is).
fn combined(state: &State, req: &Request<Incoming>) -> Resp {
    if req.uri().path() == "/oauth2/userinfo" {
        let bearer = header(req, "authorization").and_then(|a| a.strip_prefix("Bearer "));
        return match oauth::userinfo(bearer) {
            Some(v) => respond(StatusCode::OK, "application/json", v.to_string()),
            None => respond(
                StatusCode::UNAUTHORIZED,
                "application/json",
                json!({"error": "invalid_token", "error_description": "Access token is invalid or expired"}).to_string(),
            ),
        };
    }
    match state.oauth.authorize(&query_map(req.uri())) {
        Ok(location) => {
            let mut r = respond(StatusCode::FOUND, "text/plain", "");
            if let Ok(v) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(hyper::header::LOCATION, v);
            }
            r
        }
        Err(e) => e.response(),
    }
}

/// `pds NUMBER`, `CareTeam NUMBER`, `AuditEvent NUMBER` or the path, for the event log.
fn event_name(req: &Request<Incoming>) -> String {
    let path = req.uri().path();
    if let Some(id) = path.strip_prefix(super::pds::PATIENT_PATH) {
        return format!("pds {}", cpis_core::sanitize::sanitize(id));
    }
    if path.starts_with(super::flags::BASE_PATH) {
        let nhs = query_map(req.uri())
            .get("patient")
            .cloned()
            .unwrap_or_default();
        return format!("flags {}", cpis_core::sanitize::sanitize(&nhs));
    }
    let resource = path.rsplit('/').next().unwrap_or("");
    let nhs = query_map(req.uri())
        .get("patient:identifier")
        .and_then(|v| v.rsplit('|').next().map(str::to_string))
        .unwrap_or_default();
    format!(
        "{} {}",
        cpis_core::sanitize::sanitize(resource),
        cpis_core::sanitize::sanitize(&nhs)
    )
}

pub async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Resp, HangUp> {
    // PDS retrievals and CP-IS searches are logged as they arrive and as they are answered
    // (`/_sandbox/events`), so tests can see which overlapped and which came first; token
    // requests as they are answered (`token refresh_token 200`).
    let path = req.uri().path();
    let tracked = (path.starts_with(super::pds::PATIENT_PATH)
        || path.starts_with(&format!("{}/Flag", super::flags::BASE_PATH))
        || path.starts_with(&format!("{}/PatientFlag", super::flags::BASE_PATH))
        || path.starts_with(&format!("{BASE_PATH}/CareTeam"))
        || path.starts_with(&format!("{BASE_PATH}/AuditEvent")))
    .then(|| event_name(&req));
    if let Some(what) = &tracked {
        state.event(format!("start {what}"));
    }
    if !state.delay.is_zero() {
        tokio::time::sleep(state.delay).await;
    }
    let request_id = req.headers().get("x-request-id").cloned();
    let communication = format!("{BASE_PATH}/Communication");
    let mut resp = if req.uri().path().trim_end_matches('/') == communication {
        let what = format!("Communication {}", req.method());
        state.event(format!("start {what}"));
        let r = communication_endpoint(&state, req).await;
        state.event(format!("end {what}"));
        r?
    } else if oauth::TOKEN_PATHS.contains(&req.uri().path()) {
        oauth::token_endpoint(&state.oauth, state.tls, req, |e| state.event(e)).await
    } else if req.uri().path() == "/oauth2/authorize" || req.uri().path() == "/oauth2/userinfo" {
        combined(&state, &req)
    } else if req.uri().path() == "/_sandbox/queries" {
        sandbox_queries(&state, &req)
    } else if req.uri().path() == "/_sandbox/events" {
        fhir(StatusCode::OK, &json!(state.events()))
    } else if req.uri().path().starts_with(super::app::CIS2_ISSUER_PATH) {
        super::cis2::endpoint(&state.cis2, state.tls, req).await
    } else if req.uri().path() == super::vocab::MHS_PATH {
        super::mhs::handle(&state, req).await?
    } else if req.uri().path().starts_with(super::flags::BASE_PATH) {
        super::flags::handle(
            &req,
            check_token(&state, &req).err(),
            state.flags_ignore_code,
        )
    } else if req.uri().path().starts_with(super::pds::PATIENT_PATH) {
        super::pds::handle(&req, check_token(&state, &req).err())
    } else {
        cpis_fhir::route(&state, &req).await
    };
    if let Some(what) = tracked {
        state.event(format!("end {what}"));
    }
    if resp.extensions().get::<HangUpInstead>().is_some() {
        return Err(HangUp);
    }
    if let Some(id) = request_id {
        resp.headers_mut().insert("x-request-id", id);
    }
    if state.clock_offset_secs != 0 {
        let now = SystemTime::now();
        let off = Duration::from_secs(state.clock_offset_secs.unsigned_abs());
        let date = if state.clock_offset_secs > 0 {
            now + off
        } else {
            now - off
        };
        if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(date)) {
            resp.headers_mut().insert(hyper::header::DATE, v);
        }
    }
    Ok(resp)
}

/// Sandbox only (no such endpoint on the real service): `GET /_sandbox/queries?nhs=N` answers
/// how many unscheduled CareTeam and AuditEvent searches the sandbox has seen for `N`, so a
/// test can check that no number was queried twice.
fn sandbox_queries(state: &State, req: &Request<Incoming>) -> Resp {
    let query = req.uri().query().unwrap_or("");
    let Some(nhs) = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "nhs")
        .map(|(_, v)| v.into_owned())
    else {
        return respond(
            StatusCode::BAD_REQUEST,
            "application/json",
            json!({"error": "give ?nhs=NHS_NUMBER"}).to_string(),
        );
    };
    let n = state.unscheduled(&nhs);
    respond(
        StatusCode::OK,
        "application/json",
        json!({"nhs_number": nhs, "unscheduled_searches": n}).to_string(),
    )
}
