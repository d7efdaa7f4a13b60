//! NHS CIS2 smartcard sign-in, "separate authentication": OpenID Connect authorization code
//! with PKCE against CIS2 through the system browser and a loopback redirect, the id_token
//! verified, the user read once from userinfo; then the id_token is exchanged at the API
//! platform's token endpoint (token-exchange grant with a signed client assertion), and the
//! platform's tokens refreshed with the application's client secret.

use std::time::Duration;

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::system::{self, TokenReply};
use crate::error::{Error, Kind, Result};
use crate::secret::Secret;

/// How long `auth login --user` waits for the browser to come back.
pub const LOGIN_WAIT: Duration = Duration::from_secs(300);
/// The scopes asked of CIS2.
pub const SCOPES: &str = "openid profile email nhsperson nationalrbacaccess selectedrole";
/// The activity codes a CP-IS lookup needs (national RBAC).
pub const VIEW_WITH_NOTIFICATION: &str = "B0107";
pub const VIEW_WITHOUT_NOTIFICATION: &str = "B0170";

/// The CIS2 issuers by environment (as NHS services configure them; see the reference).
pub const CIS2_INT: &str = "https://am.nhsint.auth-ptl.cis2.spineservices.nhs.uk:443/openam/oauth2/realms/root/realms/NHSIdentity/realms/Healthcare";
pub const CIS2_LIVE: &str = "https://am.nhsidentity.spineservices.nhs.uk:443/openam/oauth2/realms/root/realms/NHSIdentity/realms/Healthcare";

fn cis2_error(message: impl Into<String>) -> Error {
    Error::new(Kind::NotAuthenticated, message)
        .with_hint("nothing was exchanged; sign in again with `cpis auth login --user`")
}

/// The provider's discovery document (the fields used).
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: String,
}

async fn get_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    bearer: Option<&Secret>,
    what: &str,
) -> Result<T> {
    let u =
        url::Url::parse(url).map_err(|e| cis2_error(format!("{what}: bad URL {url:?}: {e}")))?;
    check_endpoint(&u, what)?;
    let mut req = http
        .get(u.clone())
        .header(reqwest::header::ACCEPT, "application/json");
    if let Some(t) = bearer {
        req = req.bearer_auth(t.expose());
    }
    let resp = req
        .timeout(system::TOKEN_TIMEOUT)
        .send()
        .await
        .map_err(|e| crate::net::diagnose::transport_error(e, &u, system::TOKEN_TIMEOUT, true))?;
    let status = resp.status();
    let bytes = match crate::net::http::read_body(resp, crate::net::http::MAX_BODY).await {
        Ok(b) => b,
        Err(crate::net::http::BodyError::TooLarge) => {
            return Err(crate::net::http::too_large(what))
        }
        Err(crate::net::http::BodyError::Transport(e)) => {
            return Err(crate::net::diagnose::transport_error(
                e,
                &u,
                system::TOKEN_TIMEOUT,
                true,
            ))
        }
    };
    if !status.is_success() {
        return Err(cis2_error(format!("{what}: HTTP {}", status.as_u16())));
    }
    parse_json(&bytes, what)
}

/// A CIS2 JSON reply (discovery, JWKS, userinfo) as `T`, or the error naming `what`.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|_| cis2_error(format!("{what}: unreadable reply")))
}

/// Every CIS2 endpoint follows the base-URL rule: https, or http on loopback only.
fn check_endpoint(u: &url::Url, what: &str) -> Result<()> {
    crate::config::environment::check_base_url(&format!(
        "{}://{}",
        u.scheme(),
        u.host_str().unwrap_or("")
    ))
    .map(|_| ())
    .map_err(|e| Error::usage(format!("{what}: {e}")))
}

pub async fn discover(http: &reqwest::Client, issuer: &str) -> Result<Discovery> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let d: Discovery = get_json(http, &url, None, "CIS2 discovery").await?;
    if d.issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return Err(cis2_error(format!(
            "CIS2 discovery names issuer {:?}, not {issuer:?}",
            d.issuer
        )));
    }
    Ok(d)
}

