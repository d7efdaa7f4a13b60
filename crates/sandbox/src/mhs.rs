//! The sandbox as an MHS adaptor for the HL7 V3 route: `POST /_mhs/outbound` with the
//! adaptor's headers and JSON body, the query checked the way the adaptor and Spine would,
//! and Spine's answer on the same connection: `REPC_IN000007GB01` (plans and access history),
//! `QUQI_IN010000UK14` (no records) or `MCCI_IN010000UK13` (refused, with reasons).
//!
//! The adaptor's own refusals: a method other than POST 405, a body that is not JSON 415,
//! no or an unknown `Interaction-Id` 404, no or a bad `wait-for-response` 400 (`false`: 202,
//! sent without waiting), a body without `payload` 400.
//!
//! Faults by patient (as on the FHIR API): 999 000 0239 is recorded, then the adaptor gives
//! up waiting (500 "No async response received from sync-async store"); 999 000 0247 is
//! recorded, then the connection is closed; 999 000 0115 gets Spine's error JSON (500);
//! 999 000 0255's answer is about another child; 999 000 0158 is slow; 999 000 0271's record
//! names no NHS number; 999 000 0166 gets a truncated document.
//!
//! The checks and vocabulary here are written from the schemas and Spine's stylesheet as the
//! reference describes them, not taken from the client's reading code.

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};

use super::http::{header, HangUp, Resp};
use super::patients::{self, Accessor, Behaviour, PlanKind};
use super::state::State;
use cpis_core::xml::{self, Doc, Element};

const HL7: &str = "urn:hl7-org:v3";
const NHS_ROOT: &str = "2.16.840.1.113883.2.1.4.1";
const ASID_ROOT: &str = "1.2.826.0.1285.0.2.0.107";
const USER_ROOT: &str = "1.2.826.0.1285.0.2.0.65";
const PROFILE_ROOT: &str = "1.2.826.0.1285.0.2.0.67";
const ORG_ROOT: &str = "2.16.840.1.113883.2.1.3.2.4.19.1";
const CONTENT_ROOT: &str = "2.16.840.1.113883.2.1.3.2.4.18.16";
const ERROR_CODES: &str = "2.16.840.1.113883.2.1.3.2.4.17.42";
/// The sandbox Spine's ASID.
pub const SPINE_ASID: &str = "999000000999";

/// `<outer><inner><id root= extension=/></inner></outer>` wrappers for devices and systems.
fn device(d: &mut Doc, outer: &str, inner: &str, asid: &str) {
    d.open(outer, &[]);
    d.open(inner, &[]);
    d.empty("id", &[("root", ASID_ROOT), ("extension", asid)]);
    d.close(inner);
    d.close(outer);
}

fn organisation_element(d: &mut Doc, element: &str, code: &str, name: &str) {
    d.open(element, &[]);
    d.empty("id", &[("root", ORG_ROOT), ("extension", code)]);
    d.text("name", name);
    d.close(element);
}

fn plain(status: StatusCode, text: &str) -> Resp {
    let mut r = Response::new(http_body_util::Full::new(hyper::body::Bytes::from(
        format!("{}: {text}", status.as_u16()),
    )));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain"),
    );
    r
}

fn xml_reply(body: String, message_id: &str) -> Resp {
    let mut r = Response::new(http_body_util::Full::new(hyper::body::Bytes::from(body)));
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/xml"),
    );
    if let Ok(v) = hyper::header::HeaderValue::from_str(message_id) {
        r.headers_mut().insert("message-id", v);
    }
    r
}

fn is_upper_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok() && s.len() == 36 && s == s.to_ascii_uppercase()
}

