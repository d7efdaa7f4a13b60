//! Proxies from the environment: which variable applies to a URL (`NO_PROXY` as reqwest reads
//! it), whether each is usable, and the proxy for `https://` requests.

use std::ffi::OsString;
use std::net::IpAddr;

use crate::error::{Error, Result};

/// The environment as `cpis` reads it (a function, for tests).
pub type EnvOs<'a> = &'a dyn Fn(&str) -> Option<OsString>;

/// The process environment.
pub fn process_env(k: &str) -> Option<OsString> {
    std::env::var_os(k)
}

pub(super) const PROXY_VARS: [[&str; 2]; 3] = [
    ["HTTPS_PROXY", "https_proxy"],
    ["HTTP_PROXY", "http_proxy"],
    ["ALL_PROXY", "all_proxy"],
];

/// Why a proxy variable's value cannot be used, if it cannot.
fn proxy_value_problem(value: &str) -> Option<&'static str> {
    let Ok(uri) = value.parse::<hyper::Uri>() else {
        return Some("it is not a URL");
    };
    match uri.scheme_str() {
        None | Some("http") | Some("https") => {}
        Some(_) => return Some("the scheme must be http:// or https://"),
    }
    match uri.authority() {
        Some(a) if !a.host().is_empty() => None,
        _ => Some("it has no host"),
    }
}

/// Check the proxy variables the client will read (for each pair, the first one set, as reqwest
/// reads them): each must be a usable `http://` or `https://` proxy URL (no scheme means
/// `http://`). Exit 2 naming the variable, never its value (it may hold a password).
pub fn check_proxy_env(env: EnvOs) -> Result<()> {
    for pair in PROXY_VARS {
        let Some((name, value)) = pair.iter().find_map(|n| env(n).map(|v| (*n, v))) else {
            continue;
        };
        let problem = match value.to_str() {
            None => Some("it is not valid UTF-8"),
            Some(v) if v.trim().is_empty() => None,
            Some(v) => proxy_value_problem(v.trim()),
        };
        if let Some(p) = problem {
            return Err(
                Error::usage(format!("the proxy variable {name} cannot be used: {p}")).with_hint(
                    format!("set {name} to http://HOST:PORT (or unset it to connect directly)"),
                ),
            );
        }
    }
    Ok(())
}

/// One `NO_PROXY` entry.
enum NoProxyEntry {
    Ip(IpAddr),
    Net(IpAddr, u8),
    Domain(String),
}

fn parse_no_proxy_entry(part: &str) -> Option<NoProxyEntry> {
    if let Some((addr, len)) = part.split_once('/') {
        if let (Ok(addr), Ok(len)) = (addr.parse::<IpAddr>(), len.parse::<u8>()) {
            let max = if addr.is_ipv4() { 32 } else { 128 };
            if len <= max {
                return Some(NoProxyEntry::Net(addr, len));
            }
        }
    }
    if let Ok(ip) = part.parse::<IpAddr>() {
        return Some(NoProxyEntry::Ip(ip));
    }
    (!part.is_empty()).then(|| NoProxyEntry::Domain(part.to_string()))
}

fn in_net(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Does `NO_PROXY` (comma-separated) exempt `host`? The rules of reqwest (hyper-util), after
/// curl: IP addresses and CIDR networks match IP hosts; `*` matches any host name; any other
/// entry matches that domain and its subdomains, with or without a leading dot.
pub fn no_proxy_matches(no_proxy: &str, host: &str) -> bool {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let entries = no_proxy
        .split(',')
        .map(str::trim)
        .filter_map(parse_no_proxy_entry);
    if let Ok(ip) = host.parse::<IpAddr>() {
        return entries.into_iter().any(|e| match e {
            NoProxyEntry::Ip(a) => a == ip,
            NoProxyEntry::Net(n, len) => in_net(ip, n, len),
            NoProxyEntry::Domain(_) => false,
        });
    }
    let host = host.to_ascii_lowercase();
    entries.into_iter().any(|e| match e {
        NoProxyEntry::Domain(d) if d == "*" => true,
        NoProxyEntry::Domain(d) => {
            let d = d.to_ascii_lowercase();
            let bare = d.strip_prefix('.').unwrap_or(&d);
            host == bare || host.ends_with(&format!(".{bare}"))
        }
        _ => false,
    })
}

/// The proxy variable that applies to `url`, if a proxy does: the scheme's variable
/// (`HTTPS_PROXY`/`https_proxy` or `HTTP_PROXY`/`http_proxy`), else `ALL_PROXY`/`all_proxy`,
/// unless `NO_PROXY`/`no_proxy` exempts the host. As reqwest decides it: none at all in a CGI
/// script (`REQUEST_METHOD` set).
pub fn proxy_var_for(url: &url::Url, env: EnvOs) -> Option<&'static str> {
    if env("REQUEST_METHOD").is_some() {
        return None;
    }
    let first_set = |pair: [&'static str; 2]| {
        pair.iter()
            .find_map(|n| env(n).and_then(|v| v.into_string().ok()).map(|v| (*n, v)))
            .filter(|(_, v)| proxy_value_problem(v).is_none())
            .map(|(n, _)| n)
    };
    let scheme_pair = match url.scheme() {
        "https" => PROXY_VARS[0],
        "http" => PROXY_VARS[1],
        _ => return None,
    };
    let var = first_set(scheme_pair).or_else(|| first_set(PROXY_VARS[2]))?;
    let no_proxy = ["NO_PROXY", "no_proxy"]
        .iter()
        .find_map(|n| env(n).and_then(|v| v.into_string().ok()))
        .unwrap_or_default();
    let host = url.host_str()?;
    (!no_proxy_matches(&no_proxy, host)).then_some(var)
}