/// A random URL-safe string with 256 bits from the OS's generator.
pub fn random_token() -> String {
    use rsa::rand_core::RngCore;
    let mut b = [0u8; 32];
    rsa::rand_core::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// PKCE S256: the verifier (secret) and its challenge.
pub fn pkce() -> (Secret, String) {
    let verifier = random_token();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    (Secret::new(verifier), challenge)
}

/// The authorize URL the browser is sent to.
pub fn authorize_url(
    d: &Discovery,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    nonce: &str,
    challenge: &str,
) -> Result<url::Url> {
    let mut u = url::Url::parse(&d.authorization_endpoint)
        .map_err(|e| cis2_error(format!("CIS2 authorize endpoint: {e}")))?;
    check_endpoint(&u, "CIS2 authorize endpoint")?;
    u.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", SCOPES)
        .append_pair("state", state)
        .append_pair("nonce", nonce)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    Ok(u)
}

/// Open the system browser at `url` (no shell involved).
pub fn open_browser(url: &str) -> bool {
    #[cfg(target_os = "macos")]
    let mut c = std::process::Command::new("open");
    #[cfg(windows)]
    let mut c = {
        let mut c = std::process::Command::new("rundll32");
        c.arg("url.dll,FileProtocolHandler");
        c
    };
    #[cfg(all(unix, not(target_os = "macos")))]
    let mut c = std::process::Command::new("xdg-open");
    c.arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}

/// How long one connection to the loopback listener may take to send its request head: an
/// idle connection (a port scanner, a browser's pre-connect) is dropped after this.
pub const CALLBACK_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections the loopback listener serves at once; more are closed at once.
const MAX_CALLBACK_CONNECTIONS: usize = 32;
/// The most of a request head read from one connection.
const MAX_CALLBACK_HEAD: u64 = 16 * 1024;

/// What one connection to the loopback listener came to.
enum Arrival {
    /// Not a reply for this login (another path, a wrong or missing `state`, garbage, idle).
    Ignored,
    /// The reply for this login (its `state` matched): the code, with the browser's
    /// connection held open for the page that says how the sign-in ended; or why there is no
    /// code (that page already sent).
    Answer(Result<Callback>),
}

/// The browser's reply for this login: the authorization code, and the browser's connection,
/// held open so that the page it shows says "signed in" only once the sign-in has finished
/// (the id_token verified, the tokens exchanged and kept). [`Callback::answer`] sends that
/// page; dropped unanswered, the browser sees the connection close (never "signed in").
pub struct Callback {
    pub code: Secret,
    browser: tokio::net::TcpStream,
}

/// The page for a sign-in that ended in an error: the reason is on the terminal, not here.
const FAILED_PAGE: &str = "Sign-in failed. Look at the terminal where cpis is running to see why; nothing was kept. You can close this window.";

impl Callback {
    /// Tell the browser how the sign-in ended: "signed in" only when `signed_in`.
    pub async fn answer(mut self, signed_in: bool) {
        let body = if signed_in {
            "Signed in. You can close this window and return to cpis."
        } else {
            FAILED_PAGE
        };
        write_page(&mut self.browser, "200 OK", body).await;
    }
}

async fn write_page<W: tokio::io::AsyncWrite + Unpin>(write: &mut W, status: &str, body: &str) {
    let page = format!("<!doctype html><title>cpis</title><p>{body}</p>");
    let _ = write
        .write_all(
            format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{page}",
                page.len()
            )
            .as_bytes(),
        )
        .await;
    let _ = write.flush().await;
}

/// Wait on the loopback listener for the browser's redirect to `/callback` with this login's
/// `state`, and return the authorization code with the browser's connection (answer it with
/// [`Callback::answer`] once the sign-in has ended). Connections are served concurrently, each
/// with [`CALLBACK_READ_TIMEOUT`] to send its request: anything that is not this login's reply
/// (another path, a wrong or missing `state`, an idle or garbled connection) is answered with
/// an error page and ignored, and the wait goes on until [`LOGIN_WAIT`].
pub async fn wait_for_code(listener: tokio::net::TcpListener, state: &str) -> Result<Callback> {
    let state: std::sync::Arc<str> = state.into();
    let wait = async {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Callback>>(1);
        let mut serving = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let (stream, _) = accepted
                        .map_err(|e| cis2_error(format!("the sign-in callback failed: {e}")))?;
                    if serving.len() >= MAX_CALLBACK_CONNECTIONS {
                        drop(stream);
                        continue;
                    }
                    let (state, tx) = (state.clone(), tx.clone());
                    serving.spawn(async move {
                        let arrival = tokio::time::timeout(
                            CALLBACK_READ_TIMEOUT,
                            serve_callback(stream, &state),
                        )
                        .await
                        .unwrap_or(Arrival::Ignored);
                        if let Arrival::Answer(a) = arrival {
                            let _ = tx.send(a).await;
                        }
                    });
                }
                Some(answer) = rx.recv() => return answer,
                Some(_) = serving.join_next(), if !serving.is_empty() => {}
            }
        }
    };
    tokio::time::timeout(LOGIN_WAIT, wait)
        .await
        .map_err(|_| cis2_error(format!("no sign-in within {} s", LOGIN_WAIT.as_secs())))?
}