/// `POST /_mhs/outbound`.
pub async fn handle(state: &State, req: Request<Incoming>) -> Result<Resp, HangUp> {
    if req.method() != Method::POST {
        return Ok(plain(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed"));
    }
    match header(&req, "interaction-id") {
        None => {
            return Ok(plain(
                StatusCode::NOT_FOUND,
                "Required Interaction-Id header not found",
            ))
        }
        Some(i) if i != "QUPC_IN000006GB01" => {
            return Ok(plain(
                StatusCode::NOT_FOUND,
                &format!(
                    "Unknown interaction ID: {}",
                    cpis_core::sanitize::sanitize(i)
                ),
            ))
        }
        _ => {}
    }
    let wait = match header(&req, "wait-for-response") {
        None => {
            return Ok(plain(
                StatusCode::BAD_REQUEST,
                "Required wait-for-response header not found",
            ))
        }
        Some("true") => true,
        Some("false") => false,
        Some(_) => {
            return Ok(plain(
                StatusCode::BAD_REQUEST,
                "wait-for-response header must be true or false",
            ))
        }
    };
    if header(&req, "content-type").map(|c| c.split(';').next().unwrap_or("").trim())
        != Some("application/json")
    {
        return Ok(plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type",
        ));
    }
    let message_id = header(&req, "message-id").map(str::to_string);
    if let Some(m) = &message_id {
        if uuid::Uuid::parse_str(m).is_err() {
            return Ok(plain(StatusCode::BAD_REQUEST, "Message-Id must be a UUID"));
        }
    }
    let body = match http_body_util::Limited::new(req.into_body(), 6_000_000)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(plain(StatusCode::BAD_REQUEST, "Body too large")),
    };
    let payload = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["payload"].as_str().map(str::to_string));
    let Some(payload) = payload.filter(|p| !p.is_empty() && p.len() <= 5_000_000) else {
        return Ok(plain(
            StatusCode::BAD_REQUEST,
            "Invalid request body: payload (1 to 5000000 characters) is required",
        ));
    };
    let message_id = message_id.unwrap_or_else(super::vocab::message_id);
    let query = match check(&payload, &message_id) {
        Ok(q) => q,
        Err(errors) => {
            state.event("v3 refused".into());
            return Ok(xml_reply(mcci(&message_id, &errors), &message_id));
        }
    };
    let what = format!("v3 {}", cpis_core::sanitize::sanitize(&query.nhs));
    state.event(format!("start {what}"));
    let r = answer(state, &query, &message_id, wait).await;
    state.event(format!("end {what}"));
    r
}

/// What the sandbox's Spine takes from a query that passed its checks.
struct Query {
    nhs: String,
    caller: Accessor,
}