/// Whether the proxy URL in `var` carries credentials (a user name), which reqwest then
/// sends in `Proxy-Authorization` with every CONNECT. The value itself is never shown.
pub fn proxy_has_credentials(var: &str, env: EnvOs) -> bool {
    let Some(value) = env(var).and_then(|v| v.into_string().ok()) else {
        return false;
    };
    let value = value.trim();
    let with_scheme = if value.contains("://") {
        value.to_string()
    } else {
        format!("http://{value}")
    };
    url::Url::parse(&with_scheme).is_ok_and(|u| !u.username().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::env_of;
    use crate::error::Kind;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn no_proxy_rules_follow_reqwest() {
        let list = "example.org, .corp.nhs.uk,10.0.0.0/8, 192.168.1.7, ::1";
        for host in [
            "example.org",
            "www.example.org",
            "EXAMPLE.ORG",
            "corp.nhs.uk",
            "a.corp.nhs.uk",
            "10.1.2.3",
            "192.168.1.7",
            "[::1]",
        ] {
            assert!(no_proxy_matches(list, host), "{host}");
        }
        for host in [
            "notexample.org",
            "nhs.uk",
            "11.0.0.1",
            "192.168.1.8",
            "127.0.0.1",
        ] {
            assert!(!no_proxy_matches(list, host), "{host}");
        }
        assert!(no_proxy_matches("*", "anything.example"));
        assert!(!no_proxy_matches("", "example.org"));
    }

    #[test]
    fn which_proxy_applies() {
        let https = url("https://api.service.nhs.uk/cpis/FHIR/R4/CareTeam");
        let http = url("http://cpis.example.invalid/x");
        let p = "http://proxy:3128";
        assert_eq!(
            proxy_var_for(&https, &env_of(&[("HTTPS_PROXY", p)])),
            Some("HTTPS_PROXY")
        );
        assert_eq!(
            proxy_var_for(&https, &env_of(&[("https_proxy", p)])),
            Some("https_proxy")
        );
        assert_eq!(proxy_var_for(&http, &env_of(&[("HTTPS_PROXY", p)])), None);
        assert_eq!(
            proxy_var_for(&http, &env_of(&[("HTTPS_PROXY", p), ("ALL_PROXY", p)])),
            Some("ALL_PROXY")
        );
        assert_eq!(
            proxy_var_for(
                &https,
                &env_of(&[("HTTPS_PROXY", p), ("NO_PROXY", "nhs.uk")])
            ),
            None
        );
        assert_eq!(
            proxy_var_for(&https, &env_of(&[("HTTPS_PROXY", p), ("no_proxy", "*")])),
            None
        );
        assert_eq!(
            proxy_var_for(
                &https,
                &env_of(&[("HTTPS_PROXY", p), ("REQUEST_METHOD", "GET")])
            ),
            None,
            "reqwest ignores proxy variables in CGI scripts"
        );
        // reqwest proxies loopback addresses too unless NO_PROXY says otherwise.
        assert_eq!(
            proxy_var_for(&url("http://127.0.0.1:1/"), &env_of(&[("HTTP_PROXY", p)])),
            Some("HTTP_PROXY")
        );
    }

    #[test]
    fn unusable_proxy_variables_are_usage_errors_naming_the_variable() {
        for (var, value) in [
            ("HTTPS_PROXY", "http://[bad"),
            ("HTTPS_PROXY", "::::"),
            ("http_proxy", "ftp://proxy:21"),
            ("ALL_PROXY", "socks5://proxy:1080"),
            ("HTTP_PROXY", "http://"),
        ] {
            let e = check_proxy_env(&env_of(&[(var, value)])).unwrap_err();
            assert_eq!(e.kind, Kind::Usage);
            assert!(e.message.contains(var), "{var}={value}: {e}");
        }
        let e =
            check_proxy_env(&env_of(&[("HTTPS_PROXY", "http://user:s3cret@[bad")])).unwrap_err();
        assert!(!e.to_string().contains("s3cret"), "{e}");
        for value in [
            "http://proxy:3128",
            "https://user:pw@proxy.corp:8443/",
            "proxy.corp:3128",
            "",
        ] {
            check_proxy_env(&env_of(&[("HTTPS_PROXY", value)])).unwrap();
        }
        // Only the variable reqwest reads: the upper-case one when both are set.
        check_proxy_env(&env_of(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("https_proxy", "::::"),
        ]))
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            let bad = OsString::from_vec(vec![b'h', 0xff]);
            let env = move |k: &str| (k == "HTTP_PROXY").then(|| bad.clone());
            let e = check_proxy_env(&env).unwrap_err();
            assert!(e.message.contains("HTTP_PROXY"), "{e}");
        }
    }
}