/// Read one request from the loopback listener and answer it, except for this login's code:
/// that connection is handed back unanswered, for [`Callback::answer`].
async fn serve_callback(mut stream: tokio::net::TcpStream, state: &str) -> Arrival {
    use tokio::io::AsyncReadExt;
    let line = {
        let mut reader = BufReader::new((&mut stream).take(MAX_CALLBACK_HEAD));
        let mut line = String::new();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            return Arrival::Ignored;
        }
        // Drain the headers.
        loop {
            let mut h = String::new();
            match reader.read_line(&mut h).await {
                Ok(0) | Err(_) => break,
                Ok(_) if h.trim().is_empty() => break,
                Ok(_) => {}
            }
        }
        line
    };
    let target = line.split_whitespace().nth(1).unwrap_or("");
    let parsed = url::Url::parse(&format!("http://127.0.0.1{target}"))
        .ok()
        .filter(|u| target.starts_with('/') && u.path() == "/callback");
    let Some(u) = parsed else {
        let _ = stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await;
        return Arrival::Ignored;
    };
    let q: std::collections::HashMap<String, String> = u.query_pairs().into_owned().collect();
    let ours = q.get("state").is_some_and(|s| s.as_str() == state);
    let (arrival, status, body) = match (ours, q.get("code"), q.get("error")) {
        (false, _, _) => {
            crate::ui::warning(
                "ignored a sign-in reply whose state does not match this login (a stale or forged redirect); still waiting for yours",
            );
            (
                Arrival::Ignored,
                "400 Bad Request",
                "This sign-in reply is not for the sign-in cpis is waiting for (state mismatch), and was ignored.",
            )
        }
        (true, Some(code), None) => {
            // Not answered yet: the page waits for the sign-in to finish.
            return Arrival::Answer(Ok(Callback {
                code: Secret::new(code.clone()),
                browser: stream,
            }));
        }
        (true, _, Some(e)) => (
            Arrival::Answer(Err(cis2_error(format!(
                "CIS2 refused the sign-in: {}",
                crate::sanitize::sanitize(e)
            )))),
            "200 OK",
            FAILED_PAGE,
        ),
        (true, None, None) => (
            Arrival::Answer(Err(cis2_error("the sign-in reply has no code"))),
            "200 OK",
            FAILED_PAGE,
        ),
    };
    write_page(&mut stream, status, body).await;
    arrival
}

#[derive(Deserialize)]
struct Cis2TokenReply {
    id_token: Secret,
    #[serde(default)]
    access_token: Option<Secret>,
}

/// Exchange the code at CIS2's token endpoint (client secret and PKCE verifier).
pub async fn exchange_code(
    http: &reqwest::Client,
    d: &Discovery,
    client_id: &str,
    client_secret: &Secret,
    code: &Secret,
    redirect_uri: &str,
    verifier: &Secret,
) -> Result<(Secret, Option<Secret>)> {
    let u = url::Url::parse(&d.token_endpoint)
        .map_err(|e| cis2_error(format!("CIS2 token endpoint: {e}")))?;
    check_endpoint(&u, "CIS2 token endpoint")?;
    let reply = system::request_token_raw(
        http,
        d.token_endpoint.as_str(),
        &[
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("redirect_uri", redirect_uri),
            ("client_id", client_id),
            ("client_secret", client_secret.expose()),
            ("code_verifier", verifier.expose()),
        ],
    )
    .await?;
    parse_token_reply(&reply)
}

/// CIS2's token reply: the id_token, and the access token when there is one.
pub fn parse_token_reply(reply: &[u8]) -> Result<(Secret, Option<Secret>)> {
    let r: Cis2TokenReply = serde_json::from_slice(reply)
        .map_err(|_| cis2_error("CIS2's token reply holds no id_token"))?;
    Ok((r.id_token, r.access_token))
}

/// The id_token claims used.
#[derive(Debug, Clone, Deserialize)]
pub struct IdClaims {
    pub sub: String,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub selected_roleid: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// One audience or several (checked to hold our client id by the JWT validation).
    #[serde(default)]
    pub aud: Option<serde_json::Value>,
    /// The authorized party: must be our client id when present, and present when the token
    /// has several audiences.
    #[serde(default)]
    pub azp: Option<String>,
}