fn text_at(e: &Element, path: &[&str]) -> Option<String> {
    e.at(path)
        .map(|x| x.text.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The reasons a query fails Spine's checks, in the order the checks run: each is
/// (`ErrorBase1732.*` or `ErrorBase1712.MANDATORY_DATA_MISSING|...`, what was wrong).
#[derive(Default)]
struct Reasons(Vec<(String, String)>);

impl Reasons {
    fn add(&mut self, code: &str, text: &str) {
        self.0.push((code.to_string(), text.to_string()));
    }
}

/// A 12-digit ASID.
fn is_asid(v: Option<&str>) -> bool {
    v.is_some_and(|v| v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()))
}

/// The document checked as Spine's stylesheet checks it; each failure is one reason
/// (`ErrorBase1732.*`, `ErrorBase1712.MANDATORY_DATA_MISSING|...`).
fn check(payload: &str, message_id: &str) -> Result<Query, Vec<(String, String)>> {
    let root = parse_query(payload)?;
    let mut errs = Reasons::default();
    check_transmission(&root, message_id, &mut errs);
    let Some(cae) = root.child("ControlActEvent") else {
        errs.add("ErrorBase1732.INVALID_CONTROL_ACT", "no ControlActEvent");
        return Err(errs.0);
    };
    check_control_act(cae, &mut errs);
    let Some(q) = cae.at(&["subject", "CP-ISQueryStub", "cP-ISNHSQuery"]) else {
        errs.add(
            "ErrorBase1732.INVALID_CONTROL_ACT",
            "no CP-ISQueryStub/cP-ISNHSQuery",
        );
        return Err(errs.0);
    };
    let nhs = check_query(q, &mut errs);
    let Some(caller) = check_author(q, &mut errs) else {
        return Err(errs.0);
    };
    if !errs.0.is_empty() {
        return Err(errs.0);
    }
    Ok(Query {
        nhs: nhs.unwrap_or_default().trim().to_string(),
        caller,
    })
}

/// The payload as an HL7 V3 `QUPC_IN000006GB01` document, or the one reason it is not.
fn parse_query(payload: &str) -> Result<Element, Vec<(String, String)>> {
    let root = match xml::parse(payload.as_bytes()) {
        Ok(r) => r,
        Err(e) => {
            return Err(vec![(
                "ErrorBase1732.INVALID_XML".into(),
                format!("the payload is not a readable XML document: {}", e.0),
            )])
        }
    };
    if root.ns.as_deref() != Some(HL7) || root.name != "QUPC_IN000006GB01" {
        return Err(vec![(
            "ErrorBase1732.INCONSISTENT_HL7_INTERACTION_ID".into(),
            "the root element is not QUPC_IN000006GB01 in urn:hl7-org:v3".into(),
        )]);
    }
    Ok(root)
}

/// The transmission wrapper: interaction, message id, creation time, version, the devices.
fn check_transmission(root: &Element, message_id: &str, errs: &mut Reasons) {
    if root.attr_at(&["interactionId"], "extension") != Some("QUPC_IN000006GB01")
        || root.attr_at(&["interactionId"], "root") != Some("2.16.840.1.113883.2.1.3.2.4.12")
    {
        errs.add(
            "ErrorBase1732.INCONSISTENT_HL7_INTERACTION_ID",
            "interactionId does not match the root element",
        );
    }
    match root.attr_at(&["id"], "root") {
        Some(id) if is_upper_uuid(id) && id.eq_ignore_ascii_case(message_id) => {}
        _ => errs.add(
            "ErrorBase1732.INVALID_ID",
            "id/@root must be an upper-case UUID equal to the Message-Id",
        ),
    }
    if !root
        .attr_at(&["creationTime"], "value")
        .is_some_and(|v| v.len() >= 14 && v[..14].bytes().all(|b| b.is_ascii_digit()))
    {
        errs.add("ErrorBase1732.INVALID_CREATION_TIME", "creationTime/@value");
    }
    if root.attr_at(&["versionCode"], "code").is_none() {
        errs.add("ErrorBase1732.INVALID_VERSION_CODE", "versionCode/@code");
    }
    let rcv: Vec<&Element> = root.all("communicationFunctionRcv").collect();
    if rcv.len() != 1 || !is_asid(rcv[0].attr_at(&["device", "id"], "extension")) {
        errs.add(
            "ErrorBase1732.INVALID_COMM_FUNC_RCV",
            "exactly one receiving device with an ASID",
        );
    }
    let snd: Vec<&Element> = root.all("communicationFunctionSnd").collect();
    if snd.len() != 1 || !is_asid(snd[0].attr_at(&["device", "id"], "extension")) {
        errs.add(
            "ErrorBase1732.INVALID_COMM_FUNC_SND",
            "exactly one sending device with an ASID",
        );
    }
}

/// The control act's one sending system (`author1`).
fn check_control_act(cae: &Element, errs: &mut Reasons) {
    let author1: Vec<&Element> = cae.all("author1").collect();
    if author1.len() != 1
        || !is_asid(author1[0].attr_at(&["AgentSystemSDS", "agentSystemSDS", "id"], "extension"))
    {
        errs.add(
            "ErrorBase1712.MANDATORY_DATA_MISSING|author1",
            "exactly one author1 with an ASID",
        );
    }
}

/// The query's event id and NHS number (the number as given, if any).
fn check_query(q: &Element, errs: &mut Reasons) -> Option<String> {
    if !q.attr_at(&["id"], "root").is_some_and(is_upper_uuid) {
        errs.add(
            "ErrorBase1712.MANDATORY_DATA_MISSING|Event ID",
            "cP-ISNHSQuery/id",
        );
    }
    let value = q.at(&["queryByParameter", "person.NHSnumber", "value"]);
    let nhs = value.and_then(|v| v.attr("extension")).map(str::to_string);
    if nhs.as_deref().is_none_or(|n| n.trim().is_empty()) {
        errs.add(
            "ErrorBase1712.MANDATORY_DATA_MISSING|NHS Number",
            "person.NHSnumber/value/@extension",
        );
    }
    if value.and_then(|v| v.attr("root")).is_some() {
        errs.add(
            "ErrorBase1732.INVALID_NHS_NUMBER",
            "the NHS number takes no @root",
        );
    }
    nhs
}

/// Who is asking: a person (`AssignedAuthor`) or a system (`System`); `None` when the
/// author is neither (the reason added).
fn check_author(q: &Element, errs: &mut Reasons) -> Option<Accessor> {
    let author = q.child("author");
    let person = author.and_then(|a| a.child("COCT_TP145102GB01.AssignedAuthor"));
    let system = author.and_then(|a| a.child("COCT_TP145104GB01.System"));
    let content = author.and_then(|a| {
        a.children
            .iter()
            .find(|c| c.name == "contentId" && c.ns.as_deref() == Some("NPFIT:HL7:Localisation"))
    });
    if let Some(p) = person {
        Some(person_author(p, content, errs))
    } else if let Some(s) = system {
        Some(system_author(s, content, errs))
    } else {
        errs.add(
            "ErrorBase1712.MANDATORY_DATA_MISSING|[authorPerson or authorDevice]",
            "cP-ISNHSQuery/author",
        );
        None
    }
}

/// A person author: job role, SDS user id, organisation (and the role profile if given).
fn person_author(p: &Element, content: Option<&Element>, errs: &mut Reasons) -> Accessor {
    if content.and_then(|c| c.attr("extension")) != Some("COCT_TP145102GB01#AssignedAuthor")
        || content.and_then(|c| c.attr("root")) != Some(CONTENT_ROOT)
    {
        errs.add(
            "ErrorBase1732.INVALID_CONTENT_ID",
            "author/npfitlc:contentId",
        );
    }
    let code = p.child("code");
    if code.and_then(|c| c.attr("code")).is_none() {
        errs.add(
            "ErrorBase1712.MANDATORY_DATA_MISSING|Job Role Code",
            "AssignedAuthor/code/@code",
        );
    }
    if code.and_then(|c| c.attr("displayName")).is_none() {
        errs.add(
            "ErrorBase1712.MANDATORY_DATA_MISSING|Job Role Name",
            "AssignedAuthor/code/@displayName",
        );
    }
    let uid = p.all("id").find(|i| i.attr("root") == Some(USER_ROOT));
    if uid.and_then(|i| i.attr("extension")).is_none() {
        errs.add(
            "ErrorBase1712.MANDATORY_DATA_MISSING|authorID",
            "the SDS user id",
        );
    }
    let org = p.child("representedOrganization");
    if org.and_then(|o| o.attr_at(&["id"], "extension")).is_none() {
        errs.add(
            "ErrorBase1712.MANDATORY_DATA_MISSING|Organisation Code",
            "representedOrganization/id",
        );
    }
    let org_name = org.and_then(|o| text_at(o, &["name"]));
    if org_name.is_none() {
        errs.add(
            "ErrorBase1712.MANDATORY_DATA_MISSING|Organisation Name",
            "representedOrganization/name",
        );
    }
    Accessor::Person {
        name: text_at(p, &["assignedAuthorPerson", "name"]).unwrap_or_default(),
        role_code: code.and_then(|c| c.attr("code")).unwrap_or("").into(),
        role: code
            .and_then(|c| c.attr("displayName"))
            .unwrap_or("")
            .into(),
        organisation: org_name.unwrap_or_default(),
        role_profile_id: p
            .all("id")
            .find(|i| i.attr("root") == Some(PROFILE_ROOT))
            .and_then(|i| i.attr("extension"))
            .unwrap_or("")
            .into(),
    }
}

/// A system author: its ASID, the maintaining organisation, and the person it acts for
/// (`indirectAuthority`, when given).
fn system_author(s: &Element, content: Option<&Element>, errs: &mut Reasons) -> Accessor {
    if content.and_then(|c| c.attr("extension")) != Some("COCT_TP145104GB01#System") {
        errs.add(
            "ErrorBase1732.INVALID_CONTENT_ID",
            "author/npfitlc:contentId",
        );
    }
    let asid = s.attr_at(&["id"], "extension");
    if !is_asid(asid) {
        errs.add(
            "ErrorBase1712.MANDATORY_DATA_MISSING|authorDevice.systemID",
            "System/id",
        );
    }
    let org = s.child("maintainingOrganization");
    if org.and_then(|o| o.attr_at(&["id"], "extension")).is_none() {
        errs.add(
            "ErrorBase1712.MANDATORY_DATA_MISSING|authorDevice.orgCode",
            "maintainingOrganization/id",
        );
    }
    let org_name = org.and_then(|o| text_at(o, &["name"]));
    if org_name.is_none() {
        errs.add(
            "ErrorBase1712.MANDATORY_DATA_MISSING|authorDevice.orgName",
            "maintainingOrganization/name",
        );
    }
    let person = s
        .at(&["indirectAuthority", "superiorAssignedEntity"])
        .map(|sup| superior_person(sup, errs))
        .unwrap_or_default();
    Accessor::System {
        asid: asid.unwrap_or("").into(),
        name: person,
        organisation: org_name.unwrap_or_default(),
    }
}

/// The person a system acts for: their job role, and their name (empty when missing).
fn superior_person(sup: &Element, errs: &mut Reasons) -> String {
    if sup.attr_at(&["code"], "code").is_none() {
        errs.add(
            "ErrorBase1712.MANDATORY_DATA_MISSING|authorDevice.jobRoleCode",
            "superiorAssignedEntity/code/@code",
        );
    }
    if sup.attr_at(&["code"], "displayName").is_none() {
        errs.add(
            "ErrorBase1712.MANDATORY_DATA_MISSING|authorDevice.jobRoleName",
            "superiorAssignedEntity/code/@displayName",
        );
    }
    match text_at(sup, &["assignedPerson", "name"]) {
        Some(n) => n,
        None => {
            errs.add(
                "ErrorBase1712.MANDATORY_DATA_MISSING|authorDevice.assignedPersonName",
                "superiorAssignedEntity/assignedPerson/name",
            );
            String::new()
        }
    }
}

async fn answer(state: &State, q: &Query, message_id: &str, wait: bool) -> Result<Resp, HangUp> {
    let known = patients::find(&q.nhs);
    // Every query that passes Spine's checks notifies (the sandbox counts it).
    state.count_unscheduled(&q.nhs);
    if !wait {
        let mut r = plain(StatusCode::ACCEPTED, "Accepted");
        *r.body_mut() = http_body_util::Full::new(hyper::body::Bytes::new());
        return Ok(r);
    }
    let Some(p) = known else {
        return Ok(xml_reply(quqi(message_id), message_id));
    };
    let behaviour = p.behaviour;
    match behaviour {
        Behaviour::GatewayTimeoutAfterRecording => {
            state.record_access(p, Some(q.caller.clone()));
            return Ok(plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "No async response received from sync-async store",
            ));
        }
        Behaviour::ResetAfterRecording => {
            state.record_access(p, Some(q.caller.clone()));
            return Err(HangUp);
        }
        Behaviour::AccessDenied => {
            let body = serde_json::json!({
                "error_message": "Error(s) received from Spine. Contact system administrator.",
                "process_key": "SOAP_ERROR_HANDLER0002",
                "errors": [{"codeContext": "urn:nhs:names:error:tms", "description": "System failure to process message - default",
                            "errorCode": "200", "errorType": "soap_fault", "severity": "Error"}]
            })
            .to_string();
            let mut r = plain(StatusCode::INTERNAL_SERVER_ERROR, "");
            *r.body_mut() = http_body_util::Full::new(hyper::body::Bytes::from(body));
            return Ok(r);
        }
        Behaviour::Slow => tokio::time::sleep(patients::SLOW_RESPONSE).await,
        _ => {}
    }
    let history = state.record_access(p, Some(q.caller.clone()));
    let about = if behaviour == Behaviour::OtherChildCareTeam {
        patients::OTHER_CHILD
    } else {
        p.nhs_number
    };
    let doc = repc(
        message_id,
        p,
        about,
        behaviour == Behaviour::NoSubject,
        &history,
    );
    if behaviour == Behaviour::MalformedBody {
        return Ok(xml_reply(doc[..doc.len() / 2].to_string(), message_id));
    }
    Ok(xml_reply(doc, message_id))
}

