//! The redirect rule (same origin only, a few times at most) and how a `Location` may be
//! shown.

use std::error::Error as StdError;
use std::fmt;

/// Redirects followed before giving up.
pub(super) const MAX_REDIRECTS: usize = 5;

/// Why a redirect was not followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectRefused {
    TooMany,
    /// To another origin (scheme, host or port): the request carries the NHS number and the
    /// credentials, and its answer would not be the named environment's. Holds the
    /// `Location` as it may be shown.
    OtherOrigin(String),
}

impl fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectRefused::TooMany => write!(f, "more than {MAX_REDIRECTS} redirects"),
            RedirectRefused::OtherOrigin(to) => write!(
                f,
                "it goes to another origin ({to}); patient data and credentials never follow a redirect elsewhere, and nothing was sent there"
            ),
        }
    }
}

impl StdError for RedirectRefused {}

/// Is this URL's host a loopback address (127.0.0.0/8, ::1 or `localhost`)? Only such hosts
/// may be spoken to, or redirected to, over plain `http://`.
/// `localhost` counts only as that literal name (resolved by us, never through DNS);
/// `localhost.` is a DNS name like any other.
pub fn is_loopback_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The redirect rule: why not to follow a redirect from `previous` to `next`, if any. Only
/// the same origin (scheme, host and port) as the request, at most [`MAX_REDIRECTS`] times:
/// so never from HTTPS to HTTP, never to another machine, and the credentials and the NHS
/// number stay where they were sent.
pub fn redirect_refusal(
    previous: &[url::Url],
    next: &url::Url,
) -> std::result::Result<(), RedirectRefused> {
    if previous.len() >= MAX_REDIRECTS {
        return Err(RedirectRefused::TooMany);
    }
    if let Some(first) = previous.first() {
        if first.origin() != next.origin() {
            return Err(RedirectRefused::OtherOrigin(shown_location(
                first,
                next.as_str(),
            )));
        }
    }
    Ok(())
}

/// A `Location` as it may be shown: the URL it resolves to (against the POST URL) without
/// user name, password, query or fragment, control characters neutralised, at most 200
/// characters.
pub fn shown_location(url: &url::Url, location: &str) -> String {
    let text = match url.join(location.trim()) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            let had_query = u.query().is_some();
            u.set_query(None);
            u.set_fragment(None);
            let mut s = u.to_string();
            if had_query {
                s.push_str("?…");
            }
            s
        }
        Err(_) => "a Location that is not a URL".to_string(),
    };
    let clean = crate::sanitize::sanitize(&text);
    if clean.chars().count() > 200 {
        clean.chars().take(200).collect::<String>() + "…"
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn redirect_rules() {
        let https = url("https://api.service.nhs.uk/a?x=1");
        let http_local = url("http://127.0.0.1:8080/a");
        for (from, to) in [
            (&https, "http://api.service.nhs.uk/a"),
            (&https, "https://api.service.nhs.uk:444/a"),
            (&https, "https://int.api.service.nhs.uk/a"),
            (&http_local, "http://127.0.0.1:8081/a"),
            (&http_local, "http://localhost:8080/a"),
            (&http_local, "https://127.0.0.1:8080/a"),
        ] {
            assert!(
                matches!(
                    redirect_refusal(std::slice::from_ref(from), &url(to)),
                    Err(RedirectRefused::OtherOrigin(_))
                ),
                "{from} -> {to}"
            );
        }
        assert_eq!(
            redirect_refusal(
                std::slice::from_ref(&https),
                &url("https://api.service.nhs.uk/b?y=2")
            ),
            Ok(())
        );
        let Err(RedirectRefused::OtherOrigin(shown)) = redirect_refusal(
            std::slice::from_ref(&https),
            &url("https://user:pw@elsewhere.example/p?nhs=9434765919#f"),
        ) else {
            panic!("followed")
        };
        assert_eq!(shown, "https://elsewhere.example/p?…");
        let many = vec![http_local.clone(); MAX_REDIRECTS];
        assert_eq!(
            redirect_refusal(&many, &http_local),
            Err(RedirectRefused::TooMany)
        );
    }
}