/// CIS2's JSON Web Key Set.
#[derive(Deserialize)]
pub struct Jwks {
    pub keys: Vec<jsonwebtoken::jwk::Jwk>,
}

/// Verify the id_token: RS256 or RS512 signature against the provider's JWKS (by `kid`),
/// issuer, audience, expiry and nonce.
pub async fn verify_id_token(
    http: &reqwest::Client,
    d: &Discovery,
    client_id: &str,
    nonce: &str,
    id_token: &Secret,
) -> Result<IdClaims> {
    id_token_header(id_token)?;
    let jwks: Jwks = get_json(http, &d.jwks_uri, None, "CIS2 JWKS").await?;
    check_id_token(d, client_id, nonce, id_token, &jwks)
}

/// The id_token's header, refused unless it is a JWT signed with RS256 or RS512.
fn id_token_header(id_token: &Secret) -> Result<jsonwebtoken::Header> {
    let header = jsonwebtoken::decode_header(id_token.expose())
        .map_err(|_| cis2_error("the id_token is not a JWT"))?;
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::RS512) {
        return Err(cis2_error(format!(
            "the id_token is signed with {:?}, not RS256 or RS512",
            header.alg
        )));
    }
    Ok(header)
}

/// Verify the id_token against `jwks` (already fetched): signature by `kid`, issuer,
/// audience, expiry, `azp` and nonce.
pub fn check_id_token(
    d: &Discovery,
    client_id: &str,
    nonce: &str,
    id_token: &Secret,
    jwks: &Jwks,
) -> Result<IdClaims> {
    let header = id_token_header(id_token)?;
    let jwk = jwks
        .keys
        .iter()
        .find(|k| header.kid.is_some() && k.common.key_id == header.kid)
        .ok_or_else(|| cis2_error("the id_token's key (kid) is not in CIS2's JWKS"))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| cis2_error("CIS2's JWKS key is unusable"))?;
    let mut v = Validation::new(header.alg);
    v.set_issuer(&[d.issuer.as_str()]);
    v.set_audience(&[client_id]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.leeway = 10;
    let data = jsonwebtoken::decode::<IdClaims>(id_token.expose(), &key, &v).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind as K;
        let why = match e.kind() {
            K::InvalidSignature => "its signature does not verify",
            K::ExpiredSignature => "it has expired",
            K::InvalidIssuer => "its issuer is not CIS2's",
            K::InvalidAudience => "its audience is not this client",
            K::MissingRequiredClaim(_) => "a required claim is missing",
            _ => "it cannot be read",
        };
        cis2_error(format!("the id_token is refused: {why}"))
    })?;
    check_azp(&data.claims, client_id)?;
    if data.claims.nonce.as_deref() != Some(nonce) {
        return Err(cis2_error(
            "the id_token's nonce does not match this login (a replayed token?)",
        ));
    }
    Ok(data.claims)
}

/// OpenID Connect Core 3.1.3.7: a token for several audiences must name us as its
/// authorized party (`azp`), and an `azp` that names another client is refused either way.
fn check_azp(claims: &IdClaims, client_id: &str) -> Result<()> {
    let many = matches!(&claims.aud, Some(serde_json::Value::Array(a)) if a.len() > 1);
    match claims.azp.as_deref() {
        Some(azp) if azp != client_id => Err(cis2_error(
            "the id_token is refused: its authorized party (azp) is another client",
        )),
        None if many => Err(cis2_error(
            "the id_token is refused: it has several audiences and no authorized party (azp)",
        )),
        _ => Ok(()),
    }
}

/// OpenID Connect Core 5.3.2: userinfo is about the user the id_token names, or it is not
/// used (a userinfo without `sub`, or with another, is refused).
pub fn check_userinfo_sub(claims: &IdClaims, info: &Userinfo) -> Result<()> {
    if info.sub.as_deref() == Some(claims.sub.as_str()) {
        Ok(())
    } else {
        Err(cis2_error(
            "CIS2 userinfo is about another user than the id_token (its sub differs)",
        ))
    }
}

/// One national RBAC role of the user (userinfo `nhsid_nrbac_roles[]`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NrbacRole {
    #[serde(default)]
    pub person_roleid: Option<String>,
    #[serde(default)]
    pub person_orgid: Option<String>,
    #[serde(default)]
    pub org_code: Option<String>,
    #[serde(default)]
    pub role_code: Option<String>,
    #[serde(default)]
    pub role_name: Option<String>,
    #[serde(default)]
    pub activities: Vec<String>,
    #[serde(default)]
    pub activity_codes: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrgRef {
    #[serde(default)]
    pub org_code: Option<String>,
    #[serde(default)]
    pub org_name: Option<String>,
}