fn now_ts() -> String {
    cpis_core::timeutil::rfc3339(std::time::SystemTime::now())
        .chars()
        .filter(char::is_ascii_digit)
        .take(14)
        .collect()
}

/// The transmission wrapper every answer starts with.
fn wrapper(d: &mut Doc, root: &str) {
    d.open(
        root,
        &[("xmlns", HL7), ("xmlns:npfitlc", "NPFIT:HL7:Localisation")],
    );
    d.empty("id", &[("root", &super::vocab::message_id())]);
    d.empty("creationTime", &[("value", &now_ts())]);
    d.empty("versionCode", &[("code", "V3NPfIT3.0")]);
    d.empty(
        "interactionId",
        &[
            ("root", "2.16.840.1.113883.2.1.3.2.4.12"),
            ("extension", root),
        ],
    );
    d.empty("processingCode", &[("code", "T")]);
    d.empty("processingModeCode", &[("code", "T")]);
    d.empty("acceptAckCode", &[("code", "NE")]);
}

fn devices(d: &mut Doc) {
    device(
        d,
        "communicationFunctionRcv",
        "device",
        super::vocab::MHS_CALLER_ASID,
    );
    device(d, "communicationFunctionSnd", "device", SPINE_ASID);
}

fn spine_author(d: &mut Doc) {
    d.open("author1", &[("typeCode", "AUT")]);
    d.open("AgentSystemSDS", &[("classCode", "AGNT")]);
    d.open(
        "agentSystemSDS",
        &[("classCode", "DEV"), ("determinerCode", "INSTANCE")],
    );
    d.empty("id", &[("root", ASID_ROOT), ("extension", SPINE_ASID)]);
    d.close("agentSystemSDS");
    d.close("AgentSystemSDS");
    d.close("author1");
}

fn reason(d: &mut Doc, code: &str, display: &str) {
    d.open("reason", &[("typeCode", "RSON")]);
    d.open(
        "justifyingDetectedIssueEvent",
        &[("classCode", "ALRT"), ("moodCode", "EVN")],
    );
    d.empty(
        "code",
        &[
            ("code", code),
            ("codeSystem", ERROR_CODES),
            ("displayName", display),
        ],
    );
    d.close("justifyingDetectedIssueEvent");
    d.close("reason");
}

fn acknowledgement(d: &mut Doc, message_id: &str) {
    d.open("acknowledgement", &[("typeCode", "AE")]);
    d.open("messageRef", &[]);
    d.empty("id", &[("root", message_id)]);
    d.close("messageRef");
    d.close("acknowledgement");
}

/// `MCCI_IN010000UK13`: Spine refused the query, one reason per failed check.
fn mcci(message_id: &str, errors: &[(String, String)]) -> String {
    let mut d = Doc::new();
    wrapper(&mut d, "MCCI_IN010000UK13");
    acknowledgement(&mut d, message_id);
    devices(&mut d);
    d.open(
        "ControlActEvent",
        &[("classCode", "CACT"), ("moodCode", "EVN")],
    );
    spine_author(&mut d);
    for (code, text) in errors {
        reason(&mut d, code, text);
    }
    d.close("ControlActEvent");
    d.close("MCCI_IN010000UK13");
    d.finish()
}