/// CIS2 userinfo (the fields used).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Userinfo {
    #[serde(default)]
    pub sub: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub family_name: Option<String>,
    #[serde(default)]
    pub nhsid_useruid: Option<String>,
    #[serde(default)]
    pub nhsid_nrbac_roles: Vec<NrbacRole>,
    #[serde(default)]
    pub nhsid_user_orgs: Vec<OrgRef>,
    #[serde(default)]
    pub nhsid_org_memberships: Vec<OrgRef>,
}

pub async fn userinfo(
    http: &reqwest::Client,
    d: &Discovery,
    access_token: &Secret,
) -> Result<Userinfo> {
    let url = d
        .userinfo_endpoint
        .as_deref()
        .ok_or_else(|| cis2_error("CIS2's discovery document names no userinfo endpoint"))?;
    get_json(http, url, Some(access_token), "CIS2 userinfo").await
}

/// Combined authentication: the platform's own userinfo (`{host}/oauth2/userinfo`) with its
/// access token, in CIS2's shape.
pub async fn platform_userinfo(
    http: &reqwest::Client,
    url: &str,
    access_token: &Secret,
) -> Result<Userinfo> {
    get_json(http, url, Some(access_token), "platform userinfo").await
}

/// Who the signed-in user is, in the role they selected: kept (not secret) in the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserIdentity {
    pub uid: String,
    pub name: String,
    pub role_name: Option<String>,
    /// The selected role's national RBAC code (`S8000:G8000:R8001`), for the HL7 V3 route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_code: Option<String>,
    pub org_name: Option<String>,
    pub org_code: Option<String>,
    /// The role profile id (`NHSD-Session-URID`).
    pub role_profile_id: Option<String>,
    /// National RBAC activity codes of the selected role; empty when CIS2 listed none.
    #[serde(default)]
    pub activity_codes: Vec<String>,
}

impl UserIdentity {
    /// "Dr Jane SMITH, Named Nurse Safeguarding, Whittington Health (RKE) — role profile 5551..."
    pub fn describe(&self) -> String {
        let mut s = self.name.clone();
        if let Some(r) = &self.role_name {
            s.push_str(&format!(", {r}"));
        }
        match (&self.org_name, &self.org_code) {
            (Some(n), Some(c)) => s.push_str(&format!(", {n} ({c})")),
            (Some(n), None) => s.push_str(&format!(", {n}")),
            (None, Some(c)) => s.push_str(&format!(", {c}")),
            _ => {}
        }
        if let Some(id) = &self.role_profile_id {
            s.push_str(&format!(" \u{2014} role profile {id}"));
        }
        s
    }

    /// May this role make a lookup in this care setting? `Err(code)` names the missing
    /// activity; a role with no activity codes listed is not judged here.
    pub fn may_look_up(&self, unscheduled: bool) -> std::result::Result<(), &'static str> {
        let need = if unscheduled {
            VIEW_WITH_NOTIFICATION
        } else {
            VIEW_WITHOUT_NOTIFICATION
        };
        if self.activity_codes.is_empty() || self.activity_codes.iter().any(|c| c == need) {
            Ok(())
        } else {
            Err(need)
        }
    }
}