/// `QUQI_IN010000UK14`: no records for this NHS number.
fn quqi(message_id: &str) -> String {
    let mut d = Doc::new();
    wrapper(&mut d, "QUQI_IN010000UK14");
    acknowledgement(&mut d, message_id);
    devices(&mut d);
    d.open(
        "ControlActEvent",
        &[("classCode", "CACT"), ("moodCode", "EVN")],
    );
    spine_author(&mut d);
    reason(&mut d, "NRF", "No Records Found (sandbox)");
    d.open("queryAck", &[("type", "QueryAck")]);
    d.empty("queryResponseCode", &[("code", "NF")]);
    d.close("queryAck");
    d.close("ControlActEvent");
    d.close("QUQI_IN010000UK14");
    d.finish()
}

/// A local authority's code (the sandbox's authorities are fictional; codes look like ONS's).
fn la_code(name: &str) -> &'static str {
    match name {
        n if n.starts_with("Islington") => "E09000019",
        n if n.contains("Camden") => "E09000007",
        n if n.starts_with("Leeds") => "E08000035",
        n if n.starts_with("Kent") => "E10000016",
        _ => "E99999999",
    }
}

/// `YYYY-MM-DD` as the schema's 12-digit plan date.
fn plan_date(d: &str) -> String {
    let digits: String = d.chars().filter(char::is_ascii_digit).collect();
    format!("{digits:0<8}0000")
}

fn person_name(d: &mut Doc, name: &str) {
    // "Dr Paula PALMER": the last word is the family name, the others given (or prefix).
    let mut words: Vec<&str> = name.split_whitespace().collect();
    let family = words.pop().unwrap_or("");
    d.open("name", &[]);
    let title = matches!(words.first(), Some(&("Dr" | "Mr" | "Mrs" | "Ms" | "Miss")));
    if title {
        d.text("prefix", words[0]);
    }
    for g in words.iter().skip(usize::from(title)) {
        d.text("given", g);
    }
    d.text("family", family);
    d.close("name");
}

fn access(d: &mut Doc, recorded: &str, a: &Accessor, nhs: &str) {
    d.open("pertinentInformation13", &[]);
    d.open("pertinentCP-ISNHSQuery", &[]);
    let ts: String = recorded
        .chars()
        .filter(char::is_ascii_digit)
        .take(14)
        .collect();
    d.empty("effectiveTime", &[("value", &format!("{ts}+0000"))]);
    d.empty("id", &[("root", &super::vocab::message_id())]);
    d.open("author", &[]);
    match a {
        Accessor::Person {
            name,
            role_code,
            role,
            organisation,
            role_profile_id,
        } => {
            d.empty(
                "npfitlc:contentId",
                &[
                    ("root", CONTENT_ROOT),
                    ("extension", "COCT_TP145102GB01#AssignedAuthor"),
                ],
            );
            d.open("COCT_TP145102GB01.AssignedAuthor", &[]);
            d.empty(
                "code",
                &[
                    ("code", role_code),
                    ("codeSystem", "2.16.840.1.113883.2.1.3.2.4.17.196"),
                    ("displayName", role),
                ],
            );
            d.empty("id", &[("root", USER_ROOT), ("extension", "999000000000")]);
            if !role_profile_id.is_empty() {
                d.empty(
                    "id",
                    &[("root", PROFILE_ROOT), ("extension", role_profile_id)],
                );
            }
            d.open("assignedAuthorPerson", &[]);
            person_name(d, name);
            d.close("assignedAuthorPerson");
            organisation_element(d, "representedOrganization", "X99", organisation);
            d.close("COCT_TP145102GB01.AssignedAuthor");
        }
        Accessor::System {
            asid,
            name,
            organisation,
        } => {
            d.empty(
                "npfitlc:contentId",
                &[
                    ("root", CONTENT_ROOT),
                    ("extension", "COCT_TP145104GB01#System"),
                ],
            );
            d.open("COCT_TP145104GB01.System", &[]);
            d.empty("id", &[("root", ASID_ROOT), ("extension", asid)]);
            if !name.is_empty() {
                d.open("indirectAuthority", &[]);
                d.open("superiorAssignedEntity", &[]);
                d.empty(
                    "code",
                    &[
                        ("code", "R8000"),
                        ("codeSystem", "2.16.840.1.113883.2.1.3.2.4.17.196"),
                        ("displayName", "Clinical Practitioner Access Role"),
                    ],
                );
                d.open("assignedPerson", &[]);
                person_name(d, name);
                d.close("assignedPerson");
                d.close("superiorAssignedEntity");
                d.close("indirectAuthority");
            }
            organisation_element(d, "maintainingOrganization", "X99", organisation);
            d.close("COCT_TP145104GB01.System");
        }
    }
    d.close("author");
    d.open("queryByParameter", &[]);
    d.open("person.NHSnumber", &[]);
    d.empty("value", &[("extension", nhs)]);
    d.close("person.NHSnumber");
    d.close("queryByParameter");
    d.close("pertinentCP-ISNHSQuery");
    d.close("pertinentInformation13");
}

/// `REPC_IN000007GB01`: one record per plan, about `about`, with the access history.
fn repc(
    message_id: &str,
    p: &patients::Patient,
    about: &str,
    no_subject: bool,
    history: &[(String, Accessor)],
) -> String {
    let mut d = Doc::new();
    wrapper(&mut d, "REPC_IN000007GB01");
    devices(&mut d);
    d.open(
        "ControlActEvent",
        &[("classCode", "CACT"), ("moodCode", "EVN")],
    );
    spine_author(&mut d);
    d.open("subject", &[("typeCode", "SUBJ")]);
    d.open("CP-ISNHSQueryResponse", &[]);
    d.empty("effectiveTime", &[("value", &now_ts())]);
    d.empty("id", &[("root", message_id)]);
    total(
        &mut d,
        "pertinentInformation11",
        "pertinentTotalReturnedAccessRecords",
        history.len(),
    );
    total(
        &mut d,
        "pertinentInformation12",
        "pertinentTotalReturnedChildRecords",
        p.plans.len().max(1),
    );
    for (recorded, a) in history {
        access(&mut d, recorded, a, p.nhs_number);
    }
    let (first, last) = p.name.rsplit_once(' ').unwrap_or(("", p.name));
    let subject = Subject {
        about,
        no_subject,
        first,
        last,
    };
    for plan in p.plans {
        plan_record(&mut d, plan, &subject);
    }
    d.close("CP-ISNHSQueryResponse");
    d.close("subject");
    d.open("queryAck", &[("type", "QueryAck")]);
    d.empty("queryResponseCode", &[("code", "OK")]);
    d.close("queryAck");
    d.close("ControlActEvent");
    d.close("REPC_IN000007GB01");
    d.finish()
}

/// `<outer><inner><value value=N/></inner></outer>`: one of the answer's totals.
fn total(d: &mut Doc, outer: &str, inner: &str, n: usize) {
    d.open(outer, &[]);
    d.open(inner, &[]);
    d.empty("value", &[("value", &n.to_string())]);
    d.close(inner);
    d.close(outer);
}

/// Whom each record of an answer is about: the NHS number (or, `no_subject`, a local id
/// only) and the name, given and family.
struct Subject<'a> {
    about: &'a str,
    no_subject: bool,
    first: &'a str,
    last: &'a str,
}

/// One plan's record: the local authority that sent it, the plan's dates, whom it is about.
fn plan_record(d: &mut Doc, plan: &patients::PlanSpec, subject: &Subject) {
    d.open("pertinentInformation14", &[]);
    d.open("pertinentCP-ISRecordControlAct", &[]);
    d.open("record", &[]);
    plan_sender(d, &plan.local_authority);
    d.open("CP-ISRecord", &[]);
    plan_information(d, plan);
    d.open("subject", &[]);
    if plan.kind == PlanKind::Ucpp {
        unborn_child(d, subject);
    } else {
        child(d, subject);
    }
    d.close("subject");
    d.close("CP-ISRecord");
    d.close("record");
    d.close("pertinentCP-ISRecordControlAct");
    d.close("pertinentInformation14");
}

/// The local authority as the record's sender, with its two phone numbers.
fn plan_sender(d: &mut Doc, la: &patients::LocalAuthority) {
    d.open("communicationFunctionSnd", &[]);
    d.open("organisation", &[]);
    d.empty("id", &[("root", ORG_ROOT), ("extension", la_code(la.name))]);
    d.text("name", la.name);
    d.empty(
        "telecom",
        &[
            ("use", "EC"),
            ("value", &format!("tel:{}", la.emergency_duty)),
        ],
    );
    d.empty(
        "telecom",
        &[
            ("use", "WP"),
            ("value", &format!("tel:{}", la.office_hours)),
        ],
    );
    d.close("organisation");
    d.close("communicationFunctionSnd");
}