fn is_activity_code(s: &str) -> bool {
    s.len() == 5 && s.starts_with('B') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// The identity in the selected role (`selected_roleid` ↔ `person_roleid`; with no selected
/// role, the only role if there is exactly one).
pub fn identity(claims: &IdClaims, info: &Userinfo) -> Result<UserIdentity> {
    let role = match &claims.selected_roleid {
        Some(id) => info
            .nhsid_nrbac_roles
            .iter()
            .find(|r| r.person_roleid.as_deref() == Some(id))
            .cloned(),
        None if info.nhsid_nrbac_roles.len() == 1 => info.nhsid_nrbac_roles.first().cloned(),
        None => None,
    };
    if claims.selected_roleid.is_some() && role.is_none() {
        return Err(cis2_error(
            "CIS2 did not list the role selected at sign-in among the user's roles",
        ));
    }
    let role = role.unwrap_or_default();
    let org_name = role.org_code.as_ref().and_then(|code| {
        info.nhsid_user_orgs
            .iter()
            .chain(&info.nhsid_org_memberships)
            .find(|o| o.org_code.as_ref() == Some(code))
            .and_then(|o| o.org_name.clone())
    });
    let mut codes: Vec<String> = role
        .activity_codes
        .iter()
        .chain(role.activities.iter().filter(|a| is_activity_code(a)))
        .cloned()
        .collect();
    codes.sort();
    codes.dedup();
    let name = info
        .name
        .clone()
        .or_else(|| claims.name.clone())
        .or_else(|| match (&info.given_name, &info.family_name) {
            (Some(g), Some(f)) => Some(format!("{g} {f}")),
            _ => None,
        })
        .unwrap_or_else(|| claims.sub.clone());
    Ok(UserIdentity {
        uid: info
            .nhsid_useruid
            .clone()
            .or_else(|| info.sub.clone())
            .unwrap_or_else(|| claims.sub.clone()),
        name: crate::sanitize::sanitize(&name),
        role_name: role.role_name.map(|s| crate::sanitize::sanitize(&s)),
        role_code: role.role_code.map(|s| crate::sanitize::sanitize(&s)),
        org_name: org_name.map(|s| crate::sanitize::sanitize(&s)),
        org_code: role.org_code,
        role_profile_id: role
            .person_roleid
            .or_else(|| claims.selected_roleid.clone()),
        activity_codes: codes,
    })
}

pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";

/// Exchange the CIS2 id_token at the platform's token endpoint, at once.
pub async fn token_exchange(
    http: &reqwest::Client,
    api_key: &str,
    kid: &str,
    key_pem: &Secret,
    token_url: &str,
    id_token: &Secret,
    now: u64,
) -> Result<TokenReply> {
    let assertion = system::sign_assertion(api_key, kid, key_pem, token_url, now)?;
    system::request_token(
        http,
        token_url,
        &[
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token_type", ID_TOKEN_TYPE),
            ("subject_token", id_token.expose()),
            ("client_assertion_type", system::CLIENT_ASSERTION_TYPE),
            ("client_assertion", assertion.expose()),
        ],
    )
    .await
}

/// Refresh the platform's tokens (refresh tokens are single-use).
pub async fn refresh(
    http: &reqwest::Client,
    token_url: &str,
    refresh_token: &Secret,
    api_key: &str,
    client_secret: &Secret,
) -> Result<TokenReply> {
    system::request_token(
        http,
        token_url,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
            ("client_id", api_key),
            ("client_secret", client_secret.expose()),
        ],
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(selected: Option<&str>) -> IdClaims {
        IdClaims {
            sub: "787807429511".into(),
            nonce: None,
            selected_roleid: selected.map(str::to_string),
            name: None,
            aud: None,
            azp: None,
        }
    }

    #[test]
    fn the_selected_role_names_the_user_and_what_they_may_do() {
        let info: Userinfo = serde_json::from_value(serde_json::json!({
            "name": "Dr Jane SMITH",
            "nhsid_useruid": "555123456780",
            "nhsid_nrbac_roles": [
                {"person_roleid": "555123456789", "org_code": "RKE", "role_name": "Named Nurse Safeguarding",
                 "activity_codes": ["B0107", "B0170"]},
                {"person_roleid": "555000000001", "org_code": "RKE", "role_name": "Clerk", "activity_codes": ["B0001"]}
            ],
            "nhsid_user_orgs": [{"org_code": "RKE", "org_name": "Whittington Health"}]
        }))
        .unwrap();
        let me = identity(&claims(Some("555123456789")), &info).unwrap();
        assert_eq!(
            me.describe(),
            "Dr Jane SMITH, Named Nurse Safeguarding, Whittington Health (RKE) \u{2014} role profile 555123456789"
        );
        assert!(me.may_look_up(true).is_ok() && me.may_look_up(false).is_ok());
        let clerk = identity(&claims(Some("555000000001")), &info).unwrap();
        assert_eq!(clerk.may_look_up(true), Err("B0107"));
        assert_eq!(clerk.may_look_up(false), Err("B0170"));
        assert!(identity(&claims(Some("999")), &info).is_err());
        // No activity codes listed: not judged here.
        let mut open = me.clone();
        open.activity_codes.clear();
        assert!(open.may_look_up(true).is_ok());
    }

    #[test]
    fn pkce_challenge_is_s256_of_the_verifier() {
        let (v, c) = pkce();
        assert_eq!(v.expose().len(), 43);
        let want = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(v.expose().as_bytes()));
        assert_eq!(c, want);
        assert_ne!(random_token(), random_token());
    }
}