/// The plan's kind (its template) and its start and end dates.
fn plan_information(d: &mut Doc, plan: &patients::PlanSpec) {
    let (template, element, prefix) = match plan.kind {
        PlanKind::Cpp => ("COCT_TP146105GB01", "CPPInformation", "cPP"),
        PlanKind::Lac => ("COCT_TP146103GB01", "LACInformation", "lAC"),
        PlanKind::Ucpp => ("COCT_TP146104GB01", "UCPInformation", "uCP"),
    };
    d.open("pertinentInformation15", &[]);
    d.empty(
        "npfitlc:contentId",
        &[
            ("root", CONTENT_ROOT),
            ("extension", &format!("{template}#{element}")),
        ],
    );
    let el = format!("{template}.{element}");
    d.open(&el, &[]);
    d.open("component", &[]);
    d.open(&format!("{prefix}StartDate"), &[]);
    d.empty("value", &[("value", &plan_date(plan.start))]);
    d.close(&format!("{prefix}StartDate"));
    d.close("component");
    // An unborn child's plan always has an end date (the due date's plan).
    let end = plan
        .end
        .map(str::to_string)
        .or_else(|| (plan.kind == PlanKind::Ucpp).then(|| "2099-12-31".to_string()));
    if let Some(end) = end {
        d.open("component1", &[]);
        d.open(&format!("{prefix}EndDate"), &[]);
        d.empty("value", &[("value", &plan_date(&end))]);
        d.close(&format!("{prefix}EndDate"));
        d.close("component1");
    }
    d.close(&el);
    d.close("pertinentInformation15");
}

/// The subject's id: the NHS number, or (`no_subject`) a local id only.
fn subject_id(d: &mut Doc, subject: &Subject) {
    if !subject.no_subject {
        d.empty("id", &[("root", NHS_ROOT), ("extension", subject.about)]);
    } else {
        d.empty(
            "id",
            &[
                ("root", "2.16.840.1.113883.2.1.3.2.4.18.24"),
                ("extension", "LOCAL-1"),
            ],
        );
    }
}

fn subject_name(d: &mut Doc, subject: &Subject) {
    d.open("name", &[]);
    d.text("given", subject.first);
    d.text("family", subject.last);
    d.close("name");
}

/// An unborn child's plan is about the mother.
fn unborn_child(d: &mut Doc, subject: &Subject) {
    d.empty(
        "npfitlc:contentId",
        &[
            ("root", CONTENT_ROOT),
            ("extension", "COCT_TP145100GB01#UnbornChild"),
        ],
    );
    d.open("COCT_TP145100GB01.UnbornChild", &[]);
    d.open("parentMotherPerson", &[]);
    d.empty("birthTime", &[("value", "19950101")]);
    subject_name(d, subject);
    d.open("playedMother", &[]);
    subject_id(d, subject);
    d.close("playedMother");
    d.close("parentMotherPerson");
    d.close("COCT_TP145100GB01.UnbornChild");
}

fn child(d: &mut Doc, subject: &Subject) {
    d.empty(
        "npfitlc:contentId",
        &[
            ("root", CONTENT_ROOT),
            ("extension", "COCT_TP145101GB01#Child"),
        ],
    );
    d.open("COCT_TP145101GB01.Child", &[]);
    subject_id(d, subject);
    d.open("childPerson", &[]);
    d.empty("birthTime", &[("value", "20200101")]);
    subject_name(d, subject);
    d.close("childPerson");
    d.close("COCT_TP145101GB01.Child");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes the sandbox's answers where `CPIS_V3_SAMPLES` says, for a schema check by hand.
    #[test]
    fn answers_are_written() {
        let p = patients::find("9990000026").unwrap();
        let h = vec![(
            "2026-11-01T10:00:00+00:00".to_string(),
            patients::sandbox_caller(),
        )];
        let docs = [
            (
                "repc",
                repc(
                    &super::super::vocab::message_id(),
                    p,
                    p.nhs_number,
                    false,
                    &h,
                ),
            ),
            ("quqi", quqi(&super::super::vocab::message_id())),
            (
                "mcci",
                mcci(
                    &super::super::vocab::message_id(),
                    &[("A".into(), "B".into())],
                ),
            ),
        ];
        if let Some(dir) = std::env::var_os("CPIS_V3_SAMPLES") {
            for (n, d) in &docs {
                std::fs::write(std::path::Path::new(&dir).join(format!("{n}.xml")), d).unwrap();
            }
        }
        assert!(docs[0].1.contains("REPC_IN000007GB01"));
    }
}
